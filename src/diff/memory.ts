/** Changed pages of process memory, per VMA, compared through the memory reader. */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { pageSizeOf, readMemory, vmasOf } from "../memory/read.js";

/** Pages of one VMA that differ. */
export interface PageChange {
  pid: number;
  vma: string;
  /** Addresses of the pages whose bytes (or whose being known) differ; the first 100. */
  pages: string[];
  count: number;
}

/** The pages whose bytes differ between two checkpoints, per task and VMA. */
export async function diffMemory(a: Checkpoint, b: Checkpoint): Promise<PageChange[]> {
  const out: PageChange[] = [];
  const ps = pageSizeOf(a);
  const pids = a
    .tasks()
    .map((t) => t.pid)
    .filter((p) => b.tasks().some((t) => t.pid === p));
  for (const pid of pids) {
    const bv = vmasOf(b, pid, ps);
    for (const v of vmasOf(a, pid, ps)) {
      if (!bv.some((x) => x.start === v.start && x.end === v.end)) continue;
      const pages: string[] = [];
      let count = 0;
      const step = BigInt(Math.max(ps, 1 << 20));
      for (let at = v.start; at < v.end; at += step) {
        const len = Number(v.end - at < step ? v.end - at : step);
        const [x, y] = [
          await readMemory(a, pid, at, len, { pageSize: ps }),
          await readMemory(b, pid, at, len, { pageSize: ps }),
        ];
        for (let p = 0; p < len; p += ps) {
          const addr = at + BigInt(p);
          const unknownX = x.unknown.some((u) => addr >= u.start && addr < u.end);
          const unknownY = y.unknown.some((u) => addr >= u.start && addr < u.end);
          let differs = unknownX !== unknownY;
          if (!differs && !unknownX) {
            for (let i = p; i < p + ps; i++) {
              if (x.bytes[i] !== y.bytes[i]) {
                differs = true;
                break;
              }
            }
          }
          if (differs) {
            count++;
            if (pages.length < 100) pages.push(`0x${addr.toString(16)}`);
          }
        }
      }
      if (count > 0)
        out.push({ pid, vma: `0x${v.start.toString(16)}-0x${v.end.toString(16)} (${v.kind})`, pages, count });
    }
  }
  return out;
}
