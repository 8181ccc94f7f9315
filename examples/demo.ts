/**
 * The main job on the bundled checkpoint (examples/checkpoint-tcp4, or the
 * directory given as argument): summarise its images and process tree,
 * list its connections, then move one address in a temporary copy and show
 * the report.
 *
 *   npm run demo [-- DIR]
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { connectionTable, reportText } from "../src/cli/tcp.js";
import { readImage } from "../src/index.js";
import { listCheckpointDir, loadCheckpointDir, loadCheckpointForTcp, rewriteCheckpointDir } from "../src/node/index.js";
import { listConnections } from "../src/tcp/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const dir = resolve(process.argv[2] ?? join(here, "checkpoint-tcp4"));
const names = await listCheckpointDir(dir);
// Everything but the memory pages, which a summary never needs.
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

const sockets = listConnections(await loadCheckpointForTcp(dir));
console.log("\nconnections:");
console.log(connectionTable(sockets));

// Move the first established connection's client address, in a copy.
const client = sockets.find(
  (s) =>
    s.state === "ESTABLISHED" &&
    s.kind === "tcp" &&
    !sockets.some((o) => o.state === "LISTEN" && o.local.port === s.local.port),
);
if (client) {
  const work = mkdtempSync(join(tmpdir(), "criu-image-demo-"));
  try {
    const copy = join(work, "checkpoint");
    cpSync(dir, copy, { recursive: true });
    const to = client.family === "INET6" ? "fd00::2" : "10.0.0.2";
    console.log(`rewrite ${client.local.address} -> ${to} in a copy (${copy}):`);
    const { report } = await rewriteCheckpointDir(copy, [{ kind: "address", from: client.local.address, to }]);
    console.log(reportText(report, "rewritten in place"));
    console.log(connectionTable(listConnections(await loadCheckpointForTcp(copy))));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
