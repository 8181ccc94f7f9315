/**
 * Compression of archive streams on Node: input through criu-image/archive
 * (gzip by zlib), output by the name's choice.
 *
 * zstd output: through Node's own zlib zstd compressor (Node 22.15 and
 * later, Bun and Deno), whose output `zstd -d`, Podman and our decoder read.
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
  // Typed as optional: a runtime older than the package supports has none.
  const zstd = (zlib as { createZstdCompress?: () => NodeJS.ReadWriteStream }).createZstdCompress;
  if (!zstd) throw new Error(`zstd output needs Node.js 22.15 or later (this is ${process.version})`);
  yield* Readable.from(source).pipe(zstd()) as AsyncIterable<Uint8Array>;
}
