/**
 * A streaming zstd decoder (RFC 8878) that allocates nothing per block:
 * each block is decoded into one window buffer, which grows to twice the
 * frame's window (plus a block) and is then reused, and what the block gave
 * is handed out as a view of it. That is what keeps a 256 MiB archive
 * streaming through in a few MiB, whatever the allocator does with freed
 * buffers. Pure (no Node APIs).
 *
 * A frame's content checksum, when it has one, is verified before the
 * frame's last block is handed out: damaged data that still decodes never
 * reaches the caller as if it were good.
 *
 * Not supported: dictionaries (checkpoint archives never use them) and
 * windows over 128 MiB (zstd's own default limit).
 */
import { ZstdError } from "../errors.js";
import { Corrupt } from "./errors.js";
import type { HuffmanTable } from "./huffman.js";
import { Input } from "./input.js";
import { BLOCK_MAX, readLiterals } from "./literals.js";
import { executeSequences, newSequenceState } from "./sequences.js";
import { Xxh64 } from "./xxh64.js";

const MAGIC = 0xfd2fb528;
const isSkippable = (magic: number) => magic >>> 4 === 0x184d2a5;
const WINDOW_MAX = 1 << 27;

interface FrameHeader {
  window: number;
  contentSize: number | undefined;
  checksum: boolean;
  size: number;
}

/** The sizes of a frame header's fields, from its descriptor byte. */
function fields(d: number): { single: boolean; dictBytes: number; fcsBytes: number; size: number } {
  const single = (d & 0x20) !== 0;
  const dictBytes = [0, 1, 2, 4][d & 3] as number;
  const fcsBytes = [single ? 1 : 0, 2, 4, 8][d >> 6] as number;
  return { single, dictBytes, fcsBytes, size: 5 + (single ? 0 : 1) + dictBytes + fcsBytes };
}

/** Reads the frame header at bytes[pos] (magic included; its fields' sizes `f`), all of which is available. */
function frameHeader(input: Input, at: number, f: ReturnType<typeof fields>): FrameHeader {
  const b = input.bytes;
  const p = input.pos + 4;
  const d = b[p] as number;
  if (d & 0x08) throw new ZstdError(at, "a frame header without its reserved bit set");
  const { single, dictBytes, fcsBytes, size } = f;
  let q = p + 1;
  let window = 0;
  if (!single) {
    const w = b[q++] as number;
    const base = 2 ** (10 + (w >> 3));
    window = base + (base / 8) * (w & 7);
  }
  let dict = 0;
  for (let i = 0; i < dictBytes; i++) dict += (b[q++] as number) * 2 ** (8 * i);
  if (dict !== 0) throw new ZstdError(at, `a frame without a dictionary (this one needs dictionary ${dict})`);
  let contentSize: number | undefined;
  if (fcsBytes > 0) {
    contentSize = 0;
    for (let i = 0; i < fcsBytes; i++) contentSize += (b[q++] as number) * 2 ** (8 * i);
    if (fcsBytes === 2) contentSize += 256;
  }
  if (single) window = contentSize as number;
  if (window > WINDOW_MAX)
    throw new ZstdError(at, `a window of at most ${WINDOW_MAX} bytes (this frame asks for ${window})`);
  return { window, contentSize, checksum: (d & 0x04) !== 0, size };
}

/** The frame's output buffer: `out[0, at)` is what matches may refer to. */
class Window {
  out = new Uint8Array(0);
  at = 0;
  private window = 0;
  private blockMax = 0;

  /** `history` is what matches may reach back: the window, or less when the frame says it holds less. */
  startFrame(window: number, history: number): void {
    this.window = history;
    this.blockMax = Math.min(window, BLOCK_MAX);
    this.at = 0;
  }

  /**
   * Makes room for one more block: grows with what the frame produces, up
   * to the window and a quarter more (zstd(1) holds the window and a
   * block), then moves the last window's bytes to the front each time the
   * quarter is used up: a copy of the window per quarter window of output.
   */
  room(): number {
    if (this.at + this.blockMax <= this.out.length) return this.blockMax;
    const full = this.window + Math.max(this.blockMax, this.window >> 2);
    if (this.out.length < full) {
      // Doubling, and straight to the whole size past half of it: the old buffer and the new are both alive here.
      const next = Math.max(this.out.length * 2, this.at + this.blockMax, 1 << 16);
      const grown = new Uint8Array(next * 2 > full ? full : next);
      grown.set(this.out.subarray(0, this.at));
      this.out = grown;
    }
    if (this.at + this.blockMax > this.out.length) {
      const keep = Math.min(this.window, this.at);
      this.out.copyWithin(0, this.at - keep, this.at);
      this.at = keep;
    }
    return this.blockMax;
  }
}

/** Checks a frame's size and checksum after its last block, and passes over the checksum. */
async function frameEnd(input: Input, h: FrameHeader, produced: number, hash: Xxh64): Promise<void> {
  if (h.contentSize !== undefined && produced !== h.contentSize)
    throw new ZstdError(input.offset, `a frame of ${h.contentSize} bytes, as its header says (it holds ${produced})`);
  if (!h.checksum) return;
  const at = input.offset;
  if (!(await input.need(4))) throw new ZstdError(at, "the frame's checksum");
  const stored = input.u32(0);
  const computed = hash.digest32();
  if (stored !== computed)
    throw new ZstdError(
      at,
      `the frame's content checksum ${hex(stored)} (the content hashes to ${hex(computed)}: the data is damaged)`,
    );
  input.consume(4);
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

/**
 * Decompresses a zstd stream (frames and skippable frames, one after the
 * other). Each yielded chunk is a view of the decoder's buffer: it is valid
 * until the next chunk is asked for, so copy what you keep.
 */
export async function* zstdDecompress(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  // However this ends (done, refused, left early), the source is ended too: a file behind it is closed.
  try {
    yield* frames(new Input(it));
  } finally {
    await it.return?.();
  }
}

async function* frames(input: Input): AsyncGenerator<Uint8Array> {
  const w = new Window();
  const literals = new Uint8Array(BLOCK_MAX);
  const hash = new Xxh64();
  while (await input.need(1)) {
    const at = input.offset;
    if (!(await input.need(4))) throw new ZstdError(at, "a frame's magic number, not the end of the stream");
    const magic = input.u32(0);
    if (isSkippable(magic)) {
      if (!(await input.need(8))) throw new ZstdError(at, "a skippable frame's size");
      const size = input.u32(4);
      input.consume(8);
      if (!(await input.skip(size))) throw new ZstdError(at, `a skippable frame of ${size} bytes, cut short`);
      continue;
    }
    if (magic !== MAGIC) throw new ZstdError(at, "the zstd magic number");
    if (!(await input.need(5))) throw new ZstdError(at, "a frame header");
    const f = fields(input.bytes[input.pos + 4] as number);
    if (!(await input.need(f.size))) throw new ZstdError(at, "a frame header");
    const h = frameHeader(input, at, f);
    input.consume(h.size);
    // A frame that says how much it holds needs no more window than that.
    w.startFrame(h.window, h.contentSize !== undefined ? Math.min(h.window, h.contentSize) : h.window);
    const tables: { huffman?: HuffmanTable } = {};
    const sequences = newSequenceState();
    hash.reset();
    let produced = 0;
    for (let last = false; !last; ) {
      const blockAt = input.offset;
      if (!(await input.need(3))) throw new ZstdError(blockAt, "a block header");
      const b = input.bytes;
      const p = input.pos;
      const header = (b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16);
      last = (header & 1) === 1;
      const type = (header >> 1) & 3;
      const size = header >>> 3;
      const blockMax = w.room();
      if (type === 3) throw new ZstdError(blockAt, "a block of type raw, RLE or compressed (not the reserved type 3)");
      if (size > blockMax) throw new ZstdError(blockAt, `a block of at most ${blockMax} bytes (not ${size})`);
      const body = type === 1 ? 1 : size;
      if (!(await input.need(3 + body))) throw new ZstdError(blockAt, `a block of ${body} bytes, cut short`);
      const src = input.bytes;
      const from = input.pos + 3;
      const start = w.at;
      try {
        if (type === 0) {
          w.out.set(src.subarray(from, from + size), start);
          w.at += size;
        } else if (type === 1) {
          w.out.fill(src[from] as number, start, start + size);
          w.at += size;
        } else {
          const lit = readLiterals(src, from, from + size, tables, literals);
          w.at = executeSequences(src, lit.next, from + size, lit.lit, lit.start, lit.end, sequences, w, blockMax);
        }
      } catch (e) {
        if (e instanceof Corrupt) throw new ZstdError(blockAt, `a valid block: found ${e.message}`);
        throw e;
      }
      input.consume(3 + body);
      produced += w.at - start;
      if (h.contentSize !== undefined && produced > h.contentSize)
        throw new ZstdError(blockAt, `a frame of ${h.contentSize} bytes, as its header says (it holds more)`);
      if (h.checksum) hash.update(w.out, start, w.at);
      if (last) await frameEnd(input, h, produced, hash);
      if (w.at > start) yield w.out.subarray(start, w.at);
    }
  }
}
