import { CriuImageError } from "./errors.js";
import { parseHeader } from "./header.js";
import { entryParser, whatOf } from "./parser.js";
import type { FramedEntry, FramedImage, ImageHeader, ReadOptions } from "./types.js";

/** Anything that produces the bytes of an image in chunks. */
export type ByteSource = AsyncIterable<Uint8Array> | Iterable<Uint8Array> | ReadableStream<Uint8Array>;

/** An image being read: its header, then its entries (or raw bytes) on demand. */
export interface FramedStream {
  readonly header: ImageHeader;
  /** Entries in file order; empty for raw images. Iterate once (this or `batches`). */
  readonly entries: AsyncIterable<FramedEntry>;
  /** The same entries in batches of those already buffered: cheaper per entry. */
  readonly batches: AsyncIterable<FramedEntry[]>;
  /** For raw images: the bytes, as chunks. Empty for entry images. Iterate once. */
  readonly raw: AsyncIterable<Uint8Array>;
}

/** The chunks of any byte source, a ReadableStream read by hand where it is not async-iterable. */
export async function* chunksOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  // Not every runtime makes ReadableStream async-iterable (Safari), so read it by hand.
  if (typeof (source as ReadableStream).getReader === "function") {
    const reader = (source as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  } else {
    yield* source as AsyncIterable<Uint8Array>;
  }
}

/**
 * A queue of chunks from which exact byte counts are taken. It never holds
 * more than it has been given, so a hostile size costs nothing but the
 * bytes that really arrive.
 */
class ChunkQueue {
  private chunks: Uint8Array[] = [];
  private head = 0; // read position in chunks[0]
  available = 0;
  offset = 0; // image offset of the next byte to take
  eof = false;
  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  async fill(n: number): Promise<boolean> {
    while (this.available < n && !this.eof) {
      const r = await this.it.next();
      if (r.done) {
        this.eof = true;
        break;
      }
      if (!(r.value instanceof Uint8Array))
        throw new CriuImageError("INVALID", undefined, 0, "Uint8Array chunks", `a chunk was ${typeof r.value}`);
      if (r.value.length === 0) continue;
      this.chunks.push(r.value);
      this.available += r.value.length;
    }
    return this.available >= n;
  }

  take(n: number): Uint8Array {
    const first = this.chunks[0];
    if (first && first.length - this.head >= n) {
      const out = first.subarray(this.head, this.head + n);
      this.head += n;
      if (this.head === first.length) {
        this.chunks.shift();
        this.head = 0;
      }
      this.available -= n;
      this.offset += n;
      return out;
    }
    const out = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      const c = this.chunks[0] as Uint8Array;
      const k = Math.min(n - o, c.length - this.head);
      out.set(c.subarray(this.head, this.head + k), o);
      o += k;
      this.head += k;
      if (this.head === c.length) {
        this.chunks.shift();
        this.head = 0;
      }
    }
    this.available -= n;
    this.offset += n;
    return out;
  }

  /** Copies the first `n` buffered bytes without consuming them (n ≤ available). */
  peek(n: number): Uint8Array {
    const out = new Uint8Array(n);
    let o = 0;
    let head = this.head;
    for (const c of this.chunks) {
      const k = Math.min(n - o, c.length - head);
      out.set(c.subarray(head, head + k), o);
      o += k;
      head = 0;
      if (o === n) break;
    }
    return out;
  }

  async takeAll(): Promise<Uint8Array> {
    while (!this.eof) await this.fill(this.available + 1);
    return this.take(this.available);
  }

  /** Hands out what is buffered, then the rest of the source, chunk by chunk. */
  async *drain(): AsyncGenerator<Uint8Array> {
    if (this.available > 0) yield this.take(this.available);
    while (!this.eof) {
      await this.fill(1);
      if (this.available > 0) yield this.take(this.available);
    }
  }
}

/**
 * Starts reading an image from a stream: resolves once the header is read.
 * At most one entry (with its extra) is held in memory at a time, and the
 * same input gives the same entries as `readFramed`, however it is chunked.
 */
export async function openFramedStream(source: ByteSource, options: ReadOptions = {}): Promise<FramedStream> {
  const name = options.name;
  const q = new ChunkQueue(chunksOf(source)[Symbol.asyncIterator]());
  await q.fill(8);
  const head = q.peek(Math.min(8, q.available));
  const { header, kind, size } = parseHeader(head, name);
  if (kind.raw) {
    return { header, entries: empty(), batches: empty(), raw: q.drain() };
  }
  q.take(size);
  // Entries are parsed in batches from what is buffered: awaiting only when
  // the parser needs bytes that have not arrived keeps per-entry cost low.
  async function* batches(): AsyncGenerator<FramedEntry[]> {
    const parser = entryParser(kind, name, size);
    let input: Uint8Array | undefined;
    let batch: FramedEntry[] = [];
    for (;;) {
      const step = parser.next(input);
      if (step.done) break;
      const req = step.value;
      if (req.type === "entry") {
        input = undefined;
        batch.push(req.entry);
        continue;
      }
      if (req.type === "rest") {
        input = await q.takeAll();
        continue;
      }
      if (q.available < req.n) {
        // About to wait for more input: hand over what is ready first.
        if (batch.length > 0) {
          yield batch;
          batch = [];
        }
        if (!(await q.fill(req.n))) {
          if (req.boundary && q.available === 0) {
            input = undefined;
            continue;
          }
          throw new CriuImageError("TRUNCATED", name, q.offset, whatOf(req), `only ${q.available} bytes left`);
        }
      }
      input = q.take(req.n);
    }
    if (batch.length > 0) yield batch;
  }
  const batchIterable = batches();
  async function* entries(): AsyncGenerator<FramedEntry> {
    for await (const b of batchIterable) yield* b;
  }
  return { header, entries: entries(), batches: batchIterable, raw: empty() };
}

async function* empty<T>(): AsyncGenerator<T> {}

/**
 * Reads a whole image from a stream: `readFramed` for bytes that arrive in
 * chunks, with the same result and the same errors at the same offsets.
 */
export async function readFramedStream(source: ByteSource, options: ReadOptions = {}): Promise<FramedImage> {
  const s = await openFramedStream(source, options);
  const entries: FramedEntry[] = [];
  for await (const e of s.entries) entries.push(e);
  if (s.header.format !== "raw") return { ...s.header, entries };
  const parts: Uint8Array[] = [];
  let total = 0;
  for await (const c of s.raw) {
    parts.push(c);
    total += c.length;
  }
  const raw = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    raw.set(p, o);
    o += p.length;
  }
  return { ...s.header, entries, raw };
}
