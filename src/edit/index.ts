/**
 * criu-image/edit: change a checkpoint in tested code, and redact secrets from it.
 *
 * @module criu-image/edit
 */
export { type EditResult, editCheckpoint } from "./edit.js";
export { type Redaction, type RedactOptions, type RedactResult, redact, redactCheckpoint } from "./redact.js";
export { EditSession } from "./session.js";
