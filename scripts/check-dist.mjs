// Checks the built bundles: criu-image/framing imports nothing at all, and
// every subpath loads through the package's own exports, in ESM and CJS.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const fail = (msg) => {
  console.error(`check-dist: ${msg}`);
  process.exit(1);
};
for (const f of ["dist/framing/index.js", "dist/framing/index.cjs"]) {
  const text = readFileSync(f, "utf8");
  if (/^\s*import\s|\bimport\(|\brequire\(/m.test(text)) fail(`${f} has an import`);
}
const require = createRequire(import.meta.url);
for (const sub of [
  "criu-image",
  "criu-image/framing",
  "criu-image/json",
  "criu-image/checkpoint",
  "criu-image/memory",
  "criu-image/inspect",
  "criu-image/diff",
  "criu-image/edit",
  "criu-image/tcp",
  "criu-image/verify",
  "criu-image/node",
]) {
  const esm = await import(sub);
  const cjs = require(sub);
  if (Object.keys(esm).length === 0 || Object.keys(cjs).length === 0) fail(`${sub} exports nothing`);
}
const root = await import("criu-image");
const framing = await import("criu-image/framing");
if (root.CriuImageError !== framing.CriuImageError) fail("two copies of CriuImageError");
console.log("check-dist: framing bundle has no imports; all subpaths load (ESM and CJS)");
