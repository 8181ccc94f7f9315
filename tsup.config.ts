import { dirname, resolve } from "node:path";
import type { Plugin } from "esbuild";
import { defineConfig } from "tsup";
import { lazySchemaTarget } from "./scripts/lazy-schema.mjs";

const src = resolve("src");

/** Source folders that are public subpaths of their own; everything else in src/ is the root. */
const LAYERS: [folder: string, specifier: string][] = [
  ["framing", "criu-image/framing"],
  ["gen", "criu-image/schema"],
  // Its stand-ins are the schema's: one copy, with the descriptors they build.
  ["gen-lazy", "criu-image/schema"],
  ["json", "criu-image/json"],
  ["archive", "criu-image/archive"],
  ["checkpoint", "criu-image/checkpoint"],
  ["memory", "criu-image/memory"],
  ["inspect", "criu-image/inspect"],
  ["diff", "criu-image/diff"],
  ["edit", "criu-image/edit"],
  ["tcp", "criu-image/tcp"],
  ["verify", "criu-image/verify"],
  ["coredump", "criu-image/coredump"],
  ["preflight", "criu-image/preflight"],
  ["node", "criu-image/node"],
];

function layerOf(file: string): string {
  for (const [folder, specifier] of LAYERS) {
    const dir = resolve(src, folder);
    if (file === dir || file.startsWith(`${dir}/`)) return specifier;
  }
  if (file.startsWith(resolve(src, "cli"))) return "criu-image/cli";
  return "criu-image";
}

/**
 * Each public subpath is its own bundle, and a bundle reaches another layer
 * only through that layer's public subpath. So "criu-image/framing" has no
 * imports at all, and every bundle shares one copy of each layer (one
 * CriuImageError class, whichever subpath a user imported it from).
 */
function layers(own: string): Plugin {
  return {
    name: "criu-image-layers",
    setup(build) {
      build.onResolve({ filter: /^\.\.?\// }, (args) => {
        const target = resolve(dirname(args.importer), args.path).replace(/\.js$/, "");
        const layer = layerOf(target);
        return layer === own ? undefined : { path: layer, external: true };
      });
    },
  };
}

/**
 * src/gen's descriptors are built on first use: its codegenv2 import goes to
 * src/gen-lazy (see there). The stand-ins' own import of codegenv2 is the
 * package's (external) in the library, and bundled in the CLI: left
 * external there, the CLI loaded protobuf-es twice, its bundled copy and
 * ~30 files of node_modules' for codegenv2 alone.
 */
const lazySchema = (bundled: boolean): Plugin => ({
  name: "criu-image-lazy-schema",
  setup(build) {
    build.onResolve({ filter: /^@bufbuild\/protobuf\/codegenv2$/ }, (args) => {
      const target = lazySchemaTarget(args.path, args.importer);
      if (target) return { path: target };
      return bundled ? undefined : { path: args.path, external: true };
    });
  },
});

const bundle = (name: string, file: string, own: string, extra: object = {}) => ({
  entry: { [name]: file },
  format: ["esm", "cjs"] as ["esm", "cjs"],
  // Types are built by scripts/build-types.mjs: one file per source file, so no subpath carries a copy.
  dts: false,
  sourcemap: true,
  target: "node20" as const,
  treeshake: true,
  splitting: false,
  external: ["criu-image", ...LAYERS.map(([, s]) => s)],
  esbuildPlugins: [lazySchema(false), layers(own)],
  // tsup would mark it external before lazySchema sees it; lazySchema does that itself.
  noExternal: [/^@bufbuild\/protobuf\/codegenv2$/],
  ...extra,
});

export default defineConfig([
  { ...bundle("framing/index", "src/framing/index.ts", "criu-image/framing"), clean: true },
  bundle("schema/index", "src/gen/index.ts", "criu-image/schema"),
  bundle("index", "src/index.ts", "criu-image"),
  bundle("json/index", "src/json/index.ts", "criu-image/json"),
  bundle("archive/index", "src/archive/index.ts", "criu-image/archive"),
  bundle("checkpoint/index", "src/checkpoint/index.ts", "criu-image/checkpoint"),
  bundle("memory/index", "src/memory/index.ts", "criu-image/memory"),
  bundle("inspect/index", "src/inspect/index.ts", "criu-image/inspect"),
  bundle("diff/index", "src/diff/index.ts", "criu-image/diff"),
  bundle("edit/index", "src/edit/index.ts", "criu-image/edit"),
  bundle("tcp/index", "src/tcp/index.ts", "criu-image/tcp"),
  bundle("verify/index", "src/verify/index.ts", "criu-image/verify"),
  bundle("coredump/index", "src/coredump/index.ts", "criu-image/coredump"),
  bundle("preflight/index", "src/preflight/index.ts", "criu-image/preflight"),
  bundle("node/index", "src/node/index.ts", "criu-image/node"),
  // The CLI is a program, not a layer: it bundles the library and its
  // dependencies into its own chunks, split so that each command loads only
  // what it runs. Node 20 loads ESM files one by one (protobuf-es alone is
  // 42 of them, ~100 ms); as a few chunks, --version starts in Node's own
  // time and `info` of an image, which needs no protobuf at all, as fast as
  // crit. Nothing imports these chunks but the CLI, so their copy of the
  // descriptors never meets a user's.
  {
    entry: { cli: "src/cli/bin.ts" },
    format: ["esm"] as ["esm"],
    dts: false,
    sourcemap: true,
    target: "node20" as const,
    platform: "node" as const,
    treeshake: true,
    splitting: true,
    noExternal: [/.*/],
    esbuildPlugins: [lazySchema(true)],
    // Bundled CommonJS packages (tar-stream, ipaddr.js) call require for Node's own modules.
    banner: {
      js: 'import { createRequire as __criuImageRequire } from "node:module";\nconst require = __criuImageRequire(import.meta.url);',
    },
  },
]);
