/**
 * Searching and listing strings in process memory, streaming VMA by VMA in
 * windows that overlap by the longest possible match, so matches across
 * page and pagemap-entry boundaries are found. Bytes the dump does not hold
 * split the search: a match never spans unknown bytes.
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { CriuImageError } from "../framing/errors.js";
import { PE_PARENT, PE_PRESENT } from "../image/pagemap.js";
import { runsOf, type VmaKind, type VmaMap } from "./map.js";
import { type MemoryOptions, pageSizeOf, readMemory, vmasOf } from "./read.js";
import { runPieces } from "./runs.js";

/** How a string pattern becomes bytes: UTF-8, UTF-16LE, or hex digits. */
export type PatternEncoding = "utf8" | "utf16le" | "hex";

/** Options of `searchMemory`. */
export interface SearchOptions extends MemoryOptions {
  /** Only this task (default: every task). */
  pid?: number;
  /** A string (encoded as `encoding`), bytes, or a RegExp matched over bytes as Latin-1 text. */
  pattern: string | Uint8Array | RegExp;
  /** How a string pattern becomes bytes (default utf8); "hex" reads it as hex digits. */
  encoding?: PatternEncoding;
  /** Only VMAs of these kinds. */
  kinds?: readonly VmaKind[];
  /** Only VMAs whose protection includes these letters ("r", "rw", "x"). */
  prot?: string;
  /** Only this address range. */
  range?: { start: bigint; end: bigint };
  /** Bytes of context before and after each match (default 16). */
  context?: number;
  /** The longest match a RegExp may make (default 4096). */
  maxMatch?: number;
  /** Bytes read at a time (default 1 MiB); matches across windows are found all the same. */
  window?: number;
}

/** One match of `searchMemory`. */
export interface MemoryMatch {
  pid: number;
  address: bigint;
  length: number;
  vma: { start: bigint; end: bigint; kind: VmaKind; prot: string };
  /** The bytes around the match: `before` bytes, the match, then the bytes after (known ones only). */
  context: Uint8Array;
  before: number;
}

const WINDOW = 1 << 20;

/** The bytes a string pattern stands for. */
export function patternBytes(pattern: string, encoding: PatternEncoding = "utf8"): Uint8Array {
  if (encoding === "hex") {
    const h = pattern.replace(/[\s:]/g, "");
    if (!/^([0-9a-fA-F]{2})+$/.test(h))
      throw new CriuImageError("INVALID", "<pattern>", 0, "an even number of hex digits", `"${pattern}"`);
    return Uint8Array.from(h.match(/../g) as string[], (x) => Number.parseInt(x, 16));
  }
  if (encoding === "utf16le") {
    const out = new Uint8Array(pattern.length * 2);
    for (let i = 0; i < pattern.length; i++) {
      out[2 * i] = pattern.charCodeAt(i) & 0xff;
      out[2 * i + 1] = pattern.charCodeAt(i) >> 8;
    }
    return out;
  }
  return new TextEncoder().encode(pattern);
}

/** Every start of `needle` in `hay`: the first byte found natively, the rest compared. */
function indexesOf(hay: Uint8Array, needle: Uint8Array, out: number[]): void {
  const first = needle[0] as number;
  const n = needle.length;
  const last = needle[n - 1] as number;
  const end = hay.length - n + 1;
  for (let i = hay.indexOf(first); i !== -1 && i < end; i = hay.indexOf(first, i + 1)) {
    // The last byte first: most false starts end there.
    if (hay[i + n - 1] !== last) continue;
    let k = 1;
    while (k < n && hay[i + k] === needle[k]) k++;
    if (k === n) out.push(i);
  }
}

const latin1 = (b: Uint8Array) => {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
};

/** The VMAs a search or strings listing covers by kind and protection (a range is clamped to, not selected by). */
function selected(v: VmaMap, o: { kinds?: readonly VmaKind[]; prot?: string }): boolean {
  if (o.kinds && !o.kinds.includes(v.kind)) return false;
  if (o.prot && ![...o.prot].every((c) => v.prot.includes(c))) return false;
  return true;
}

type Run = { address: bigint; bytes: Uint8Array };
type Hits = { run: Run; hits: [number, number][] };

/** Contiguous known byte runs of a VMA, read a window at a time with `overlap` bytes carried over. */
async function* knownRuns(
  cp: Checkpoint,
  pid: number,
  v: VmaMap,
  start: bigint,
  end: bigint,
  pageSize: number,
  overlap: number,
  window = WINDOW,
): AsyncGenerator<Run> {
  let carry: { address: bigint; bytes: Uint8Array } | undefined;
  // Only where the dump has pages: a VMA's size is anyone's to claim (an edited end address can make it a
  // terabyte), so the work follows the pagemap, never the VMA's extent.
  for (const [from, to] of dumpedRanges(cp, v, start, end, pageSize))
    for (let at = from; at < to; ) {
      const len = Number(to - at < BigInt(window) ? to - at : BigInt(window));
      const r = await readMemory(cp, pid, at, len, { pageSize });
      // Split the window at unknown ranges.
      let pos = at;
      const cuts = [...r.unknown, { start: at + BigInt(len), end: at + BigInt(len) }];
      for (const u of cuts) {
        if (u.start > pos) {
          const piece = r.bytes.subarray(Number(pos - at), Number(u.start - at));
          // What the previous piece left, when it ends right here: a match may span both.
          // The span is searched in a small joined buffer, then the piece itself, so no window is copied.
          const carried = carry && carry.address + BigInt(carry.bytes.length) === pos ? carry : undefined;
          if (carried && overlap > 0) {
            const head = piece.subarray(0, Math.min(overlap, piece.length));
            const span = new Uint8Array(carried.bytes.length + head.length);
            span.set(carried.bytes);
            span.set(head, carried.bytes.length);
            yield { address: carried.address, bytes: span };
          }
          yield { address: pos, bytes: piece };
          // The last `overlap` bytes seen, from this piece and, when it is shorter, from what it was carried.
          const keepPiece = Math.min(overlap, piece.length);
          const fromCarry = carried ? Math.min(overlap - keepPiece, carried.bytes.length) : 0;
          const tail = new Uint8Array(fromCarry + keepPiece);
          if (carried) tail.set(carried.bytes.subarray(carried.bytes.length - fromCarry));
          tail.set(piece.subarray(piece.length - keepPiece), fromCarry);
          carry = { address: pos + BigInt(piece.length) - BigInt(tail.length), bytes: tail };
        }
        // Past the unknown bytes (sorted and merged, so never behind): the carry, which ends where they start, no
        // longer meets the next piece, so nothing spans them.
        pos = u.end;
      }
      at += BigInt(len);
    }
}

/** The parts of [start, end) of a VMA that its pagemap holds pages for (stored here or in a parent), merged. */
function dumpedRanges(cp: Checkpoint, v: VmaMap, start: bigint, end: bigint, pageSize: number): [bigint, bigint][] {
  const pm = runsOf(cp, v.pagemap, pageSize);
  const out: [bigint, bigint][] = [];
  if (!pm) return out;
  for (const [lo, hi, r] of runPieces(pm.runs, start + v.delta, end + v.delta)) {
    if (!r || !(r.flags & (PE_PRESENT | PE_PARENT))) continue;
    const a = lo - v.delta;
    const b = hi - v.delta;
    const last = out[out.length - 1];
    if (last && last[1] === a) last[1] = b;
    else out.push([a, b]);
  }
  return out;
}

/**
 * Matches of a byte needle. A boundary span holds at most `needle.length - 1` carried bytes and as many of the next
 * piece, so every match in it crosses the boundary: none is found twice, and all of a run's matches are new.
 */
async function* needleHits(runs: AsyncIterable<Run>, needle: Uint8Array): AsyncGenerator<Hits> {
  const at: number[] = [];
  for await (const run of runs) {
    at.length = 0;
    indexesOf(run.bytes, needle, at);
    if (at.length) yield { run, hits: at.map((i) => [i, needle.length]) };
  }
}

/**
 * Matches of a RegExp over contiguous pieces. A match may grow with the bytes that follow, so one that starts in a
 * window's last `overlap` bytes waits: the next contiguous piece is searched joined to those bytes (never to bytes of
 * a match already reported), and only when none follows are the waiting matches reported as they are.
 */
async function* regexHits(pieces: AsyncIterable<Run>, re: RegExp, overlap: number): AsyncGenerator<Hits> {
  let buf: { address: bigint; bytes: Uint8Array } | undefined;
  let waiting: [number, number][] = [];
  let reportedEnd = 0n;
  for await (const p of pieces) {
    const end = buf ? buf.address + BigInt(buf.bytes.length) : -1n;
    if (buf && end === p.address) {
      let from = end - BigInt(overlap);
      if (from < reportedEnd) from = reportedEnd;
      if (from < buf.address) from = buf.address;
      const keep = buf.bytes.subarray(Number(from - buf.address));
      const joined = new Uint8Array(keep.length + p.bytes.length);
      joined.set(keep);
      joined.set(p.bytes, keep.length);
      buf = { address: from, bytes: joined };
    } else {
      if (buf && waiting.length) yield { run: buf, hits: waiting };
      buf = { address: p.address, bytes: p.bytes };
    }
    waiting = [];
    const hits: [number, number][] = [];
    const text = latin1(buf.bytes);
    const waitFrom = buf.bytes.length - overlap;
    re.lastIndex = 0;
    for (let m = re.exec(text); m; m = re.exec(text)) {
      if (m[0].length === 0) re.lastIndex++;
      else if (m.index >= waitFrom) waiting.push([m.index, m[0].length]);
      else {
        hits.push([m.index, m[0].length]);
        reportedEnd = buf.address + BigInt(m.index + m[0].length);
      }
    }
    if (hits.length) yield { run: buf, hits };
  }
  if (buf && waiting.length) yield { run: buf, hits: waiting };
}

/** Every match of a pattern in the dumped memory of one task or all, streamed. */
export async function* searchMemory(cp: Checkpoint, o: SearchOptions): AsyncGenerator<MemoryMatch> {
  const pageSize = o.pageSize ?? pageSizeOf(cp);
  const context = o.context ?? 16;
  const re =
    o.pattern instanceof RegExp
      ? new RegExp(o.pattern.source, o.pattern.flags.includes("g") ? o.pattern.flags : `${o.pattern.flags}g`)
      : undefined;
  const needle: Uint8Array | undefined = re
    ? undefined
    : typeof o.pattern === "string"
      ? patternBytes(o.pattern, o.encoding)
      : (o.pattern as Uint8Array);
  if (needle && needle.length === 0)
    throw new CriuImageError(
      "INVALID",
      "<pattern>",
      0,
      "a pattern of at least one byte",
      "an empty pattern matches everywhere",
    );
  const overlap = re ? (o.maxMatch ?? 4096) : (needle as Uint8Array).length - 1;
  const pids = o.pid !== undefined ? [o.pid] : cp.tasks().map((t) => t.pid);
  for (const pid of pids) {
    for (const v of vmasOf(cp, pid, pageSize)) {
      if (!selected(v, o)) continue;
      const start = o.range && o.range.start > v.start ? o.range.start : v.start;
      const end = o.range && o.range.end < v.end ? o.range.end : v.end;
      const runs = re
        ? regexHits(knownRuns(cp, pid, v, start, end, pageSize, 0, o.window), re, overlap)
        : needleHits(knownRuns(cp, pid, v, start, end, pageSize, overlap, o.window), needle as Uint8Array);
      for await (const { run, hits } of runs) {
        for (const [i, n] of hits) {
          const address = run.address + BigInt(i);
          const a = Math.max(0, i - context);
          yield {
            pid,
            address,
            length: n,
            vma: { start: v.start, end: v.end, kind: v.kind, prot: v.prot },
            context: run.bytes.slice(a, i + n + context),
            before: i - a,
          };
        }
      }
    }
  }
}

/** One string found by `memoryStrings`. */
export interface MemoryString {
  address: bigint;
  text: string;
}

/** Options of `memoryStrings`. */
export interface StringsOptions extends MemoryOptions {
  /** The fewest characters a string has (default 4). */
  min?: number;
  /** One byte per character (default), or UTF-16LE: a printable byte then a zero. */
  encoding?: "ascii" | "utf16le";
  /** Only VMAs of these kinds. */
  kinds?: readonly VmaKind[];
  /** Only VMAs with all of these protections ("r", "w", "x"). */
  prot?: string;
  /** Bytes read at a time (default 1 MiB, rounded down to whole characters); strings across windows are whole. */
  window?: number;
}

/** Printable runs of at least `min` characters (ASCII, or UTF-16LE), with their addresses, like strings(1). */
export async function* memoryStrings(
  cp: Checkpoint,
  pid: number,
  o: StringsOptions = {},
): AsyncGenerator<MemoryString> {
  const pageSize = o.pageSize ?? pageSizeOf(cp);
  const min = o.min ?? 4;
  const wide = o.encoding === "utf16le";
  const step = wide ? 2 : 1;
  // A window of whole characters, so that the next one starts on a character too.
  const asked = o.window ?? WINDOW;
  const window = Math.max(step, asked - (asked % step));
  const printable = (c: number) => (c >= 0x20 && c < 0x7f) || c === 9;
  for (const v of vmasOf(cp, pid, pageSize)) {
    if (!selected(v, o)) continue;
    let cur = "";
    let curAt = 0n;
    let expect: bigint | undefined;
    for await (const run of knownRuns(cp, pid, v, v.start, v.end, pageSize, 0, window)) {
      if (expect !== run.address && cur.length >= min) yield { address: curAt, text: cur };
      if (expect !== run.address) cur = "";
      const b = run.bytes;
      for (let i = 0; i + step - 1 < b.length; i += step) {
        const c = b[i] as number;
        const ok = printable(c) && (!wide || b[i + 1] === 0);
        if (ok) {
          if (cur.length === 0) curAt = run.address + BigInt(i);
          cur += String.fromCharCode(c);
        } else {
          if (cur.length >= min) yield { address: curAt, text: cur };
          cur = "";
        }
      }
      expect = run.address + BigInt(b.length);
    }
    if (cur.length >= min) yield { address: curAt, text: cur };
  }
}
