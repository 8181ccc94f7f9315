/**
 * A pagemap as sorted runs of pages, each with its flags and, for present
 * runs, where its bytes start in the pages file. Present pages are stored
 * back to back in pagemap order; no other entry takes room there
 * (criu/pagemap.c, advance()), so the offset counts PE_PRESENT runs only.
 */
import type { pagemap_entry, pagemap_head } from "../gen/index.js";
import { PE_PARENT, PE_PRESENT, pagemapFlags, pagemapPages } from "../image/pagemap.js";
import type { EntryImage } from "../image/types.js";

/** Consecutive pages that share their flags and, when present, lie together in a pages file. */
export interface PageRun {
  /** First address of the run. */
  start: bigint;
  /** Address after the run. */
  end: bigint;
  /** PE_PARENT, PE_LAZY, PE_PRESENT bits as CRIU reads them. */
  flags: number;
  /** Byte offset of the run's first page in the pages file (present runs only). */
  offset: bigint;
}

/** A task's pagemap as runs of pages, each with where its bytes are. */
export interface PagemapRuns {
  /** pagemap_head.pages_id: the pages file is pages-<id>.img. */
  pagesId: number;
  runs: PageRun[];
  /** Pages stored in the pages file. */
  presentPages: bigint;
}

/** The runs of a pagemap image, in file order (CRIU writes them sorted by address). */
export function pagemapRuns(img: EntryImage<"PAGEMAP">, pageSize: number): PagemapRuns {
  const head = img.entries[0] as pagemap_head | undefined;
  const ps = BigInt(pageSize);
  const runs: PageRun[] = [];
  let present = 0n;
  for (let i = 1; i < img.entries.length; i++) {
    const e = img.entries[i] as pagemap_entry;
    const n = pagemapPages(e);
    const flags = pagemapFlags(e);
    runs.push({ start: e.vaddr, end: e.vaddr + n * ps, flags, offset: present * ps });
    if (flags & PE_PRESENT) present += n;
  }
  return { pagesId: head?.pagesId ?? 0, runs, presentPages: present };
}

/**
 * [start, end) cut where runs begin and end, in address order and covering
 * it whole: each piece with the run that holds it, or undefined where no
 * run does. Runs that overlap an earlier one (a hostile pagemap) give only
 * what is past it. Every walk over a pagemap (reads, searches, coverage,
 * page counts, core files) goes through here.
 */
export function* runPieces(
  runs: readonly PageRun[],
  start: bigint,
  end: bigint,
): Generator<[a: bigint, b: bigint, run: PageRun | undefined]> {
  let at = start;
  for (let i = firstRun(runs, start); i < runs.length && at < end; i++) {
    const r = runs[i] as PageRun;
    if (r.start >= end) break;
    if (r.end <= at) continue;
    if (r.start > at) yield [at, r.start, undefined];
    const b = r.end < end ? r.end : end;
    yield [r.start > at ? r.start : at, b, r];
    at = b;
  }
  if (at < end) yield [at, end, undefined];
}

/**
 * The parts of [start, end) that `runs` do not cover with pages that are
 * present or themselves in a parent: what a PE_PARENT range misses in the
 * dump it points to. Returns [missing ranges, ranges to look up further up the chain].
 */
export function coverage(
  runs: readonly PageRun[],
  start: bigint,
  end: bigint,
): { missing: [bigint, bigint][]; inParent: [bigint, bigint][] } {
  const missing: [bigint, bigint][] = [];
  const inParent: [bigint, bigint][] = [];
  for (const [a, b, r] of runPieces(runs, start, end)) {
    if (!r || !(r.flags & (PE_PRESENT | PE_PARENT))) missing.push([a, b]);
    else if (!(r.flags & PE_PRESENT)) inParent.push([a, b]);
  }
  return { missing, inParent };
}

/** Index of the first run that ends after `at` (runs are sorted by address). */
export function firstRun(runs: readonly PageRun[], at: bigint): number {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((runs[mid] as PageRun).end <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
