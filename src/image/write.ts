import type { Message } from "@bufbuild/protobuf";
import { CriuImageError } from "../framing/errors.js";
import { kindOfHeader } from "../framing/header.js";
import { entrySchema } from "../framing/rules.js";
import type { FramedEntry, FramedImage, ImageHeader } from "../framing/types.js";
import { writeFramed } from "../framing/write.js";
import { EXTRA_CODECS } from "./extras.js";
import { encodeMessage } from "./message-codec.js";
import { messageSchema } from "./registry.js";
import type { CriuImage } from "./types.js";

/** Encodes entry `index` of an image back to framing form. */
export function encodeEntry(header: ImageHeader, index: number, message: Message, extra: unknown): FramedEntry {
  const kind = kindOfHeader(header);
  const schema = entrySchema(kind, index);
  const desc = messageSchema(schema);
  const where = { image: header.name, offset: index };
  if (message.$typeName !== desc.typeName) {
    throw new CriuImageError(
      "INVALID",
      header.name,
      index,
      `a ${desc.typeName} message as entry ${index}`,
      `got ${message.$typeName}`,
    );
  }
  const payload = encodeMessage(desc, message, where);
  const codec = EXTRA_CODECS[kind.extra];
  const bytes = codec ? codec.encode(message, extra, where) : undefined;
  return bytes === undefined ? { schema, payload } : { schema, payload, extra: bytes };
}

/** Turns a typed image back into framing form. */
export function encodeImage(image: CriuImage): FramedImage {
  const { entries, extras, ...rest } = image as CriuImage & { raw?: Uint8Array };
  // A raw image has no entries: its bytes are in `raw`, which `rest` carries.
  const out: FramedEntry[] = entries.map((e, i) => encodeEntry(image, i, e as Message, extras?.[i]));
  return { ...rest, entries: out };
}

/**
 * Encodes a typed image. Messages that were read and not changed are written
 * as the exact bytes they came from; an image read with readImage and not
 * changed comes back byte for byte. Throws CriuImageError when an extra does
 * not agree with its entry or a required field is missing.
 */
export function writeImage(image: CriuImage): Uint8Array {
  return writeFramed(encodeImage(image));
}
