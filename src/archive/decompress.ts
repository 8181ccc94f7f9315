/**
 * An archive's bytes, decompressed by what its first bytes say: zstd by our
 * own decoder (content checksums verified), gzip by the platform's
 * inflater, handed in (the web's DecompressionStream by default; Node's
 * zlib from criu-image/node). Damage in either is an ArchiveError with the
 * offset in the compressed stream.
 */
import { chunksOf } from "../framing/stream.js";
import { type Compression, compressionOf } from "./compression.js";
import { ArchiveError } from "./errors.js";
import { zstdDecompress } from "./zstd/decompress.js";

/** Inflates a gzip stream; the chunks it is given may be views of a buffer that is reused. */
export type Gunzip = (source: AsyncIterable<Uint8Array>) => AsyncIterable<Uint8Array>;

/** Copies of a stream's chunks, for consumers that hold on to them (the source may reuse its buffer). */
export async function* copies(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const c of source) yield c.slice();
}

/** gzip through the web platform's DecompressionStream (browsers, Deno, Bun, Node). */
export const webGunzip: Gunzip = async function* (source) {
  const inflate = new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>;
  const writer = inflate.writable.getWriter();
  const feeding = (async () => {
    try {
      for await (const c of source) await writer.write(c.slice());
      await writer.close();
    } catch (e) {
      await writer.abort(e).catch(() => {});
    }
  })();
  try {
    yield* chunksOf(inflate.readable);
  } finally {
    await feeding;
  }
};

/**
 * Counts the compressed bytes that pass, so an inflater's failure can say
 * where, and keeps the source's own failure, so that it is not taken for
 * damaged data.
 */
class Counted implements AsyncIterable<Uint8Array> {
  bytes = 0;
  failure: { error: unknown } | undefined;
  constructor(private readonly source: AsyncIterable<Uint8Array>) {}
  async *[Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    try {
      for await (const c of this.source) {
        this.bytes += c.length;
        yield c;
      }
    } catch (error) {
      this.failure = { error };
      throw error;
    }
  }
}

/** Options of `decompressed`. */
export interface DecompressOptions {
  /** The gzip inflater (default: `webGunzip`). */
  gunzip?: Gunzip;
  /** Told the compression once the first bytes are seen. */
  onCompression?: (c: Compression) => void;
}

/**
 * Decompresses an archive's bytes according to their first bytes. zstd
 * chunks are views valid until the next is asked for: copy what you keep.
 */
export async function* decompressed(
  source: AsyncIterable<Uint8Array>,
  options: DecompressOptions = {},
): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  // However this ends (done, refused, left early), the source is ended too: a file behind it is closed.
  try {
    yield* decompressedFrom(it, options);
  } finally {
    await it.return?.();
  }
}

async function* decompressedFrom(
  it: AsyncIterator<Uint8Array>,
  options: DecompressOptions,
): AsyncGenerator<Uint8Array> {
  const first = await it.next();
  if (first.done) {
    options.onCompression?.("none");
    return;
  }
  const rest = (async function* () {
    yield first.value;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  const kind = compressionOf(first.value);
  options.onCompression?.(kind);
  if (kind === "none") yield* rest;
  else if (kind === "zstd") yield* zstdDecompress(rest);
  else {
    const counted = new Counted(rest);
    try {
      yield* (options.gunzip ?? webGunzip)(counted);
    } catch (e) {
      if (counted.failure) throw counted.failure.error;
      // The inflater's own words (zlib's, the platform's): it knows what is wrong, not where.
      const what = (e as Error)?.message ?? String(e);
      throw new ArchiveError("gzip", counted.bytes, `valid gzip data (the inflater said: ${what})`);
    }
  }
}
