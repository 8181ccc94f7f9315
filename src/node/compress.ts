/**
 * Compression of archive streams, chosen by the first bytes on input and by
 * the output's file name on output.
 *
 * zstd output: Node has a zstd compressor from 22.15 on, and it is used
 * there. Node 20 has none, so there the maintained WebAssembly build of the
 * reference zstd library, @hpcc-js/wasm-zstd, is loaded on first use: it
 * has no install script and no native code (so it installs with npm 11 and
 * everywhere Node runs), streams chunk by chunk, and its output is plain
 * zstd that `zstd -d`, Podman and our decoder read.
 */
import { Readable } from "node:stream";
import * as zlib from "node:zlib";
import { type Compression, compressionOf } from "./path-kind.js";
import { zstdDecompress } from "./zstd/decompress.js";

export { type Compression, compressionOf };

/** The compression an output file name asks for, or undefined when it is not an archive name. */
export function compressionForName(name: string): Compression | undefined {
  if (/\.(tar\.gz|tgz)$/i.test(name)) return "gzip";
  if (/\.(tar\.zst|tar\.zstd|tzst)$/i.test(name)) return "zstd";
  if (/\.tar$/i.test(name)) return "none";
  return undefined;
}

/** Copies of a stream's chunks, for consumers that hold on to them (the source may reuse its buffer). */
export async function* copies(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const c of source) yield c.slice();
}

/**
 * Decompresses a byte stream according to its first bytes. zstd is decoded
 * by our own decoder everywhere (Node's, from 22.15 on, allocates a buffer
 * per chunk); its chunks are views valid until the next is asked for.
 */
export async function* decompressed(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const rest = (async function* () {
    yield first.value;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  const kind = compressionOf(first.value);
  if (kind === "none") {
    yield* rest;
  } else if (kind === "gzip") {
    // zlib's stream buffers what it is given, and the source may reuse its buffer.
    yield* Readable.from(copies(rest)).pipe(zlib.createGunzip());
  } else yield* zstdDecompress(rest);
}

type ZstdLike = {
  reset(): void;
  setCompressionLevel(l: number): void;
  compressChunk(d: Uint8Array): Uint8Array;
  compressEnd(): Uint8Array;
};

async function* wasmZstd(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const { Zstd } = (await import("@hpcc-js/wasm-zstd")) as { Zstd: { load(): Promise<ZstdLike> } };
  const z = await Zstd.load();
  z.reset();
  z.setCompressionLevel(3);
  for await (const c of source) {
    const out = z.compressChunk(c);
    if (out.length > 0) yield out.slice();
  }
  yield z.compressEnd().slice();
}

/** Compresses a byte stream. */
export async function* compressed(source: AsyncIterable<Uint8Array>, kind: Compression): AsyncGenerator<Uint8Array> {
  if (kind === "none") {
    yield* source;
    return;
  }
  if (kind === "gzip") {
    yield* Readable.from(source).pipe(zlib.createGzip()) as AsyncIterable<Uint8Array>;
    return;
  }
  const native = (zlib as unknown as { createZstdCompress?: () => NodeJS.ReadWriteStream }).createZstdCompress;
  if (native) yield* Readable.from(source).pipe(native()) as AsyncIterable<Uint8Array>;
  else yield* wasmZstd(source);
}
