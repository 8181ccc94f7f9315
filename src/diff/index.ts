/**
 * criu-image/diff: how two checkpoints differ: semantically, entry by entry, page by page.
 *
 * @module criu-image/diff
 */
export { type DiffOptions, type DiffReport, diffCheckpoints } from "./diff.js";
export { diffImages, type EntryChange, type ImageChange } from "./images.js";
export { diffMemory, type PageChange } from "./memory.js";
export { diffSemantic, type SemanticChange, type SemanticKind } from "./semantic.js";
export { diffValues, entryJson, type FieldChange } from "./values.js";
