/**
 * Finite State Entropy tables (RFC 8878 §4.1): read a table description,
 * or take a predefined distribution, and build the decoding table: per
 * state, the symbol it stands for, how many bits to read next, and the
 * base the bits are added to.
 */
import { corrupt } from "./errors.js";

export interface FseTable {
  log: number;
  symbol: Uint8Array;
  nbBits: Uint8Array;
  base: Uint16Array;
}

/** Builds the decoding table of a normalized distribution (-1: "less than one"). */
export function fseTable(norm: ArrayLike<number>, count: number, log: number): FseTable {
  const size = 1 << log;
  const symbol = new Uint8Array(size);
  const nbBits = new Uint8Array(size);
  const base = new Uint16Array(size);
  const next = new Uint16Array(count);
  let high = size - 1;
  for (let s = 0; s < count; s++) {
    const n = norm[s] as number;
    if (n === -1) {
      symbol[high--] = s;
      next[s] = 1;
    } else next[s] = n;
  }
  const step = (size >> 1) + (size >> 3) + 3;
  const mask = size - 1;
  let p = 0;
  for (let s = 0; s < count; s++) {
    const n = norm[s] as number;
    for (let i = 0; i < n; i++) {
      symbol[p] = s;
      do p = (p + step) & mask;
      while (p > high);
    }
  }
  for (let u = 0; u < size; u++) {
    const s = symbol[u] as number;
    const x = next[s] as number;
    next[s] = x + 1;
    const nb = log - (31 - Math.clz32(x));
    nbBits[u] = nb;
    base[u] = (x << nb) - size;
  }
  return { log, symbol, nbBits, base };
}

/** The one-state table of RLE mode: every state is `s`, and reads no bits. */
export function rleTable(s: number): FseTable {
  return { log: 0, symbol: Uint8Array.of(s), nbBits: new Uint8Array(1), base: new Uint16Array(1) };
}

/**
 * Reads a table description at `pos` (RFC 8878 §4.1.1), at most `maxLog`
 * accuracy and symbols up to `maxSymbol`. Returns the table and the bytes
 * the description took.
 */
export function readFseTable(
  src: Uint8Array,
  pos: number,
  end: number,
  maxSymbol: number,
  maxLog: number,
): { table: FseTable; size: number } {
  let bit = pos * 8;
  const limit = end * 8;
  // Little-endian bits from `bit` on; bytes past the end read as zero (checked after).
  const peek = (n: number) => {
    let v = 0;
    const i = bit >> 3;
    for (let k = 3; k >= 0; k--) v = v * 256 + (src[i + k] ?? 0);
    return Math.floor(v / 2 ** (bit & 7)) & ((1 << n) - 1);
  };
  const log = peek(4) + 5;
  bit += 4;
  if (log > maxLog) corrupt(`an FSE accuracy of ${log} (at most ${maxLog})`);
  const norm = new Int16Array(maxSymbol + 1);
  let remaining = (1 << log) + 1;
  let threshold = 1 << log;
  let nb = log + 1;
  let s = 0;
  let zero = false;
  while (remaining > 1 && s <= maxSymbol) {
    if (zero) {
      for (;;) {
        const r = peek(2);
        bit += 2;
        s += r;
        if (r !== 3) break;
      }
      if (s > maxSymbol) break;
    }
    const max = 2 * threshold - 1 - remaining;
    const v = peek(nb);
    let count: number;
    if ((v & (threshold - 1)) < max) {
      count = v & (threshold - 1);
      bit += nb - 1;
    } else {
      count = v & (2 * threshold - 1);
      if (count >= threshold) count -= max;
      bit += nb;
    }
    // A field holds at most `remaining`: what is left never drops below 1.
    count--;
    remaining -= Math.abs(count);
    norm[s++] = count;
    zero = count === 0;
    while (remaining < threshold) {
      nb--;
      threshold >>= 1;
    }
  }
  if (remaining !== 1 || bit > limit) corrupt("an FSE table description that does not add up");
  return { table: fseTable(norm, s, log), size: Math.ceil(bit / 8) - pos };
}
