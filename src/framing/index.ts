/**
 * criu-image/framing: CRIU image framing without any dependency. Magics,
 * entry sizes, extra payloads and raw images; entries stay protobuf bytes.
 *
 * @module criu-image/framing
 */
export { CriuImageError, type CriuImageErrorCode } from "./errors.js";
/** @internal For criu-image's other layers (bundled apart); not part of the API. */
export { kindOfHeader } from "./header.js";
export {
  type EntryKindName,
  type ExtraKindName,
  type ExtraRule,
  IMAGE_KINDS,
  type ImageKindInfo,
  type KindSchemaNames,
  kindByFileName,
  kindByMagic,
  kindByName,
  type RawKindName,
} from "./kinds.js";
export { IMG_COMMON_MAGIC, IMG_SERVICE_MAGIC, INVENTORY_MAGIC } from "./magic.js";
export type { MsgRecord } from "./msg-records.js";
/** @internal For criu-image's other layers (bundled apart); not part of the API. */
export { splitMsgRecords } from "./msg-records.js";
export { type FramedIteration, iterateFramed, readFramed } from "./read.js";
/** @internal For criu-image's other layers (bundled apart); not part of the API. */
export { entrySchema, roundUp } from "./rules.js";
export { type ScanResult, scanFramed } from "./scan.js";
export {
  type ByteSource,
  chunksOf,
  type FramedStream,
  openFramedStream,
  readFramedStream,
} from "./stream.js";
export type { FramedEntry, FramedImage, ImageFormat, ImageHeader, ReadOptions } from "./types.js";
/** @internal For criu-image's other layers (bundled apart); not part of the API. */
export { readTag, readVarint, skipValue, VARINT, WireCursor, WireError } from "./wire.js";
export { headerBytes, writeFramed, writeFramedStream } from "./write.js";
