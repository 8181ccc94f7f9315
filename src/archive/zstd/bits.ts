/**
 * zstd's entropy-coded streams are read backwards: written forwards, they
 * end with a byte whose highest set bit marks where the data stops, and
 * the decoder starts there (RFC 8878 §4.1). `bits` counts the bits still
 * unread; reading past the stream's first byte leaves `bits` negative,
 * which callers treat as overflow. A peek near the start may take bits
 * from before the stream: a valid stream never depends on them (every
 * table entry under a code's prefix is that code), so they are not masked.
 */
import { corrupt } from "./errors.js";

export class BackwardBits {
  bits: number;

  constructor(
    private readonly buf: Uint8Array,
    private readonly start: number,
    end: number,
  ) {
    const last = end > start ? (buf[end - 1] as number) : 0;
    if (last === 0) corrupt("a bitstream without its end mark");
    this.bits = (end - start) * 8 - (Math.clz32(last) - 24) - 1;
  }

  /** The `n` (≤ 24) bits below position `p`... as an integer, the bit at p + n - 1 highest. */
  private at(p: number, n: number): number {
    const b = this.buf;
    const i = this.start + (p >> 3);
    const v =
      (b[i] as number) | ((b[i + 1] as number) << 8) | ((b[i + 2] as number) << 16) | ((b[i + 3] as number) << 24);
    return (v >>> (p & 7)) & ((1 << n) - 1);
  }

  /** The next `n` bits (n ≤ 24), not consumed. */
  peek(n: number): number {
    return this.at(this.bits - n, n);
  }

  /** Reads `n` bits (n ≤ 31); the bits read first are the highest. */
  read(n: number): number {
    if (n === 0) return 0;
    if (n > 24) {
      const high = this.read(n - 16);
      return high * 65536 + this.read(16);
    }
    this.bits -= n;
    return this.at(this.bits, n);
  }
}
