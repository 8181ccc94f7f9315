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
import { inspectText } from "../src/cli/inspect.js";
import { connectionTable, reportText } from "../src/cli/tcp.js";
import { inspectCheckpoint } from "../src/inspect/index.js";
import { openCheckpoint, rewriteCheckpointDir } from "../src/node/index.js";
import { listConnections } from "../src/tcp/index.js";

const here = dirname(fileURLToPath(import.meta.url));
const dir = resolve(process.argv[2] ?? join(here, "checkpoint-tcp4"));
// Opening reads nothing yet: each image is read and decoded when first asked for.
const cp = await openCheckpoint(dir);
const names = cp.names();

console.log(`checkpoint ${dir}: ${names.length} images, a ${cp.dumpKind()}\n`);
console.log("IMAGE".padEnd(26), "KIND".padEnd(14), "FORMAT".padEnd(7), "ENTRIES");
for (const name of names) {
  if (name.startsWith("pages-")) {
    // Memory pages are never read for a summary.
    console.log(name.padEnd(26), "PAGES".padEnd(14), "raw".padEnd(7), `${cp.size(name)} bytes (not read)`);
    continue;
  }
  const img = cp.image(name)!;
  const count = img.format === "raw" ? `${img.raw.length} bytes` : String(img.entries.length);
  console.log(name.padEnd(26), img.kind.padEnd(14), img.format.padEnd(7), count);
}

console.log("\nprocess tree:");
for (const p of cp.tasks()) {
  const comm = cp.first(`core-${p.pid}.img`, "CORE")?.tc?.comm ?? "?";
  console.log(`  pid ${p.pid} (parent ${p.ppid}) ${comm}, ${cp.taskState(p.pid)}, ${p.threads.length} thread(s)`);
}

// The same checkpoint as its user sees it: the process tree with each
// cmdline read from the process's own memory (criu-image inspect).
const report = await inspectCheckpoint(cp);
console.log("\ninspect:");
console.log(inspectText(report, { path: dir }));

const sockets = listConnections(cp);
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
    console.log(connectionTable(listConnections(await openCheckpoint(copy))));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
