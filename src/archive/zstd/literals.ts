/**
 * The literals section of a compressed block (RFC 8878 §3.1.1.3.1): raw,
 * one byte repeated, or Huffman-coded in one or four streams, with a new
 * table or the previous block's.
 */
import { corrupt } from "./errors.js";
import { type HuffmanTable, huffmanStream, readHuffman } from "./huffman.js";

export const BLOCK_MAX = 128 << 10;

/** The block's literals are lit[start, end); the sequences section starts at `next`. */
export interface Literals {
  lit: Uint8Array;
  start: number;
  end: number;
  next: number;
}

/** Reads the literals section at `pos` (the block ends at `end`); `buf` holds decoded literals. */
export function readLiterals(
  src: Uint8Array,
  pos: number,
  end: number,
  st: { huffman?: HuffmanTable },
  buf: Uint8Array,
): Literals {
  const byte = (i: number) => {
    if (pos + i >= end) corrupt("a cut literals section header");
    return src[pos + i] as number;
  };
  const b0 = byte(0);
  const type = b0 & 3;
  const format = (b0 >> 2) & 3;
  if (type < 2) {
    let size: number;
    let h: number;
    if ((format & 1) === 0) {
      size = b0 >> 3;
      h = 1;
    } else if (format === 1) {
      size = (b0 >> 4) + (byte(1) << 4);
      h = 2;
    } else {
      size = (b0 >> 4) + (byte(1) << 4) + (byte(2) << 12);
      h = 3;
    }
    if (size > BLOCK_MAX) corrupt(`${size} literals in one block`);
    const at = pos + h;
    if (type === 0) {
      if (at + size > end) corrupt("cut raw literals");
      return { lit: src, start: at, end: at + size, next: at + size };
    }
    if (at >= end) corrupt("a cut RLE literal");
    buf.fill(src[at] as number, 0, size);
    return { lit: buf, start: 0, end: size, next: at + 1 };
  }
  let size: number;
  let compressed: number;
  let h: number;
  if (format < 2) {
    size = (b0 >> 4) | ((byte(1) & 0x3f) << 4);
    compressed = (byte(1) >> 6) | (byte(2) << 2);
    h = 3;
  } else if (format === 2) {
    size = (b0 >> 4) | (byte(1) << 4) | ((byte(2) & 3) << 12);
    compressed = (byte(2) >> 2) | (byte(3) << 6);
    h = 4;
  } else {
    size = (b0 >> 4) | (byte(1) << 4) | ((byte(2) & 0x3f) << 12);
    compressed = (byte(2) >> 6) | (byte(3) << 2) | (byte(4) << 10);
    h = 5;
  }
  if (size > BLOCK_MAX) corrupt(`${size} literals in one block`);
  let p = pos + h;
  const stop = p + compressed;
  if (stop > end) corrupt("cut compressed literals");
  if (type === 2) {
    const r = readHuffman(src, p, stop);
    st.huffman = r.table;
    p += r.size;
  }
  const t = st.huffman;
  if (!t) corrupt("literals that reuse a Huffman table when there is none");
  if (format === 0) huffmanStream(t, src, p, stop, buf, 0, size);
  else {
    if (p + 6 > stop) corrupt("a cut jump table");
    const u16 = (i: number) => (src[p + i] as number) | ((src[p + i + 1] as number) << 8);
    const a = p + 6;
    const b = a + u16(0);
    const c = b + u16(2);
    const d = c + u16(4);
    const each = (size + 3) >> 2;
    if (d > stop || each * 3 > size) corrupt("four literal streams that do not fit");
    huffmanStream(t, src, a, b, buf, 0, each);
    huffmanStream(t, src, b, c, buf, each, each);
    huffmanStream(t, src, c, d, buf, 2 * each, each);
    huffmanStream(t, src, d, stop, buf, 3 * each, size - 3 * each);
  }
  return { lit: buf, start: 0, end: size, next: stop };
}
