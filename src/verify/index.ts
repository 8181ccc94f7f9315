/** Consistency checks of whole checkpoints. */
export { type Problem, type VerifyOptions, verifyCheckpoint } from "./verify.js";
