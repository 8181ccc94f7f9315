/**
 * coredump of the 10k-connection, 256 MiB-pages checkpoint, from its folder
 * and from a tar.zst of it: time and peak RSS (the goal: flat memory,
 * whatever the process's size; one pass over the archive).
 *
 *   npm run build && npx tsx bench/coredump.ts
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { create } from "@bufbuild/protobuf";
import { vma_entrySchema } from "../src/gen/index.js";
import { readImage, writeImage } from "../src/index.js";
import { bigCheckpoint } from "./checkpoint.js";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "out");
mkdirSync(out, { recursive: true });

export interface CoreBench {
  input: string;
  seconds: number;
  peakMiB: number;
  coreMiB: number;
}

/** The big checkpoint's folder and tar.zst, made once. */
function inputs(): [folder: string, archive: string] {
  const dir = join(out, "big-core");
  const tar = join(out, "big-core.tar.zst");
  if (!existsSync(join(dir, "inventory.img"))) {
    bigCheckpoint(dir, 10_000, 256);
    // The 256 MiB of pages lie in 1 MiB runs 2 MiB apart from 0x7f0000000000: one anonymous VMA over them all,
    // so the core holds 256 MiB of pages and 256 MiB never dumped.
    const name = join(dir, "mm-11202.img");
    const mm = readImage(readFileSync(name), { name: "mm-11202.img" });
    if (mm.kind !== "MM" || !mm.entries[0]) throw new Error("mm-11202.img");
    const start = 0x7f0000000000n;
    mm.entries[0].vmas.push(
      create(vma_entrySchema, {
        start,
        end: start + 256n * 0x200000n,
        pgoff: 0n,
        shmid: 0n,
        prot: 3,
        flags: 0x22,
        status: 0x201,
        fd: -1n,
      }),
    );
    mm.entries[0].vmas.sort((a, b) => (a.start < b.start ? -1 : 1));
    writeFileSync(name, writeImage(mm));
  }
  if (!existsSync(tar))
    execFileSync("sh", ["-c", `tar cf - -C ${JSON.stringify(dir)} . | zstd -q -1 -f -o ${JSON.stringify(tar)}`]);
  return [dir, tar];
}

function once(input: string): CoreBench {
  const dest = mkdtempSync(join(tmpdir(), "criu-image-bench-core-"));
  const t = performance.now();
  const r = spawnSync(
    "/usr/bin/time",
    ["-v", process.execPath, join(here, "..", "dist", "cli.js"), "coredump", input, "-o", dest],
    { maxBuffer: 1 << 26 },
  );
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`coredump failed: ${r.stderr.toString()}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr.toString())?.[1]);
  const coreMiB = readdirSync(dest).reduce((s, n) => s + statSync(join(dest, n)).size, 0) / 2 ** 20;
  rmSync(dest, { recursive: true, force: true });
  return { input, seconds, peakMiB: kb / 1024, coreMiB };
}

/** Each input `runs` times: the median time and the highest peak. */
export function coredumpBench(runs = 3): CoreBench[] {
  return inputs().map((input) => {
    const all = Array.from({ length: runs }, () => once(input));
    const s = all.map((x) => x.seconds).sort((a, b) => a - b);
    return {
      input,
      seconds: s[Math.floor(runs / 2)] as number,
      peakMiB: Math.max(...all.map((x) => x.peakMiB)),
      coreMiB: all[0]?.coreMiB as number,
    };
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of coredumpBench())
    console.log(
      `coredump of ${r.input}: ${r.seconds.toFixed(2)} s (median of 3), peak RSS ${r.peakMiB.toFixed(0)} MiB, cores ${r.coreMiB.toFixed(0)} MiB`,
    );
}
