/**
 * criu-image: read, write and stream CRIU checkpoint images as typed
 * protobuf-es messages. Runs anywhere with Uint8Array and TextDecoder; the
 * file-system helpers are in "criu-image/node".
 *
 * @module criu-image
 */

export * from "./framing/index.js";
// The generated descriptors and enums are values of "criu-image/schema"; the root keeps their types.
export type * from "./gen/index.js";
export * from "./image/index.js";
