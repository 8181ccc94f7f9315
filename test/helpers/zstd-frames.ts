/**
 * zstd frames written by hand (RFC 8878), for the paths zstd(1) seldom or
 * never writes: Huffman trees with direct weights, 1-bit and 11-bit codes,
 * four streams of 18-bit sizes, RLE and treeless literals, sequence counts
 * in three bytes, RLE and single-symbol FSE tables, offsets of 25 bits,
 * header fields of every size. Written from the RFC, not from src/: the
 * tests check each valid frame against zstd(1) too.
 */
import { cat } from "./bytes.js";

/** Bits written low bit first; with `endMark`, a 1 bit after them, so the stream can be read backwards. */
export class BitWriter {
  private out: number[] = [];
  private acc = 0;
  private n = 0;

  write(value: number, bits: number): this {
    for (let i = 0; i < bits; i++) {
      this.acc |= (Math.floor(value / 2 ** i) & 1) << this.n;
      if (++this.n === 8) this.flush();
    }
    return this;
  }

  private flush(): void {
    this.out.push(this.acc);
    this.acc = 0;
    this.n = 0;
  }

  /** How many bits were written. */
  get length(): number {
    return this.out.length * 8 + this.n;
  }

  bytes(endMark: boolean): Uint8Array {
    if (endMark) this.write(1, 1);
    if (this.n > 0) this.flush();
    return Uint8Array.from(this.out);
  }
}

const le = (v: number, n: number) => Uint8Array.from({ length: n }, (_, i) => Math.floor(v / 2 ** (8 * i)) & 255);

export interface HeaderOptions {
  /** Single segment: no window byte, the content size is the window. */
  single?: boolean;
  contentSize?: number;
  /** 0 (none, not single), 1 (single only), 2 (value - 256), 4 or 8. */
  fcsBytes?: 0 | 1 | 2 | 4 | 8;
  /** The window descriptor byte (exponent << 3 | mantissa); 0x50 is 1 MiB. */
  window?: number;
  dictBytes?: 0 | 1 | 2 | 4;
  dictId?: number;
  checksum?: boolean;
  /** Raw descriptor bits to set on top (the reserved bit is 0x08). */
  extra?: number;
}

export function frameHeader(o: HeaderOptions = {}): Uint8Array {
  const fcsBytes = o.fcsBytes ?? (o.contentSize === undefined ? 0 : o.single ? 1 : 4);
  const fcsFlag = { 0: 0, 1: 0, 2: 1, 4: 2, 8: 3 }[fcsBytes];
  const dictBytes = o.dictBytes ?? 0;
  const dictFlag = { 0: 0, 1: 1, 2: 2, 4: 3 }[dictBytes];
  const d = (fcsFlag << 6) | (o.single ? 0x20 : 0) | (o.checksum ? 0x04 : 0) | dictFlag | (o.extra ?? 0);
  const fcs = fcsBytes === 2 ? (o.contentSize ?? 0) - 256 : (o.contentSize ?? 0);
  return cat(
    Uint8Array.of(0x28, 0xb5, 0x2f, 0xfd, d),
    o.single ? new Uint8Array(0) : Uint8Array.of(o.window ?? 0x50),
    le(o.dictId ?? 0, dictBytes),
    le(fcs, fcsBytes),
  );
}

const blockHeader = (type: number, size: number, last: boolean) => le(size * 8 + type * 2 + (last ? 1 : 0), 3);

export const rawBlock = (data: Uint8Array, last = false) => cat(blockHeader(0, data.length, last), data);
export const rleBlock = (byte: number, n: number, last = false) => cat(blockHeader(1, n, last), Uint8Array.of(byte));
export const compressedBlock = (body: Uint8Array, last = false) => cat(blockHeader(2, body.length, last), body);

export const frame = (o: HeaderOptions, ...blocks: Uint8Array[]) => cat(frameHeader(o), ...blocks);

/** A raw (type 0) or RLE (type 1) literals section header for `size` literals, in 1, 2 or 3 bytes. */
function plainLiteralsHeader(type: 0 | 1, size: number, bytes: 1 | 2 | 3): Uint8Array {
  if (bytes === 1) return Uint8Array.of((size << 3) | type);
  if (bytes === 2) return le((size << 4) | (1 << 2) | type, 2);
  return le(size * 16 + (3 << 2) + type, 3);
}

export const rawLiterals = (data: Uint8Array, headerBytes: 1 | 2 | 3 = 3) =>
  cat(plainLiteralsHeader(0, data.length, headerBytes), data);

export const rleLiterals = (byte: number, n: number, headerBytes: 1 | 2 | 3 = 3) =>
  cat(plainLiteralsHeader(1, n, headerBytes), Uint8Array.of(byte));

/** A Huffman code: per symbol, its bits and their number (0: not coded). */
export interface HuffmanCode {
  code: number[];
  nbBits: number[];
}

/**
 * The code of explicit weights for symbols 0..n-1 (the last symbol's weight
 * is implied, RFC 8878 §4.2.1.3): lower weights get the lower table
 * positions, symbols in order within a weight.
 */
export function huffmanCode(weights: number[]): HuffmanCode {
  const total = weights.reduce((t, w) => t + (w ? 2 ** (w - 1) : 0), 0);
  const log = Math.floor(Math.log2(total)) + 1;
  const all = [...weights, Math.log2(2 ** log - total) + 1];
  const code: number[] = [];
  const nbBits: number[] = [];
  let position = 0;
  for (let w = 1; w <= log; w++)
    all.forEach((sw, s) => {
      if (sw !== w) return;
      code[s] = position / 2 ** (w - 1);
      nbBits[s] = log + 1 - w;
      position += 2 ** (w - 1);
    });
  return { code, nbBits };
}

/** A tree description with direct (4-bit) weights: at most 128 of them. */
export function directWeights(weights: number[]): Uint8Array {
  const out = new Uint8Array(1 + Math.ceil(weights.length / 2));
  out[0] = 127 + weights.length;
  weights.forEach((w, i) => {
    out[1 + (i >> 1)] = (out[1 + (i >> 1)] as number) | (i & 1 ? w : w << 4);
  });
  return out;
}

/** One Huffman stream: the first literal is read first, so it is written last. */
export function huffmanStream(c: HuffmanCode, data: Uint8Array, extraBits = 0): Uint8Array {
  const w = new BitWriter();
  w.write(0, extraBits);
  for (let i = data.length - 1; i >= 0; i--) {
    const s = data[i] as number;
    if (!c.nbBits[s]) throw new Error(`symbol ${s} has no code`);
    w.write(c.code[s] as number, c.nbBits[s] as number);
  }
  return w.bytes(true);
}

export interface HuffmanLiteralsOptions {
  /** 2: with a tree (`tree` needed); 3: the previous block's tree. */
  type: 2 | 3;
  tree?: Uint8Array;
  /** Size format: 0 one stream, 1 to 3 four streams (10, 14, 18-bit sizes). */
  format: 0 | 1 | 2 | 3;
  /** Replace the streams with these bytes (damaged sections). */
  streams?: Uint8Array;
  /** Override the literal count written in the header. */
  size?: number;
}

/** A compressed literals section: header, tree, jump table (four streams), streams. */
export function huffmanLiterals(c: HuffmanCode, data: Uint8Array, o: HuffmanLiteralsOptions): Uint8Array {
  let streams: Uint8Array;
  if (o.streams) streams = o.streams;
  else if (o.format === 0) streams = huffmanStream(c, data);
  else {
    const each = Math.ceil(data.length / 4);
    const parts = [0, 1, 2, 3].map((i) => huffmanStream(c, data.subarray(i * each, i * each + each)));
    streams = cat(le((parts[0] as Uint8Array).length, 2), le((parts[1] as Uint8Array).length, 2));
    streams = cat(streams, le((parts[2] as Uint8Array).length, 2), ...parts);
  }
  const body = cat(o.type === 2 ? (o.tree as Uint8Array) : new Uint8Array(0), streams);
  const size = o.size ?? data.length;
  const n = body.length;
  const bits = [10, 10, 14, 18][o.format] as number;
  if (Math.max(size, n) >= 2 ** bits) throw new Error(`format ${o.format} holds sizes of ${bits} bits`);
  const t = o.type | (o.format << 2);
  let header: Uint8Array;
  if (o.format < 2) header = le(t + size * 16 + n * 2 ** 14, 3);
  else if (o.format === 2) header = le(t + size * 16 + n * 2 ** 18, 4);
  else header = le(t + size * 16 + n * 2 ** 22, 5);
  return cat(header, body);
}

// Literal and match length codes (RFC 8878 §3.1.1.3.2.1.1): baselines and extra bits.
const LL = {
  base: [16, 18, 20, 22, 24, 28, 32, 40, 48, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384, 32768, 65536],
  first: 16,
};
const LL_EXTRA = [1, 1, 1, 1, 2, 2, 3, 3, 4, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
const ML = {
  base: [35, 37, 39, 41, 43, 47, 51, 59, 67, 83, 99, 131, 259, 515, 1027, 2051, 4099, 8195, 16387, 32771, 65539],
  first: 32,
};
const ML_EXTRA = [1, 1, 1, 1, 2, 2, 3, 3, 4, 4, 5, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];

/** A value's code, extra bits and their number. */
function lengthCode(v: number, plain: number, t: typeof LL, extra: number[]): [number, number, number] {
  if (v < plain) return [v, 0, 0];
  let i = t.base.length - 1;
  while ((t.base[i] as number) > v) i--;
  return [t.first + i, v - (t.base[i] as number), extra[i] as number];
}

/** An offset value's code, extra bits and their number (as many as the code). */
function offsetCode(v: number): [number, number, number] {
  const code = Math.floor(Math.log2(v));
  return [code, v - 2 ** code, code];
}

/** One sequence: literals to copy, then a match. `of` is the offset value: 1-3 repeat offsets, else offset + 3. */
export interface Sequence {
  ll: number;
  ml: number;
  of: number;
}

/** How a section gives one kind's table: RLE of one code, a single-symbol FSE description, or the last block's. */
export type TableMode = { rle: true } | { fse: Uint8Array; log: number } | { repeat: true };

export interface SequencesOptions {
  ll?: TableMode;
  of?: TableMode;
  ml?: TableMode;
  /** The count in 1, 2 or 3 bytes (longer than needed is allowed). */
  countBytes?: 1 | 2 | 3;
  /** Override the count written. */
  count?: number;
  /** Bits before the sequences' bits (read last): leftovers in a damaged section. */
  extraBits?: number;
  /** Leave the end mark out. */
  noEndMark?: boolean;
}

/** A single-symbol FSE table for `code`: every state is it and reads no bits. */
export const singleSymbol = (code: number, log = 5): TableMode => {
  const norm = Array.from({ length: code + 1 }, (_, s) => (s === code ? 2 ** log : 0));
  return { fse: fseDescription(norm, log), log };
};

/**
 * A sequences section whose three kinds each use one code (RLE or a
 * single-symbol table): the bitstream holds only the extra bits, and the
 * initial states of FSE tables (zero).
 */
export function sequencesSection(seqs: Sequence[], o: SequencesOptions = {}): Uint8Array {
  const n = o.count ?? seqs.length;
  const countBytes = o.countBytes ?? (n < 128 ? 1 : n < 0x7f00 ? 2 : 3);
  const count =
    countBytes === 1
      ? Uint8Array.of(n)
      : countBytes === 2
        ? Uint8Array.of(128 + (n >> 8), n & 255)
        : Uint8Array.of(255, (n - 0x7f00) & 255, (n - 0x7f00) >> 8);
  if (n === 0) return count;
  const codes = seqs.map((s) => ({
    ll: lengthCode(s.ll, 16, LL, LL_EXTRA),
    ml: lengthCode(s.ml - 3, 32, { ...ML, base: ML.base.map((b) => b - 3) }, ML_EXTRA),
    of: offsetCode(s.of),
  }));
  const kinds = ["ll", "of", "ml"] as const;
  const mode = (k: (typeof kinds)[number]) => o[k] ?? { rle: true };
  const modeBits = kinds.map((k) => {
    const m = mode(k);
    return "rle" in m ? 1 : "fse" in m ? 2 : 3;
  });
  const first = codes[0] as (typeof codes)[number];
  const tables = kinds.map((k) => {
    const m = mode(k);
    return "rle" in m ? Uint8Array.of(first[k][0]) : "fse" in m ? m.fse : new Uint8Array(0);
  });
  const w = new BitWriter();
  w.write(0, o.extraBits ?? 0);
  for (let i = codes.length - 1; i >= 0; i--) {
    const c = codes[i] as (typeof codes)[number];
    for (const k of kinds) if (c[k][0] !== first[k][0]) throw new Error(`sequence ${i}: one ${k} code per section`);
    // Read order: offset, match, literal extra bits; written the other way round.
    w.write(c.ll[1], c.ll[2]).write(c.ml[1], c.ml[2]).write(c.of[1], c.of[2]);
  }
  // Initial states, read ll, of, ml: all zero.
  for (const k of ["ml", "of", "ll"] as const) {
    const m = mode(k);
    if ("fse" in m) w.write(0, m.log);
  }
  const modes = ((modeBits[0] as number) << 6) | ((modeBits[1] as number) << 4) | ((modeBits[2] as number) << 2);
  return cat(count, Uint8Array.of(modes), ...tables, w.bytes(!o.noEndMark));
}

/** An FSE table description (RFC 8878 §4.1.1) of normalized counts (-1: less than one). */
export const fseDescription = (norm: number[], log: number): Uint8Array => fseBits(norm, log).bytes(false);

/** The bits of an FSE table description, before padding to a byte. */
export function fseBits(norm: number[], log: number): BitWriter {
  const w = new BitWriter();
  w.write(log - 5, 4);
  let remaining = 2 ** log + 1;
  let threshold = 2 ** log;
  let nb = log + 1;
  let s = 0;
  let previousZero = false;
  while (remaining > 1 && s < norm.length) {
    if (previousZero) {
      let start = s;
      while (s < norm.length && norm[s] === 0) s++;
      while (s >= start + 24) {
        start += 24;
        w.write(0xffff, 16);
      }
      while (s >= start + 3) {
        start += 3;
        w.write(3, 2);
      }
      w.write(s - start, 2);
    }
    const n = norm[s++] as number;
    const max = 2 * threshold - 1 - remaining;
    remaining -= Math.abs(n);
    let v = n + 1;
    if (v >= threshold) v += max;
    w.write(v, v < max ? nb - 1 : nb);
    previousZero = n === 0;
    while (remaining < threshold && threshold > 1) {
      nb--;
      threshold /= 2;
    }
  }
  return w;
}
