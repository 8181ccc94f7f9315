/**
 * The compressed stream as the decoder pulls it: whole headers and whole
 * blocks (at most 128 KiB) are made contiguous in one buffer that is
 * reused. Chunks are copied before the next is asked for, so a source may
 * hand out views of a buffer it reuses.
 */
export class Input {
  private buf = new Uint8Array(1 << 16);
  private start = 0;
  private end = 0;
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkAt = 0;
  /** Offset in the stream of bytes[pos]. */
  offset = 0;

  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  get bytes(): Uint8Array {
    return this.buf;
  }

  get pos(): number {
    return this.start;
  }

  /** Makes `n` bytes available at bytes[pos]; false when the stream ends first. */
  async need(n: number): Promise<boolean> {
    while (this.end - this.start < n) {
      if (this.chunkAt >= this.chunk.length) {
        const r = await this.it.next();
        if (r.done) return false;
        this.chunk = r.value;
        this.chunkAt = 0;
        continue;
      }
      if (this.buf.length - this.start < n) {
        this.buf.copyWithin(0, this.start, this.end);
        this.end -= this.start;
        this.start = 0;
        if (this.buf.length < n) {
          const grown = new Uint8Array(Math.max(n, this.buf.length * 2));
          grown.set(this.buf.subarray(0, this.end));
          this.buf = grown;
        }
      }
      const take = Math.min(this.chunk.length - this.chunkAt, this.buf.length - this.end);
      this.buf.set(this.chunk.subarray(this.chunkAt, this.chunkAt + take), this.end);
      this.chunkAt += take;
      this.end += take;
    }
    return true;
  }

  consume(n: number): void {
    this.start += n;
    this.offset += n;
  }

  /** Passes over `n` bytes without keeping them; false when the stream ends first. */
  async skip(n: number): Promise<boolean> {
    for (;;) {
      const inBuf = Math.min(n, this.end - this.start);
      this.consume(inBuf);
      n -= inBuf;
      const inChunk = Math.min(n, this.chunk.length - this.chunkAt);
      this.chunkAt += inChunk;
      this.offset += inChunk;
      n -= inChunk;
      if (n === 0) return true;
      if (!(await this.need(1))) return false;
    }
  }

  /** The little-endian u32 at bytes[pos + i]. */
  u32(i: number): number {
    const b = this.buf;
    const p = this.start + i;
    return (
      ((b[p] as number) | ((b[p + 1] as number) << 8) | ((b[p + 2] as number) << 16) | ((b[p + 3] as number) << 24)) >>>
      0
    );
  }
}
