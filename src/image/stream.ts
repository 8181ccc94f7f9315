import type { Message } from "@bufbuild/protobuf";
import { type ByteSource, openFramedStream } from "../framing/stream.js";
import type { ImageHeader, ReadOptions } from "../framing/types.js";
import { writeFramedStream } from "../framing/write.js";
import { type DecodedEntry, decodeEntry } from "./read.js";
import { encodeEntry } from "./write.js";

/** An image being read from a stream, entry by entry. */
export interface ImageStream {
  readonly header: ImageHeader;
  /** Typed entries in file order. Iterate once. */
  readonly entries: AsyncIterable<DecodedEntry>;
  /** Raw images: their bytes as chunks. Iterate once. */
  readonly raw: AsyncIterable<Uint8Array>;
}

/** Opens an image stream: resolves after the header, then decodes entries on demand. */
export async function openImageStream(source: ByteSource, options: ReadOptions = {}): Promise<ImageStream> {
  const framed = await openFramedStream(source, options);
  const { header } = framed;
  async function* entries(): AsyncGenerator<DecodedEntry> {
    for await (const e of framed.entries) yield decodeEntry(header, e);
  }
  return { header, entries: entries(), raw: framed.raw };
}

/**
 * Decodes an image as it streams in, holding one entry at a time. Yields
 * `{ message, extra }` per entry; a raw image yields nothing (use
 * openImageStream for its bytes).
 */
export async function* readImageEntries(source: ByteSource, options: ReadOptions = {}): AsyncGenerator<DecodedEntry> {
  const s = await openImageStream(source, options);
  yield* s.entries;
}

/** Encodes entries as they come, yielding the image's bytes in chunks. */
export async function* writeImageStream(
  header: ImageHeader,
  entries: AsyncIterable<{ message: Message; extra?: unknown }> | Iterable<{ message: Message; extra?: unknown }>,
): AsyncGenerator<Uint8Array> {
  let i = 0;
  async function* framed() {
    for await (const e of entries) yield encodeEntry(header, i++, e.message, e.extra);
  }
  yield* writeFramedStream(header, framed());
}
