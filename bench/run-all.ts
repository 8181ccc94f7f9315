/**
 * npm run bench: every benchmark, side by side, written to
 * bench/out/results.md (copied into docs/performance.md by hand).
 *
 * - typed decode of a 200k-INETSK files.img: criu-image vs Python protobuf
 *   (Debian's python3-protobuf, C++ backend) on the same bytes;
 * - JSON decode: criu-image decode vs crit (Debian's criu package);
 * - framing scan throughput;
 * - streaming a checkpoint with a 256 MiB pages image: peak RSS;
 * - TCP rewrite of a 10,000-connection checkpoint, pages never read.
 *
 * Needs `npm run build` (done by npm run bench) and, for the comparisons,
 * crit and Python protobuf: crit is taken from CRIT= or PATH (build CRIU
 * 4.2's crit from its source in a scratch folder, or `apt-get install
 * criu`, whose crit is 3.17); Python protobuf is /usr/bin/python3's
 * (`apt-get install python3-protobuf`, C++ backend), with the CRIU schema
 * of pycriu from PYTHONPATH or Debian's python3-criu. The versions used are
 * printed with the results. SKIP_CRIT=1 skips crit.
 */
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bigCheckpoint } from "./checkpoint.js";
import { coredumpBench } from "./coredump.js";
import { explorerMemory } from "./explorer-memory.js";
import { inetskFilesImage } from "./generate.js";
import { inspectArchive } from "./inspect-archive.js";
import { memoryBench } from "./memory.js";
import { millionCheckpoint } from "./million.js";
import { best, fmt, measure } from "./run.js";
import { sharedTupleMs } from "./shared-tuple.js";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "out");
mkdirSync(out, { recursive: true });
const root = join(here, "..");
if (!existsSync(join(root, "dist", "cli.js"))) throw new Error("run npm run build first");
const lines: string[] = [
  `Run on ${new Date().toISOString().slice(0, 10)}, node ${process.version}, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(" ")} at the start.`,
  "",
];
const say = (s = "") => {
  console.log(s);
  lines.push(s);
};

// The peers, found once and named in the results.
const which = (cmd: string) => {
  try {
    return (
      execFileSync("sh", ["-c", `command -v ${cmd}`])
        .toString()
        .trim() || undefined
    );
  } catch {
    return undefined;
  }
};
const crit = process.env.SKIP_CRIT ? undefined : (process.env.CRIT ?? which("crit"));
const critVersion = (() => {
  if (!crit) return "not found";
  try {
    return execFileSync(crit, ["--version"], { stdio: ["ignore", "pipe", "pipe"] })
      .toString()
      .trim();
  } catch {
    return "version unknown (crit 3.x has no --version)";
  }
})();
say(`crit: ${crit ?? "not found"} (${critVersion})`);
say("");

// 0. Start-up: medians of whole commands, Node's own start included. Rows
// compared with each other run alternately, so that a change in the
// machine's load falls on both.
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const alternate = (cmds: string[][], runs: number) => {
  const times = cmds.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) {
    for (const [j, c] of cmds.entries()) times[j]?.push(measure(c).seconds * 1000);
  }
  return times.map(median);
};
const inventory = join(root, "examples", "checkpoint-tcp4", "inventory.img");
const cli = join(root, "dist", "cli.js");
const imp = (what: string) => [process.execPath, "--input-type=module", "-e", `await import(${JSON.stringify(what)})`];
const [nodeMs, versionMs, protobufMs, importMs] = alternate(
  [[process.execPath, "-e", "0"], [process.execPath, cli, "--version"], imp("@bufbuild/protobuf"), imp("criu-image")],
  15,
) as [number, number, number, number];
const [infoMs, critInfoMs] = alternate(
  [[process.execPath, cli, "info", inventory], ...(crit ? [[crit, "info", inventory]] : [])],
  7,
);
const rows: [string, number | undefined, string][] = [
  ["node -e 0 (Node's own start)", nodeMs, ""],
  ["criu-image --version", versionMs, "< 120 ms"],
  ['import("@bufbuild/protobuf")', protobufMs, ""],
  ['import("criu-image")', importMs, `≤ protobuf's + 15 ms: ${fmt(importMs - protobufMs, 0)} ms more`],
  [
    "criu-image info inventory.img",
    infoMs,
    crit ? `no slower than crit: ${fmt((infoMs as number) / (critInfoMs as number), 2)}×` : "",
  ],
  ["crit info inventory.img", critInfoMs, ""],
];
say("## Start-up (median of 15 runs; info: 7 runs alternating with crit's)");
say("");
say("| command | median | goal |");
say("| --- | --- | --- |");
for (const [what, ms, goal] of rows) if (ms !== undefined) say(`| ${what} | ${fmt(ms, 0)} ms | ${goal} |`);
say("");

// Inputs.
const files = join(out, "files.img");
writeFileSync(files, inetskFilesImage(200_000));
const big = join(out, "big");
bigCheckpoint(big, 10_000, 256);

/** Runs a node script (ESM, importing the built package) and returns its JSON output. */
function node(script: string): Record<string, number> & { ms: number } {
  const f = join(out, "script.mjs");
  writeFileSync(f, script);
  return JSON.parse(execFileSync(process.execPath, [f], { cwd: root, maxBuffer: 1 << 26 }).toString());
}

// 1. Typed decode against Python protobuf (C++), like with like: both keep
// every message (readImage keeps its entries; Python appends each one to a
// list), and both drop each one (iterateImage; Python parses and lets go).
const ours = node(`
import { readFileSync } from "node:fs";
import { iterateImage, readImage } from "criu-image";
const b = new Uint8Array(readFileSync(${JSON.stringify(files)}));
const time = (fn) => { let best = Infinity; for (let i = 0; i < 3; i++) { const t = performance.now(); fn(); best = Math.min(best, performance.now() - t); } return best; };
const keep = time(() => readImage(b, { name: "files.img" }));
const drop = time(() => { let n = 0; for (const e of iterateImage(b, { name: "files.img" }).entries()) n += e.message ? 1 : 0; if (n !== 200000) throw new Error(String(n)); });
console.log(JSON.stringify({ ms: keep, keep, drop }));`);
let python: { keep: number; drop: number; impl: string; version: string; pycriu: string } | undefined;
try {
  const py = `
import struct, sys, time
import google.protobuf, pycriu
from google.protobuf.internal import api_implementation
from pycriu.images import pb
b = open(${JSON.stringify(files)}, "rb").read()
parse = pb.file_entry.FromString
def run(keep):
    best = 1e9
    for _ in range(3):
        t = time.perf_counter(); pos = 8; n = len(b); kept = []
        while pos < n:
            (size,) = struct.unpack_from("<I", b, pos); m = parse(b[pos + 4:pos + 4 + size]); pos += 4 + size
            if keep: kept.append(m)
        best = min(best, time.perf_counter() - t)
        del kept
    return best * 1000
keep = run(True); drop = run(False)
print('{"keep": %f, "drop": %f, "impl": "%s", "version": "%s", "pycriu": "%s"}' % (keep, drop, api_implementation.Type(), google.protobuf.__version__, pycriu.__file__))`;
  python = JSON.parse(execFileSync("/usr/bin/python3", ["-c", py]).toString());
} catch (e) {
  console.error(`python protobuf skipped: ${(e as Error).message.split("\n")[0]}`);
}
say("## Typed decode: 200,000 INETSK entries (files.img), best of 3");
say("");
say("| work | criu-image | Python protobuf | ours / Python (goal ≤ 1.0) |");
say("| --- | --- | --- | --- |");
for (const [what, mine, theirs] of [
  ["keep every message (readImage; Python appends to a list)", ours.keep as number, python?.keep],
  ["drop each message (iterateImage; Python lets it go)", ours.drop as number, python?.drop],
] as const) {
  say(
    `| ${what} | ${fmt(mine, 0)} ms | ${theirs === undefined ? "not run" : `${fmt(theirs, 0)} ms`} | ${theirs === undefined ? "" : fmt(mine / theirs, 2)} |`,
  );
}
if (python) say(`\nPython protobuf ${python.version}, ${python.impl} backend; schema: ${python.pycriu}.`);
say("");

// 2. JSON decode against crit.
if (crit) {
  say("## JSON decode: criu-image decode vs crit, same files.img, -o FILE");
  say("");
  say(
    "| form | crit time | crit peak RSS | criu-image time | criu-image peak RSS | speed-up (goal ≥ 30×) | same bytes |",
  );
  say("| --- | --- | --- | --- | --- | --- | --- |");
  // One run each (crit takes tens of seconds), and the same bytes out.
  for (const pretty of [false, true]) {
    const flag = pretty ? ["--pretty"] : [];
    const c = measure([crit, "decode", ...flag, "-i", files, "-o", join(out, "crit.json")]);
    const o = measure([process.execPath, cli, "decode", ...flag, "-i", files, "-o", join(out, "ours.json")]);
    const same = readFileSync(join(out, "crit.json")).equals(readFileSync(join(out, "ours.json")));
    say(
      `| ${pretty ? "pretty" : "compact"} | ${fmt(c.seconds)} s | ${fmt(c.peakMiB, 0)} MiB | ${fmt(o.seconds)} s | ${fmt(o.peakMiB, 0)} MiB | ${fmt(c.seconds / o.seconds, 1)}× | ${same ? "yes" : "NO"} |`,
    );
    if (!same) process.exitCode = 1;
  }
  say("");
}

// 3. Framing scan throughput.
const scan = node(`
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { scanFramed, readFramed } from "criu-image/framing";
const dir = ${JSON.stringify(big)};
const imgs = readdirSync(dir).filter((n) => !n.startsWith("pages-")).map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]);
const f = new Uint8Array(readFileSync(${JSON.stringify(files)}));
const time = (fn) => { let b = Infinity; for (let i = 0; i < 7; i++) { const t = performance.now(); fn(); b = Math.min(b, performance.now() - t); } return b; };
const bytes = imgs.reduce((s, [, b]) => s + b.length, 0);
console.log(JSON.stringify({
  filesBytes: f.length,
  scanFiles: time(() => scanFramed(f, { name: "files.img" })),
  readFiles: time(() => readFramed(f, { name: "files.img" })),
  ckptBytes: bytes, ckptImages: imgs.length,
  scanCkpt: time(() => { for (const [n, b] of imgs) scanFramed(b, { name: n }); }),
}));`);
const gbs = (b: number, ms: number) => fmt(b / (ms / 1000) / 1e9, 2);
say("## Framing throughput (criu-image/framing, in memory)");
say("");
say("| input | operation | time | throughput |");
say("| --- | --- | --- | --- |");
say(
  `| files.img, 200,000 entries, ${fmt(scan.filesBytes! / 1e6, 1)} MB | scanFramed | ${fmt(scan.scanFiles!, 1)} ms | ${gbs(scan.filesBytes!, scan.scanFiles!)} GB/s |`,
);
say(
  `| same | readFramed (entry views) | ${fmt(scan.readFiles!, 1)} ms | ${gbs(scan.filesBytes!, scan.readFiles!)} GB/s |`,
);
say(
  `| 10k-connection checkpoint without pages, ${scan.ckptImages} images, ${fmt(scan.ckptBytes! / 1e6, 1)} MB | scanFramed each | ${fmt(scan.scanCkpt!, 1)} ms | ${gbs(scan.ckptBytes!, scan.scanCkpt!)} GB/s |`,
);
say("");

// 4. Streaming the whole big checkpoint (256 MiB of pages): peak RSS.
const streamScript = join(out, "stream.mjs");
writeFileSync(
  streamScript,
  `import { readdirSync, createReadStream } from "node:fs";
import { join } from "node:path";
import { openFramedStream } from "criu-image/framing";
const dir = process.argv[2];
let bytes = 0, entries = 0;
for (const name of readdirSync(dir)) {
  const s = await openFramedStream(createReadStream(join(dir, name), { highWaterMark: 1 << 20 }), { name });
  for await (const b of s.batches) entries += b.length;
  for await (const c of s.raw) bytes += c.length;
}
console.error(JSON.stringify({ bytes, entries }));`,
);
const stream = best(3, [process.execPath, streamScript, big]);
say("## Streaming a checkpoint with a 256 MiB pages image");
say("");
say(
  `Every file of the 10k-connection checkpoint (298 MB on disk) through openFramedStream: ${fmt(stream.seconds)} s, peak RSS ${fmt(stream.peakMiB, 0)} MiB.`,
);
say("");

// 5. TCP rewrite of the 10k-connection checkpoint, in place.
const copy = join(out, "big-rewrite");
rmSync(copy, { recursive: true, force: true });
cpSync(big, copy, { recursive: true });
const rewrite = node(`
import { rewriteCheckpointDir } from "criu-image/node";
const dir = ${JSON.stringify(copy)};
const t = performance.now();
const { report } = await rewriteCheckpointDir(dir, [{ kind: "address", from: "127.0.0.1", to: "10.0.0.1" }]);
const ms = performance.now() - t;
console.log(JSON.stringify({ ms, changes: report.changes.length }));`);
const whole = best(1, [
  process.execPath,
  join(root, "dist", "cli.js"),
  "tcp",
  "rewrite",
  copy,
  "--addr",
  "10.0.0.1=127.0.0.1",
]);
say("## TCP rewrite of a 10,000-connection checkpoint (in place, pages never read)");
say("");
say(
  `rewriteCheckpointDir: ${fmt(rewrite.ms!, 0)} ms for ${rewrite.changes} endpoint changes (load of ${scan.ckptImages} images, rewrite, atomic replace of files.img); the whole CLI run back: ${fmt(whole.seconds, 2)} s, peak RSS ${fmt(whole.peakMiB, 0)} MiB.`,
);

// 6. Sockets sharing one 4-tuple: the rewrite's peer search stays linear.
say("");
say("## A dry-run rewrite of sockets that all share one 4-tuple");
say("");
const perSocket: number[] = [];
for (const n of [10_000, 100_000, 1_000_000]) {
  const ms = sharedTupleMs(n);
  perSocket.push(ms / n);
  say(`${n} sockets: ${fmt(ms, 0)} ms (${fmt((1000 * ms) / n, 1)} µs per socket)`);
}
const growth = (perSocket[2] as number) / (perSocket[0] as number);
say(`per-socket cost at 1M / at 10k: ${fmt(growth, 2)} (linear: about 1; the budget is 3)`);
if (growth > 3) throw new Error("shared-tuple rewrite is not linear");

// 6b. A million inet sockets: verify and tcp list --json stream files.img (goal: each < 8 s, < 256 MiB).
const million = join(out, "million");
if (!existsSync(join(million, "files.img"))) millionCheckpoint(million, 1_000_000);
say("");
say("## A checkpoint of 1,000,000 inet sockets (files.img 125 MB, fdinfo 16 MB)");
say("");
say("| command | time | peak RSS | goal |");
say("| --- | --- | --- | --- |");
for (const cmd of [["verify"], ["tcp", "list", "--json"], ["tcp", "list"]]) {
  const m = best(2, [process.execPath, join(root, "dist", "cli.js"), ...cmd, million]);
  const goal = cmd.join(" ") === "tcp list" ? "(none: two passes to align columns)" : "< 8 s, < 256 MiB";
  say(`| ${cmd.join(" ")} | ${fmt(m.seconds)} s | ${fmt(m.peakMiB, 0)} MiB | ${goal} |`);
}

// 7. inspect of an archive of the big checkpoint: one pass, no temp files, peak RSS.
const insp = inspectArchive();
say("");
say("## inspect --all --json of the 10k-connection, 256 MiB-pages checkpoint as a tar.zst");
say("");
say(
  `${fmt(insp.seconds, 2)} s, peak RSS ${fmt(insp.peakMiB, 0)} MiB (goal: under 128), ${insp.tempFiles} temporary files, archive ${fmt(insp.archiveMiB, 1)} MiB.`,
);

// 7b. Core files of the big checkpoint's 256 MiB process, from the folder and from the tar.zst.
say("");
say("## coredump of the 10k-connection, 256 MiB-pages checkpoint (a 513 MiB core)");
say("");
say("| input | time (median of 3) | peak RSS | core |");
say("| --- | --- | --- | --- |");
for (const c of coredumpBench())
  say(
    `| ${c.input.endsWith(".zst") ? "tar.zst (pages spooled)" : "folder"} | ${fmt(c.seconds, 2)} s | ${fmt(c.peakMiB, 0)} MiB | ${fmt(c.coreMiB, 0)} MiB |`,
  );

// 8. Memory search and random reads over 1 GiB of pages in memory.
const memb = await memoryBench(1024);
say("");
say("## Process memory: search of 1 GiB, 10,000 random reads");
say("");
say(
  `search ${fmt(memb.searchGBps, 2)} GB/s (goal ≥ 1), needle ${memb.found ? "found" : "MISSED"}, RSS growth ${fmt(memb.rssGrowthMiB, 0)} MiB; 10,000 random 64-byte reads ${fmt(memb.readsMs, 0)} ms (goal < 1000).`,
);
// 9. The explorer in headless Chromium on the same checkpoint, as a tar.zst and as a plain tar.
if (existsSync("/usr/bin/chromium")) {
  say("");
  say("## The explorer opening the 10k-connection, 256 MiB-pages checkpoint (headless Chromium)");
  say("");
  say("| archive | time | peak JS heap | renderer RSS idle → peak | all Chromium RSS idle → peak |");
  say("| --- | --- | --- | --- | --- |");
  const plain = join(out, "big.tar");
  execFileSync("sh", ["-c", `zstd -q -d -f -o ${JSON.stringify(plain)} ${JSON.stringify(join(out, "big.tar.zst"))}`]);
  for (const archive of [join(out, "big.tar.zst"), plain]) {
    const e = await explorerMemory(archive);
    say(
      `| ${e.archive} (${fmt(e.archiveMiB, 1)} MiB) | ${fmt(e.seconds, 1)} s | ${fmt(e.peakHeapMiB, 0)} MiB | ${fmt(e.idleRendererMiB, 0)} → ${fmt(e.peakRendererMiB, 0)} MiB | ${fmt(e.idleChromiumMiB, 0)} → ${fmt(e.peakChromiumMiB, 0)} MiB |`,
    );
  }
} else console.error("explorer benchmark skipped: /usr/bin/chromium is missing");
writeFileSync(join(out, "results.md"), `${lines.join("\n")}\n`);
