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
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bigCheckpoint } from "./checkpoint.js";
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
const lines: string[] = [`Run on ${new Date().toISOString().slice(0, 10)}, node ${process.version}.`, ""];
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

// 0. Start-up: hyperfine-style medians of whole commands, Node's own start included.
const startup = (cmd: string[], runs = 15) => {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push(measure(cmd).seconds * 1000);
  times.sort((a, b) => a - b);
  return times[Math.floor(runs / 2)] as number;
};
const inventory = join(root, "examples", "checkpoint-tcp4", "inventory.img");
const cli = join(root, "dist", "cli.js");
const rows: [string, number, string][] = [
  ["node -e 0 (Node's own start)", startup([process.execPath, "-e", "0"]), ""],
  ["criu-image --version", startup([process.execPath, cli, "--version"]), "< 120 ms"],
  [
    'import("criu-image")',
    startup([process.execPath, "--input-type=module", "-e", 'await import("criu-image")']),
    "< 30 ms more than node -e 0",
  ],
  ["criu-image info inventory.img", startup([process.execPath, cli, "info", inventory]), "no slower than crit"],
];
if (crit) rows.push(["crit info inventory.img", startup([crit, "info", inventory]), ""]);
say("## Start-up (median of 15 runs)");
say("");
say("| command | median | goal |");
say("| --- | --- | --- |");
for (const [what, ms, goal] of rows) say(`| ${what} | ${fmt(ms, 0)} ms | ${goal} |`);
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

// 1. Typed decode against Python protobuf (C++).
const ours = node(`
import { readFileSync } from "node:fs";
import { readImage } from "criu-image";
const b = new Uint8Array(readFileSync(${JSON.stringify(files)}));
let best = Infinity;
for (let i = 0; i < 5; i++) { const t = performance.now(); readImage(b, { name: "files.img" }); best = Math.min(best, performance.now() - t); }
console.log(JSON.stringify({ ms: best }));`);
let python: { ms: number; impl: string; version: string; pycriu: string } | undefined;
try {
  const py = `
import struct, sys, time
import google.protobuf, pycriu
from google.protobuf.internal import api_implementation
from pycriu.images import pb
b = open(${JSON.stringify(files)}, "rb").read()
best = 1e9
for _ in range(5):
    t = time.perf_counter(); pos = 8; n = len(b); parse = pb.file_entry.FromString
    while pos < n:
        (size,) = struct.unpack_from("<I", b, pos); parse(b[pos + 4:pos + 4 + size]); pos += 4 + size
    best = min(best, time.perf_counter() - t)
print('{"ms": %f, "impl": "%s", "version": "%s", "pycriu": "%s"}' % (best * 1000, api_implementation.Type(), google.protobuf.__version__, pycriu.__file__))`;
  python = JSON.parse(execFileSync("/usr/bin/python3", ["-c", py]).toString());
} catch (e) {
  console.error(`python protobuf skipped: ${(e as Error).message.split("\n")[0]}`);
}
say("## Typed decode: 200,000 INETSK entries (files.img)");
say("");
say("| decoder | time | entries/s | ratio |");
say("| --- | --- | --- | --- |");
say(
  `| criu-image readImage (framing + protobuf-es) | ${fmt(ours.ms, 0)} ms | ${fmt(200_000 / (ours.ms / 1000), 0)} | 1 |`,
);
if (python)
  say(
    `| Python protobuf ${python.version} (${python.impl} backend) FromString per entry | ${fmt(python.ms, 0)} ms | ${fmt(200_000 / (python.ms / 1000), 0)} | ${fmt(python.ms / ours.ms, 2)}× ours |`,
  );
if (python) say(`\nSchema: ${python.pycriu}. Goal: ratio ≥ 1 (ours no slower).`);
say("");

// 2. JSON decode against crit.
if (crit) {
  say("## JSON decode: criu-image decode vs crit, same files.img, -o FILE");
  say("");
  say("| form | crit time | crit peak RSS | criu-image time | criu-image peak RSS | speed-up |");
  say("| --- | --- | --- | --- | --- | --- |");
  for (const pretty of [false, true]) {
    const flag = pretty ? ["--pretty"] : [];
    const c = best(1, [crit, "decode", ...flag, "-i", files, "-o", join(out, "crit.json")]);
    const o = best(3, [
      process.execPath,
      join(root, "dist", "cli.js"),
      "decode",
      ...flag,
      "-i",
      files,
      "-o",
      join(out, "ours.json"),
    ]);
    say(
      `| ${pretty ? "pretty" : "compact"} | ${fmt(c.seconds)} s | ${fmt(c.peakMiB, 0)} MiB | ${fmt(o.seconds)} s | ${fmt(o.peakMiB, 0)} MiB | ${fmt(c.seconds / o.seconds, 1)}× |`,
    );
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
