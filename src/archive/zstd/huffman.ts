/**
 * Huffman-coded literals (RFC 8878 §4.2): the tree description (weights,
 * direct or FSE-compressed), the decoding table, and streams decoded with it.
 */
import { BackwardBits } from "./bits.js";
import { corrupt } from "./errors.js";
import { readFseTable } from "./fse.js";

export interface HuffmanTable {
  log: number;
  symbol: Uint8Array;
  nbBits: Uint8Array;
}

const MAX_BITS = 11;

/** The weights of an FSE-compressed description: two states take turns until the stream overflows. */
function fseWeights(src: Uint8Array, pos: number, end: number, weights: Uint8Array): number {
  const { table, size } = readFseTable(src, pos, end, 255, 6);
  const { symbol, nbBits, base } = table;
  const bits = new BackwardBits(src, pos + size, end);
  let s1 = bits.read(table.log);
  let s2 = bits.read(table.log);
  let n = 0;
  for (;;) {
    if (n > 255) corrupt("more than 255 Huffman weights");
    weights[n++] = symbol[s1] as number;
    s1 = (base[s1] as number) + bits.read(nbBits[s1] as number);
    if (bits.bits < 0) {
      weights[n++] = symbol[s2] as number;
      return n;
    }
    weights[n++] = symbol[s2] as number;
    s2 = (base[s2] as number) + bits.read(nbBits[s2] as number);
    if (bits.bits < 0) {
      weights[n++] = symbol[s1] as number;
      return n;
    }
  }
}

/** Reads a Huffman tree description at `pos`; returns the table and the bytes it took. */
export function readHuffman(src: Uint8Array, pos: number, end: number): { table: HuffmanTable; size: number } {
  if (pos >= end) corrupt("a missing Huffman tree description");
  const head = src[pos] as number;
  const weights = new Uint8Array(258);
  let n: number;
  let size: number;
  if (head >= 128) {
    n = head - 127;
    size = 1 + ((n + 1) >> 1);
    if (pos + size > end) corrupt("a cut Huffman tree description");
    for (let i = 0; i < n; i++) {
      const b = src[pos + 1 + (i >> 1)] as number;
      weights[i] = i & 1 ? b & 15 : b >> 4;
    }
  } else {
    size = 1 + head;
    if (pos + size > end) corrupt("a cut Huffman tree description");
    n = fseWeights(src, pos + 1, pos + size, weights);
    if (n > 255) corrupt("more than 255 Huffman weights");
  }
  let total = 0;
  for (let i = 0; i < n; i++) {
    const w = weights[i] as number;
    if (w > MAX_BITS) corrupt(`a Huffman weight of ${w}`);
    if (w) total += 1 << (w - 1);
  }
  if (total === 0) corrupt("Huffman weights that are all zero");
  const log = 32 - Math.clz32(total);
  if (log > MAX_BITS) corrupt("Huffman codes longer than 11 bits");
  const rest = (1 << log) - total;
  if (rest & (rest - 1)) corrupt("Huffman weights that leave no power of two for the last symbol");
  weights[n++] = 32 - Math.clz32(rest);
  const tableSize = 1 << log;
  const symbol = new Uint8Array(tableSize);
  const nbBits = new Uint8Array(tableSize);
  // Shorter codes (lower weights) first; within a weight, symbols in order.
  const start = new Uint32Array(MAX_BITS + 2);
  const counts = new Uint32Array(MAX_BITS + 2);
  for (let i = 0; i < n; i++) counts[weights[i] as number] = (counts[weights[i] as number] as number) + 1;
  // The longest codes have weight 1 (zstd(1) refuses a table larger than its longest code, as in HUF_readStats).
  if (counts[1] === 0) corrupt("Huffman weights with no symbol of weight 1");
  for (let w = 1, p = 0; w <= log; w++) {
    start[w] = p;
    p += (counts[w] as number) << (w - 1);
  }
  for (let s = 0; s < n; s++) {
    const w = weights[s] as number;
    if (!w) continue;
    const at = start[w] as number;
    const len = 1 << (w - 1);
    symbol.fill(s, at, at + len);
    nbBits.fill(log + 1 - w, at, at + len);
    start[w] = at + len;
  }
  return { table: { log, symbol, nbBits }, size };
}

/** Decodes `count` literals of one stream [start, end) into out at `at`. */
export function huffmanStream(
  t: HuffmanTable,
  src: Uint8Array,
  start: number,
  end: number,
  out: Uint8Array,
  at: number,
  count: number,
): void {
  const bits = new BackwardBits(src, start, end);
  const { log, symbol, nbBits } = t;
  for (let i = 0; i < count; i++) {
    const x = bits.peek(log);
    out[at + i] = symbol[x] as number;
    bits.bits -= nbBits[x] as number;
  }
  if (bits.bits !== 0) corrupt("a Huffman stream that does not end with its last literal");
}
