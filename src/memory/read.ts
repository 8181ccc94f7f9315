/**
 * Reading a task's memory as the dump left it. Bytes are located the way
 * CRIU's pagemap.c does: present pages are back to back in the pages file,
 * PE_PARENT pages are in the same pagemap of the parent dump (and so on up
 * the chain), and anything else (lazy pages not in the file, holes, pages
 * never dumped) is unknown. Unknown bytes are zero in the result and their
 * ranges are listed: never silently taken for zeros.
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { PE_PARENT, PE_PRESENT } from "../image/pagemap.js";
import { type PagemapRuns, type PageRun, pagemapRuns } from "./runs.js";

export interface MemoryRange {
  start: bigint;
  end: bigint;
}

export interface MemoryBytes {
  address: bigint;
  /** The bytes; zero where `unknown` says the dump does not have them. */
  bytes: Uint8Array;
  /** Ranges the dump does not hold (never dumped, lazy, missing parent). */
  unknown: MemoryRange[];
}

export interface MemoryOptions {
  /** The dumped machine's page size; default: from the checkpoint (see pageSizeOf). */
  pageSize?: number;
}

/** Page sizes by core_entry.march: x86-64, ARM, s390, MIPS and RISC-V use 4 KiB. */
const FIXED_PAGE_SIZE: Record<number, number> = { 1: 4096, 2: 4096, 5: 4096, 6: 4096, 8: 4096 };

/**
 * The page size of the dumped machine: fixed by the architecture where it
 * is (x86-64), else the largest power of two (4 KiB to 64 KiB) that every
 * VMA boundary and pagemap address is a multiple of. Never the host's.
 */
export function pageSizeOf(cp: Checkpoint): number {
  const task = cp.tasks()[0];
  const core = task && cp.has(`core-${task.pid}.img`) ? cp.first(`core-${task.pid}.img`, "CORE") : undefined;
  const fixed = core ? FIXED_PAGE_SIZE[core.mtype] : undefined;
  if (fixed) return fixed;
  let bits = 0n;
  for (const t of cp.tasks()) {
    const mm = cp.has(`mm-${t.pid}.img`) ? cp.first(`mm-${t.pid}.img`, "MM") : undefined;
    for (const v of mm?.vmas ?? []) bits |= v.start | v.end;
  }
  if (bits === 0n) return 4096;
  let size = 4096;
  while (size < 65536 && (bits & BigInt(size * 2 - 1)) === 0n) size *= 2;
  return size;
}

const runCache = new WeakMap<Checkpoint, Map<string, PagemapRuns | null>>();

/** The runs of a pagemap image of a checkpoint, cached; null when it has none. */
export function runsOf(cp: Checkpoint, pagemap: string, pageSize: number): PagemapRuns | null {
  let m = runCache.get(cp);
  if (!m) {
    m = new Map();
    runCache.set(cp, m);
  }
  const key = `${pageSize}:${pagemap}`;
  if (!m.has(key)) {
    const img = cp.has(pagemap) ? cp.kind(pagemap, "PAGEMAP") : undefined;
    m.set(key, img ? pagemapRuns(img, pageSize) : null);
  }
  return m.get(key) ?? null;
}

function firstRun(runs: readonly PageRun[], at: bigint): number {
  let lo = 0;
  let hi = runs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((runs[mid] as PageRun).end <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

async function fill(
  cp: Checkpoint,
  pagemap: string,
  out: Uint8Array,
  base: bigint,
  start: bigint,
  end: bigint,
  unknown: MemoryRange[],
  pageSize: number,
): Promise<void> {
  const pm = runsOf(cp, pagemap, pageSize);
  if (!pm) {
    unknown.push({ start, end });
    return;
  }
  let at = start;
  for (let i = firstRun(pm.runs, start); i < pm.runs.length && at < end; i++) {
    const r = pm.runs[i] as PageRun;
    if (r.start >= end) break;
    if (r.start > at) unknown.push({ start: at, end: r.start });
    const a = r.start > at ? r.start : at;
    const b = r.end < end ? r.end : end;
    if (r.flags & PE_PRESENT) {
      const bytes = await cp.read(`pages-${pm.pagesId}.img`, Number(r.offset + (a - r.start)), Number(b - a));
      out.set(bytes, Number(a - base));
      if (bytes.length < Number(b - a)) unknown.push({ start: a + BigInt(bytes.length), end: b });
    } else if (r.flags & PE_PARENT && cp.parent) {
      await fill(cp.parent, pagemap, out, base, a, b, unknown, pageSize);
    } else unknown.push({ start: a, end: b });
    at = b;
  }
  if (at < end) unknown.push({ start: at, end });
}

/** Merges touching ranges. */
function merged(list: MemoryRange[]): MemoryRange[] {
  const out: MemoryRange[] = [];
  for (const r of [...list].sort((x, y) => (x.start < y.start ? -1 : 1))) {
    const last = out[out.length - 1];
    if (last && last.end >= r.start) last.end = last.end > r.end ? last.end : r.end;
    else out.push({ ...r });
  }
  return out;
}

/**
 * `length` bytes of task `pid`'s memory at `address`, read by offset from
 * the pages files (and the parent chain) without reading anything else.
 */
export async function readMemory(
  cp: Checkpoint,
  pid: number,
  address: bigint,
  length: number,
  options: MemoryOptions = {},
): Promise<MemoryBytes> {
  const pageSize = options.pageSize ?? pageSizeOf(cp);
  const bytes = new Uint8Array(length);
  const unknown: MemoryRange[] = [];
  await fill(cp, `pagemap-${pid}.img`, bytes, address, address, address + BigInt(length), unknown, pageSize);
  return { address, bytes, unknown: merged(unknown) };
}
