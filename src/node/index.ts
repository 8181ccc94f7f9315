/** criu-image/node: file and directory helpers for Node.js. */

export {
  type Compression,
  isArchive,
  type OpenedCheckpoint,
  openCheckpoint,
  readCheckpointArchive,
  rewriteCheckpointArchive,
} from "./archive.js";
export { syncDir, TEMP_PREFIX, writeFileAtomic, writeTemp } from "./atomic.js";
export {
  JOURNAL,
  loadCheckpointForTcp,
  neededForRewrite,
  type RewriteDirOptions,
  type RewriteDirResult,
  recoverCheckpointDir,
  replaceFilesAtomically,
  rewriteCheckpointDir,
  verifyCheckpointDir,
} from "./checkpoint-dir.js";
export {
  listCheckpointDir,
  loadCheckpointDir,
  openImageFile,
  readImageFile,
  writeImageFile,
} from "./files.js";
