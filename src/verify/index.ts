/**
 * criu-image/verify: consistency checks of whole checkpoints.
 *
 * @module criu-image/verify
 */
export type { VerifyCheck, VerifyOptions, VerifyProblem, VerifyReport } from "./types.js";
export { verifyCheckpoint, verifyProblems } from "./verify.js";
