/** criu-image/json: crit-compatible JSON, both ways. */

export { decodeMimeBase64, encodeMimeBase64 } from "./base64.js";
export { CritJsonError, JsonNumber } from "./errors.js";
export { type FromCritJsonOptions, fromCritJson } from "./from-crit.js";
export { type CritJsonStream, type CritStreamEntry, openCritJsonStream } from "./from-crit-stream.js";
export { formatAddress, parseAddress } from "./ip.js";
export { type JsonValue, parseJson } from "./parse.js";
export { decodeQuopri, encodeQuopri, encodeUnixName } from "./quopri.js";
export {
  type CritJsonOptions,
  CritJsonWriter,
  critInfo,
  critInfoOf,
  humanSize,
  toCritJson,
} from "./to-crit.js";
