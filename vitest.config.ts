import { resolve } from "node:path";
import { defineConfig } from "vitest/config";

const gen = resolve(__dirname, "src", "gen");

export default defineConfig({
  // As in the bundles (tsup.config.ts): src/gen's descriptors are built on first use.
  plugins: [
    {
      name: "criu-image-lazy-schema",
      enforce: "pre",
      resolveId(source, importer) {
        if (source === "@bufbuild/protobuf/codegenv2" && importer?.startsWith(`${gen}/`))
          return resolve(__dirname, "src", "gen-lazy", "codegen.ts");
        return undefined;
      },
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
