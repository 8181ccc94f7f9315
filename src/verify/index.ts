/** criu-image/verify: consistency checks of whole checkpoints. */
export {
  type Problem,
  type VerifyCheck,
  type VerifyOptions,
  type VerifyProblem,
  type VerifyReport,
  verifyCheckpoint,
} from "./verify.js";
