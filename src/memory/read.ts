/**
 * Reading a task's memory as the dump left it. Bytes are located the way
 * CRIU's pagemap.c does: present pages are back to back in the pages file,
 * PE_PARENT pages are in the same pagemap of the parent dump (and so on up
 * the chain), and anything else (lazy pages not in the file, holes, pages
 * never dumped) is unknown. Unknown bytes are zero in the result and their
 * ranges are listed: never silently taken for zeros.
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { CriuImageError } from "../framing/errors.js";
import { PE_PARENT, PE_PRESENT } from "../image/pagemap.js";
import { memoryMap, runsOf, type VmaMap } from "./map.js";
import { firstRun, runPieces } from "./runs.js";

/** A range of addresses, end excluded. */
export interface MemoryRange {
  start: bigint;
  end: bigint;
}

/** Bytes read from a task's memory, with the ranges the dump does not have. */
export interface MemoryBytes {
  address: bigint;
  /** The bytes; zero where `unknown` says the dump does not have them. */
  bytes: Uint8Array;
  /** Ranges the dump does not hold (never dumped, lazy, missing parent). */
  unknown: MemoryRange[];
}

/** Options shared by the memory readers. */
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
  for (const [a, b, r] of runPieces(pm.runs, start, end)) {
    if (r && r.flags & PE_PRESENT) {
      const bytes = await cp.read(`pages-${pm.pagesId}.img`, Number(r.offset + (a - r.start)), Number(b - a));
      out.set(bytes, Number(a - base));
      if (bytes.length < Number(b - a)) unknown.push({ start: a + BigInt(bytes.length), end: b });
    } else if (r && r.flags & PE_PARENT && cp.parent) {
      await fill(cp.parent, pagemap, out, base, a, b, unknown, pageSize);
    } else unknown.push({ start: a, end: b });
  }
}

/** Merges touching ranges, given in address order (as the walks over VMAs and pagemap runs find them). */
function merged(list: MemoryRange[]): MemoryRange[] {
  const out: MemoryRange[] = [];
  for (const r of list) {
    const last = out[out.length - 1];
    if (last && last.end >= r.start) last.end = last.end > r.end ? last.end : r.end;
    else out.push({ ...r });
  }
  return out;
}

/**
 * The bytes of [start, end) when one present run of one VMA holds them all:
 * read as they are, with no copy (the common case of a search window).
 */
async function whole(
  cp: Checkpoint,
  vmas: VmaMap[],
  start: bigint,
  end: bigint,
  pageSize: number,
): Promise<Uint8Array | undefined> {
  const v = vmas.find((x) => x.start <= start && end <= x.end);
  if (!v) return undefined;
  const pm = runsOf(cp, v.pagemap, pageSize);
  if (!pm) return undefined;
  const a = start + v.delta;
  const b = end + v.delta;
  const r = pm.runs[firstRun(pm.runs, a)];
  if (!r || r.start > a || r.end < b || !(r.flags & PE_PRESENT)) return undefined;
  const bytes = await cp.read(`pages-${pm.pagesId}.img`, Number(r.offset + (a - r.start)), Number(b - a));
  return bytes.length === Number(b - a) ? bytes : undefined;
}

const mapCache = new WeakMap<Checkpoint, Map<string, VmaMap[]>>();

/** The VMAs of a task, each with its kind, mapped file and the pagemap that holds its pages; cached per checkpoint and page size. */
export function vmasOf(cp: Checkpoint, pid: number, pageSize: number): VmaMap[] {
  let m = mapCache.get(cp);
  if (!m) {
    m = new Map();
    mapCache.set(cp, m);
  }
  const key = `${pid}:${pageSize}`;
  let v = m.get(key);
  if (!v) {
    v = memoryMap(cp, pid, pageSize);
    m.set(key, v);
  }
  return v;
}

/**
 * `length` bytes of task `pid`'s memory at `address`, read by offset from
 * the pages files (and the parent chain) without reading anything else.
 * Shared anonymous and memfd mappings are read from their shared object's
 * pagemap. Addresses in no VMA are unknown.
 */
export async function readMemory(
  cp: Checkpoint,
  pid: number,
  address: bigint,
  length: number,
  options: MemoryOptions = {},
): Promise<MemoryBytes> {
  const pageSize = options.pageSize ?? pageSizeOf(cp);
  const end = address + BigInt(length);
  const vmas = vmasOf(cp, pid, pageSize);
  const direct = await whole(cp, vmas, address, end, pageSize);
  if (direct) return { address, bytes: direct, unknown: [] };
  const bytes = new Uint8Array(length);
  const unknown: MemoryRange[] = [];
  let at = address;
  if (vmas.length === 0) {
    // No mm image (a pre-dump): the task's own pagemap is all there is.
    await fill(cp, `pagemap-${pid}.img`, bytes, address, address, end, unknown, pageSize);
    return { address, bytes, unknown: merged(unknown) };
  }
  for (const v of vmas) {
    if (v.end <= at) continue;
    if (v.start >= end) break;
    if (v.start > at) unknown.push({ start: at, end: v.start });
    const a = v.start > at ? v.start : at;
    const b = v.end < end ? v.end : end;
    const u: MemoryRange[] = [];
    await fill(cp, v.pagemap, bytes, address + v.delta, a + v.delta, b + v.delta, u, pageSize);
    for (const r of u) unknown.push({ start: r.start - v.delta, end: r.end - v.delta });
    at = b;
  }
  if (at < end) unknown.push({ start: at, end });
  return { address, bytes, unknown: merged(unknown) };
}

/** Where bytes of a task's memory are stored: in which pages file, at which offset. */
export interface StoredSpan {
  address: bigint;
  length: number;
  file: string;
  offset: number;
}

/**
 * Where each byte of [address, address + length) is stored in this dump's
 * pages files, for writing. Throws CriuImageError for bytes that are in no
 * file of this dump: in a parent dump (PE_PARENT), lazy, never dumped, or
 * past the end of a pages file cut short (TRUNCATED).
 */
export function locateMemory(
  cp: Checkpoint,
  pid: number,
  address: bigint,
  length: number,
  options: MemoryOptions = {},
): StoredSpan[] {
  const pageSize = options.pageSize ?? pageSizeOf(cp);
  const end = address + BigInt(length);
  const out: StoredSpan[] = [];
  const where = (a: bigint) => `0x${a.toString(16)} of task ${pid}`;
  let at = address;
  for (const v of vmasOf(cp, pid, pageSize)) {
    if (v.end <= at) continue;
    if (v.start > at) break;
    const b = v.end < end ? v.end : end;
    const pm = runsOf(cp, v.pagemap, pageSize);
    for (const [lo, hi, r] of runPieces(pm?.runs ?? [], at + v.delta, b + v.delta)) {
      const x = lo - v.delta;
      if (!pm || !r)
        throw new CriuImageError("UNSUPPORTED", v.pagemap, 0, "dumped bytes", `${where(x)} was never dumped`);
      if (!(r.flags & PE_PRESENT)) {
        const why =
          r.flags & PE_PARENT
            ? `is in a page kept in the parent dump (${cp.parent?.label ?? "missing"})`
            : "is in a lazy page, in no file of this dump";
        throw new CriuImageError("UNSUPPORTED", v.pagemap, 0, "bytes stored in this dump", `${where(x)} ${why}`);
      }
      const span = {
        address: x,
        length: Number(hi - lo),
        file: `pages-${pm.pagesId}.img`,
        offset: Number(r.offset + (lo - r.start)),
      };
      // A pages file cut short: refused here, not when a writer reaches its end.
      const size = cp.size(span.file);
      if (size !== undefined && span.offset + span.length > size) {
        const past = x + BigInt(Math.max(0, size - span.offset));
        throw new CriuImageError("TRUNCATED", span.file, size, "the page's bytes", `${where(past)} is past its end`);
      }
      out.push(span);
    }
    at = b;
    if (at >= end) break;
  }
  if (at < end)
    throw new CriuImageError(
      "UNSUPPORTED",
      `mm-${pid}.img`,
      0,
      "a mapped address",
      `0x${at.toString(16)} of task ${pid} is in no VMA`,
    );
  return out;
}
