/**
 * criu-image/node: checkpoints on disk: folders, archives, atomic writes.
 *
 * @module criu-image/node
 */

export { type ArchiveSourceOptions, openArchiveSource } from "./archive.js";
export { type WriteFileOptions, writeFileAtomic } from "./atomic.js";
export { FileError } from "./errors.js";
export { openImageFile, readImageFile, writeImageFile } from "./files.js";
export { type FolderOptions, openFolderSource } from "./folder.js";
export { type NodeHostOptions, nodeHost, parseProcNet } from "./host.js";
export type { LockOptions } from "./lock.js";
export { mappedFilesUnder } from "./mapped-files.js";
export { type OpenOptions, openCheckpoint, type PathKind, pagesForRandomAccess, pathKind } from "./open.js";
export {
  applyToCheckpoint,
  type EditDirOptions,
  editCheckpointDir,
  type Produced,
  type RewriteDirOptions,
  type RewriteDirResult,
  type RewriteTogetherOptions,
  recoverCheckpointDir,
  redactCheckpointDir,
  rewriteCheckpointDir,
  rewriteCheckpointsTogether,
} from "./rewrite.js";
export { verifyCheckpointDir } from "./verify.js";
