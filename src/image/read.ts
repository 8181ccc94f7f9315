import type { Message } from "@bufbuild/protobuf";
import { kindByName } from "../framing/kinds.js";
import { readFramed } from "../framing/read.js";
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
  const kind = kindByName(header.kind);
  const where = { image: header.name, offset: (entry.offset ?? 0) + 4 };
  const message = decodeMessage(messageSchema(entry.schema), entry.payload, where);
  const codec = kind ? EXTRA_CODECS[kind.extra] : undefined;
  return { message, extra: codec ? codec.decode(message, entry.extra, where) : undefined };
}

/** Decodes a framed image into typed entries. */
export function decodeImage(framed: FramedImage): CriuImage {
  const { entries: framedEntries, raw, ...header } = framed;
  if (framed.format === "raw") {
    return { ...header, entries: [], raw: raw ?? new Uint8Array(0) } as CriuImage;
  }
  const kind = kindByName(framed.kind);
  const hasExtras = kind !== undefined && EXTRA_CODECS[kind.extra] !== undefined;
  const entries: Message[] = new Array(framedEntries.length);
  const extras: unknown[] | undefined = hasExtras ? new Array(framedEntries.length) : undefined;
  for (let i = 0; i < framedEntries.length; i++) {
    const d = decodeEntry(framed, framedEntries[i] as FramedEntry);
    entries[i] = d.message;
    if (extras) extras[i] = d.extra;
  }
  return (extras ? { ...header, entries, extras } : { ...header, entries }) as CriuImage;
}

/**
 * Reads a whole image from memory: `kind` says what it is, `entries` holds
 * typed messages (and `extras` what follows each, for kinds that have it).
 * Pass the file name so raw images are recognised. Throws CriuImageError.
 */
export function readImage(bytes: Uint8Array, options: ReadOptions = {}): CriuImage {
  return decodeImage(readFramed(bytes, options));
}
