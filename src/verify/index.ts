/** criu-image/verify: consistency checks of whole checkpoints. */
export type { Problem, VerifyCheck, VerifyOptions, VerifyProblem, VerifyReport } from "./types.js";
export { verifyCheckpoint, verifyProblems } from "./verify.js";
