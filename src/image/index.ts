export {
  asV4,
  bytesToWords,
  displayAddress,
  displayEndpoint,
  formatAddress,
  formatBytes,
  formatWords,
  parseAddress,
  sameAddress,
  toV6,
  wordsToBytes,
} from "./address.js";
export { displayText } from "./display.js";
export type {
  EntryKind,
  ImageKind,
  IpcMessage,
  KindEntryTypes,
  KindExtraTypes,
  RawKind,
  SemValues,
  ShmContents,
  TcpQueues,
} from "./kind-types.js";
export {
  enumValueName,
  IPPROTO_TCP,
  SOCKET_NAMES,
  TASK_STATE_NAMES,
  unknownEnumValue,
  VMA_STATUS,
} from "./names.js";
export { PE_LAZY, PE_PARENT, PE_PRESENT, pagemapFlags, pagemapPages } from "./pagemap.js";
export { type DecodedEntry, decodeEntry, decodeImage, type ImageIteration, iterateImage, readImage } from "./read.js";
export { messageSchema, schemaRegistry } from "./registry.js";
export { type ImageStream, openImageStream, readImageEntries, writeImageStream } from "./stream.js";
export { decodeUtf8Lossless, encodeUtf8Lossless } from "./text-codec.js";
export type { CriuImage, EntryImage, ImageBase, ImageOf, RawImage } from "./types.js";
export { encodeEntry, encodeImage, writeImage } from "./write.js";
