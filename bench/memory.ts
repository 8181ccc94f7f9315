/**
 * Memory search and random reads over a task with 1 GiB of dumped pages,
 * held in memory (a memorySource), so the figure is the library's own
 * throughput: goal ≥ 1 GB/s for search, 10,000 random 64-byte reads < 1 s.
 *
 *   npx tsx bench/memory.ts [MiB]
 */
import { randomFillSync } from "node:crypto";
import { Checkpoint, memorySource } from "../src/checkpoint/index.js";
import { readMemory, searchMemory } from "../src/memory/index.js";
import { taskImages } from "../test/helpers/built-task.js";

const START = 0x7f0000000000n;

function task(mib: number): { cp: Checkpoint; needleAt: bigint; needle: Uint8Array } {
  const size = mib << 20;
  const pages = new Uint8Array(size);
  for (let i = 0; i < size; i += 65536) randomFillSync(pages, i, Math.min(65536, size - i));
  const needle = new TextEncoder().encode("MARK-BENCH-needle-0123456789");
  const at = size - 4096 - 7; // straddles the last page boundary
  pages.set(needle, at);
  // Runs of 256 pages, as CRIU writes them for a big anonymous mapping.
  const runs = Array.from({ length: size / 4096 / 256 }, () => ({ pages: 256, present: true }));
  const cp = new Checkpoint(memorySource(taskImages(1, START, pages, runs)));
  return { cp, needleAt: START + BigInt(at), needle };
}

export async function memoryBench(
  mib = 1024,
): Promise<{ searchGBps: number; found: boolean; readsMs: number; rssGrowthMiB: number }> {
  const { cp, needleAt, needle } = task(mib);
  const rss0 = process.memoryUsage().rss;
  let t = performance.now();
  let found = false;
  for await (const h of searchMemory(cp, { pid: 1, pattern: needle, pageSize: 4096 })) found ||= h.address === needleAt;
  const searchS = (performance.now() - t) / 1000;
  const rssGrowthMiB = (process.memoryUsage().rss - rss0) / 2 ** 20;
  let seed = 12345;
  const rnd = () => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  t = performance.now();
  for (let i = 0; i < 10_000; i++) {
    const off = BigInt(Math.floor(rnd() * ((mib << 20) - 64)));
    await readMemory(cp, 1, START + off, 64, { pageSize: 4096 });
  }
  const readsMs = performance.now() - t;
  return { searchGBps: (mib << 20) / 1e9 / searchS, found, readsMs, rssGrowthMiB };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const mib = Number(process.argv[2] ?? 1024);
  const r = await memoryBench(mib);
  console.log(
    `search of ${mib} MiB: ${r.searchGBps.toFixed(2)} GB/s (needle across a page boundary ${r.found ? "found" : "MISSED"}), RSS growth during search ${r.rssGrowthMiB.toFixed(0)} MiB; 10,000 random 64-byte reads: ${r.readsMs.toFixed(0)} ms`,
  );
}
