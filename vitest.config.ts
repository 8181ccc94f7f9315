import { existsSync } from "node:fs";
import { join } from "node:path";
import { defineConfig } from "vitest/config";
import { lazySchemaTarget } from "./scripts/lazy-schema.mjs";
import { corpusRoot as corpus, corpusSuites } from "./test/helpers/corpus-suites.js";

// A clone without ../shared/criu runs everything else (test/corpus-missing.test.ts reports each suite left out as
// skipped, with the reason); CI always has the corpus, so there its absence fails.
const skipped = existsSync(join(corpus, "images")) || process.env.CI ? [] : corpusSuites(import.meta.dirname);
if (skipped.length > 0)
  console.log(
    `criu-image: no corpus at ${corpus}: ${skipped.length} suites that read it are skipped (set CRIU_IMAGE_CORPUS)`,
  );

export default defineConfig({
  // As in the bundles (tsup.config.ts): src/gen's descriptors are built on first use.
  plugins: [
    {
      name: "criu-image-lazy-schema",
      enforce: "pre",
      resolveId: lazySchemaTarget,
    },
  ],
  test: {
    include: ["test/**/*.test.ts"],
    exclude: ["**/node_modules/**", ...skipped],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
