import { dirname, resolve } from "node:path";
import type { Plugin } from "esbuild";
import { defineConfig } from "tsup";

const src = resolve("src");

/**
 * Each public subpath is its own bundle, and a bundle reaches another layer
 * only through that layer's public subpath. So "criu-image/framing" has no
 * imports at all, and every bundle shares one copy of each layer (one
 * CriuImageError class, whichever subpath a user imported it from).
 */
function layers(own: string): Plugin {
  const subpaths: [dir: string, specifier: string][] = [
    [resolve(src, "framing"), "criu-image/framing"],
    [resolve(src, "node"), "criu-image/node"],
  ];
  return {
    name: "criu-image-layers",
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = resolve(dirname(args.importer), args.path);
        for (const [dir, specifier] of subpaths) {
          if (specifier !== own && (target === dir || target.startsWith(`${dir}/`))) {
            return { path: specifier, external: true };
          }
        }
        // Everything outside framing/ and node/ belongs to the root bundle.
        if (own !== "criu-image" && !target.startsWith(resolve(src, own.split("/")[1] ?? ""))) {
          return { path: "criu-image", external: true };
        }
        return undefined;
      });
    },
  };
}

const entry = (name: string, file: string, own: string) => ({
  entry: { [name]: file },
  format: ["esm", "cjs"] as ["esm", "cjs"],
  dts: true,
  sourcemap: true,
  target: "node20" as const,
  treeshake: true,
  splitting: false,
  external: ["criu-image", "criu-image/framing", "criu-image/node"],
  esbuildPlugins: [layers(own)],
});

export default defineConfig([
  { ...entry("framing/index", "src/framing/index.ts", "criu-image/framing"), clean: true },
  entry("index", "src/index.ts", "criu-image"),
  entry("node/index", "src/node/index.ts", "criu-image/node"),
]);
