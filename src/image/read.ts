import type { Message } from "@bufbuild/protobuf";
import { kindOfHeader } from "../framing/header.js";
import { kindByName } from "../framing/kinds.js";
import { iterateFramed, readFramed } from "../framing/read.js";
import type { FramedEntry, FramedImage, ImageHeader, ReadOptions } from "../framing/types.js";
import { EXTRA_CODECS } from "./extras.js";
import { decodeMessage } from "./message-codec.js";
import { messageSchema } from "./registry.js";
import type { CriuImage } from "./types.js";

/** One decoded entry with what follows it. */
export interface DecodedEntry<M extends Message = Message, X = unknown> {
  readonly message: M;
  /** The typed extra (see KindExtraTypes); undefined where the kind has none. */
  readonly extra: X;
}

/** Decodes one framed entry of an image with this header. */
export function decodeEntry(header: ImageHeader, entry: FramedEntry): DecodedEntry {
  return entryDecoder(header)(entry);
}

/** decodeEntry for every entry of one image: what depends on the image alone is looked up once. */
function entryDecoder(header: ImageHeader): (entry: FramedEntry) => DecodedEntry {
  const kind = kindByName(header.kind);
  const codec = kind ? EXTRA_CODECS[kind.extra] : undefined;
  let schema = "";
  let desc: ReturnType<typeof messageSchema> | undefined;
  return (entry) => {
    // Images hold one message type, or a head and then one: look it up when it changes.
    if (entry.schema !== schema || desc === undefined) {
      schema = entry.schema;
      desc = messageSchema(schema);
    }
    const where = { image: header.name, offset: (entry.offset ?? 0) + 4 };
    const message = decodeMessage(desc, entry.payload, where);
    return { message, extra: codec ? codec.decode(message, entry.extra, where) : undefined };
  };
}

/** Decodes a framed image into typed entries. */
export function decodeImage(framed: FramedImage): CriuImage {
  const { entries: framedEntries, raw, ...header } = framed;
  if (framed.format === "raw") {
    return { ...header, entries: [], raw: raw ?? new Uint8Array(0) } as CriuImage;
  }
  return collect(header, framedEntries);
}

/** The typed image of a header and its framed entries, decoded as they come. */
function collect(header: ImageHeader, framedEntries: Iterable<FramedEntry>): CriuImage {
  const extras: unknown[] | undefined = EXTRA_CODECS[kindOfHeader(header).extra] ? [] : undefined;
  const entries: Message[] = [];
  const decode = entryDecoder(header);
  for (const e of framedEntries) {
    const d = decode(e);
    entries.push(d.message);
    extras?.push(d.extra);
  }
  return (extras ? { ...header, entries, extras } : { ...header, entries }) as CriuImage;
}

/**
 * Reads a whole image from memory: `kind` says what it is, `entries` holds
 * typed messages (and `extras` what follows each, for kinds that have it).
 * Pass the file name so raw images are recognised. Throws CriuImageError.
 */
export function readImage(bytes: Uint8Array, options: ReadOptions = {}): CriuImage {
  // Entry by entry, so no framed entry outlives its decoding.
  const framed = iterateFramed(bytes, options);
  if (framed.header.format === "raw") return decodeImage(readFramed(bytes, options));
  return collect(framed.header, framed.entries());
}

/** An image held in memory whose entries are decoded one at a time, on demand. */
export interface ImageIteration {
  /** Read when `iterateImage` is called: a bad magic throws there. */
  readonly header: ImageHeader;
  /**
   * Each entry decoded when the loop reaches it and kept by nobody else.
   * Errors are the ones readImage throws, raised at the entry where they
   * are. Raw images have no entries. Each call walks anew.
   */
  entries(): Generator<DecodedEntry, void, undefined>;
}

/**
 * Decodes an image's entries one at a time, for images whose decoded trees
 * would outweigh their bytes many times over (a files.img of a million
 * sockets is 125 MB of bytes and gigabytes of messages): build an index
 * of what you need and let each entry go.
 */
export function iterateImage(bytes: Uint8Array, options: ReadOptions = {}): ImageIteration {
  const framed = iterateFramed(bytes, options);
  const { header } = framed;
  return {
    header,
    *entries() {
      const decode = entryDecoder(header);
      for (const e of framed.entries()) yield decode(e);
    },
  };
}
