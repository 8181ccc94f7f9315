// Checks the built bundles: criu-image/framing imports nothing at all, and
// every subpath loads through the package's own exports, in ESM and CJS.
import { readFileSync } from "node:fs";
import { createRequire, isBuiltin } from "node:module";

const fail = (msg) => {
  console.error(`check-dist: ${msg}`);
  process.exit(1);
};
for (const f of ["dist/framing/index.js", "dist/framing/index.cjs"]) {
  const text = readFileSync(f, "utf8");
  if (/^\s*import\s|\bimport\(|\brequire\(/m.test(text)) fail(`${f} has an import`);
}
const require = createRequire(import.meta.url);
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
const subpaths = Object.keys(pkg.exports)
  .filter((s) => s !== "./package.json")
  .map((s) => `criu-image${s.slice(1)}`);
for (const sub of subpaths) {
  const esm = await import(sub);
  const cjs = require(sub);
  if (Object.keys(esm).length === 0 || Object.keys(cjs).length === 0) fail(`${sub} exports nothing`);
}
const root = await import("criu-image");
const framing = await import("criu-image/framing");
if (root.CriuImageError !== framing.CriuImageError) fail("two copies of CriuImageError");
// The root builds descriptors through the schema bundle's stand-ins, so both see the same one.
const schema = await import("criu-image/schema");
if (schema.hydrated(schema.file_entrySchema) !== root.messageSchema("file_entry")) fail("two copies of the schema");
if ("file_entrySchema" in root || "fd_types" in root)
  fail("the root exports generated values (criu-image/schema has them)");
// The CLI's fast paths: --version loads its entry alone, and `info` of an
// image loads the framing and the crit info text, never protobuf-es, the
// schema or the archive readers (a stray import once cost `info` 70 ms).
const chunksOf = (file, seen = new Set()) => {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const m of readFileSync(`dist/${file}`, "utf8").matchAll(/^import\s[^;]*?from\s*["']\.\/([^"']+)["']/gm))
    chunksOf(m[1], seen);
  return seen;
};
// The CLI is self-contained: its chunks import each other and Node's own
// modules, never a package (a second protobuf-es runtime once came that way).
const cliChunks = (file, seen = new Set()) => {
  if (seen.has(file)) return seen;
  seen.add(file);
  const text = readFileSync(`dist/${file}`, "utf8");
  for (const m of text.matchAll(/(?:^import\s[^;]*?from\s*|\bimport\()["']([^"']+)["']/gm)) {
    const spec = m[1];
    if (spec.startsWith("./")) cliChunks(spec.slice(2), seen);
    else if (!isBuiltin(spec)) fail(`dist/${file} imports the package ${spec}: the CLI must bundle it`);
  }
  return seen;
};
cliChunks("cli.js");
const cli = readFileSync("dist/cli.js", "utf8");
const infoChunk = cli.match(/import\(["']\.\/(info-[A-Z0-9]+\.js)["']\)/)?.[1];
if (!infoChunk) fail("dist/cli.js loads no info chunk");
for (const [what, files] of [
  ["--version", chunksOf("cli.js")],
  ["info of an image", chunksOf(infoChunk)],
]) {
  const text = [...files].map((f) => readFileSync(`dist/${f}`, "utf8")).join("\n");
  // esbuild heads each module with a comment naming its path.
  for (const [name, marker] of [
    ["protobuf-es", "node_modules/@bufbuild/protobuf/"],
    ["the schema", "src/gen/"],
    ["tar-stream", "node_modules/tar-stream"],
  ])
    if (new RegExp(`^// \\S*${marker}`, "m").test(text))
      fail(`the CLI's ${what} path loads ${name} (${[...files].join(", ")})`);
}
console.log(
  "check-dist: framing bundle has no imports; all subpaths load (ESM and CJS); the CLI's fast paths stay small",
);
