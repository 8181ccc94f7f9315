/**
 * Summarises the checkpoint bundled in examples/checkpoint-tcp4 (or the
 * directory given as argument): every image with its kind, format and
 * entry count, then the process tree.
 *
 *   npm run demo [-- DIR]
 */
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { readImage } from "../src/index.js";
import { listCheckpointDir, loadCheckpointDir } from "../src/node/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const dir = resolve(process.argv[2] ?? join(here, "checkpoint-tcp4"));
const names = await listCheckpointDir(dir);
// Load everything but the memory pages, which a summary never needs.
const images = await loadCheckpointDir(dir);

console.log(`checkpoint ${dir}: ${names.length} files\n`);
console.log("IMAGE".padEnd(26), "KIND".padEnd(14), "FORMAT".padEnd(7), "ENTRIES");
for (const name of names) {
  const bytes = images.get(name);
  if (!bytes) {
    console.log(name.padEnd(26), "PAGES".padEnd(14), "raw".padEnd(7), "(not read)");
    continue;
  }
  const img = readImage(bytes, { name });
  const count = img.format === "raw" ? `${img.raw.length} bytes` : String(img.entries.length);
  console.log(name.padEnd(26), img.kind.padEnd(14), img.format.padEnd(7), count);
}

const pstree = readImage(images.get("pstree.img")!, { name: "pstree.img" });
if (pstree.kind === "PSTREE") {
  console.log("\nprocess tree:");
  for (const p of pstree.entries) {
    const core = readImage(images.get(`core-${p.pid}.img`)!, { name: `core-${p.pid}.img` });
    const comm = core.kind === "CORE" ? core.entries[0]?.tc?.comm : "?";
    console.log(`  pid ${p.pid} (parent ${p.ppid}) ${comm}, ${p.threads.length} thread(s)`);
  }
}
