/**
 * criu-image/json: crit-compatible JSON, both ways.
 *
 * @module criu-image/json
 */

/** @internal For the CLI (bundled apart); not part of the API. */
export { critInfoForCount, critInfoForRaw } from "./crit-info.js";
export { CritJsonError, JsonNumber } from "./errors.js";
export { type FromCritJsonOptions, fromCritJson } from "./from-crit.js";
export { type CritJsonStream, type CritStreamEntry, openCritJsonStream } from "./from-crit-stream.js";
export { type JsonValue, parseJson } from "./parse.js";
/** @internal For criu-image/inspect (bundled apart); not part of the API. */
export { encodeQuopri } from "./quopri.js";
export { critJsonToImage, type ImageToCritJsonOptions, imageToCritJson } from "./stream-convert.js";
/** @internal For criu-image/tcp and criu-image/edit (bundled apart): format-preserving edits of engine metadata. */
export {
  type JsonPath,
  type JsonStringAt,
  jsonStrings,
  pathMatches,
  pathText,
  replaceJsonStrings,
} from "./text-edit.js";
export {
  CritJsonWriter,
  critInfo,
  type ToCritJsonOptions,
  toCritJson,
} from "./to-crit.js";
