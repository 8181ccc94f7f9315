/**
 * Where the units of a zstd stream end (RFC 8878: frame headers, blocks,
 * checksums, skippable frames), so that a decoder that decodes everything
 * it is given at once can be fed one block at a time. A block decodes to
 * at most 128 KiB, whereas 64 bytes of RLE blocks can stand for 2 MiB and
 * one 64 KiB read for gigabytes: cutting at block ends is what bounds the
 * memory of decompression, whatever the data.
 *
 * Only the framing is read here; the decoder checks everything else. Pure
 * (no Node APIs): the browser explorer decodes archives with it too.
 */
import { Decompress } from "fzstd";

const ZSTD_MAGIC = 0xfd2fb528;
const isSkippable = (magic: number) => magic >>> 4 === 0x184d2a5;

type State =
  | { at: "magic" }
  | { at: "descriptor" }
  | { at: "header"; left: number }
  | { at: "blockHeader" }
  | { at: "body"; left: number; last: boolean }
  | { at: "checksum"; left: number }
  | { at: "skipSize" }
  | { at: "skip"; left: number }
  /** Not zstd framing as we know it: the rest goes to the decoder as it is, to be refused there. */
  | { at: "opaque" };

/** Splits chunks of a zstd stream into pieces that each end at most one block. */
export class ZstdUnits {
  private state: State = { at: "magic" };
  /** Bytes of a fixed-size field read so far (magic, descriptor, block header, skip size). */
  private field: number[] = [];
  private checksum = false;

  /** The pieces of `chunk`, in order; each completes at most one block. */
  *pieces(chunk: Uint8Array): Generator<Uint8Array> {
    let start = 0;
    let at = 0;
    while (at < chunk.length) {
      const s = this.state;
      if (s.at === "opaque") {
        at = chunk.length;
        break;
      }
      if (s.at === "body" || s.at === "header" || s.at === "checksum" || s.at === "skip") {
        const n = Math.min(s.left, chunk.length - at);
        at += n;
        s.left -= n;
        if (s.left > 0) break;
        if (s.at === "body") {
          this.state = s.last ? (this.checksum ? { at: "checksum", left: 4 } : { at: "magic" }) : { at: "blockHeader" };
          if (at > start) yield chunk.subarray(start, at);
          start = at;
        } else if (s.at === "header") this.state = { at: "blockHeader" };
        else this.state = { at: "magic" };
        continue;
      }
      this.field.push(chunk[at++] as number);
      this.step();
    }
    if (start < at) yield chunk.subarray(start, at);
  }

  private step(): void {
    const f = this.field;
    const s = this.state;
    const u32 = () =>
      ((f[0] as number) | ((f[1] as number) << 8) | ((f[2] as number) << 16) | ((f[3] as number) << 24)) >>> 0;
    if (s.at === "magic" && f.length === 4) {
      const magic = u32();
      this.state =
        magic === ZSTD_MAGIC ? { at: "descriptor" } : isSkippable(magic) ? { at: "skipSize" } : { at: "opaque" };
      this.field = [];
    } else if (s.at === "descriptor") {
      const d = f[0] as number;
      const single = (d & 0x20) !== 0;
      this.checksum = (d & 0x04) !== 0;
      const dictionary = [0, 1, 2, 4][d & 3] as number;
      const contentSize = [single ? 1 : 0, 2, 4, 8][d >> 6] as number;
      this.state = { at: "header", left: (single ? 0 : 1) + dictionary + contentSize };
      this.field = [];
    } else if (s.at === "blockHeader" && f.length === 3) {
      const h = (f[0] as number) | ((f[1] as number) << 8) | ((f[2] as number) << 16);
      const type = (h >> 1) & 3;
      const size = h >>> 3;
      this.state = type === 3 ? { at: "opaque" } : { at: "body", left: type === 1 ? 1 : size, last: (h & 1) === 1 };
      this.field = [];
    } else if (s.at === "skipSize" && f.length === 4) {
      this.state = { at: "skip", left: u32() };
      this.field = [];
    }
  }
}

/**
 * fzstd decodes all of a pushed chunk at once, and a few bytes of zstd can
 * stand for megabytes. So input is pushed in pieces that end at most one
 * block each (ZstdUnits), and what a piece gave is handed on before the
 * next is pushed: at most one block's output (128 KiB) is held.
 */
export async function* zstdDecompressed(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  const z = new Decompress((chunk) => {
    if (chunk.length > 0) out.push(chunk);
  });
  const units = new ZstdUnits();
  for await (const c of source) {
    for (const piece of units.pieces(c)) {
      z.push(piece);
      while (out.length > 0) yield out.shift() as Uint8Array;
    }
  }
  z.push(new Uint8Array(0), true);
  while (out.length > 0) yield out.shift() as Uint8Array;
}
