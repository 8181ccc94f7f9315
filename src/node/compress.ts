/**
 * Compression of archive streams on Node: input through criu-image/archive
 * (gzip by zlib), output by the name's choice.
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
import { decompressed as archiveDecompressed, type Compression, copies, type Gunzip } from "../archive/index.js";

/** gzip through Node's zlib (faster than the web stream, and on every Node). */
const zlibGunzip: Gunzip = (source) =>
  // zlib's stream buffers what it is given, and the source may reuse its buffer.
  Readable.from(copies(source)).pipe(zlib.createGunzip()) as AsyncIterable<Uint8Array>;

/** An archive's bytes decompressed by what their first bytes say (see criu-image/archive), gzip by zlib. */
export function decompressed(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  return archiveDecompressed(source, { gunzip: zlibGunzip });
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
