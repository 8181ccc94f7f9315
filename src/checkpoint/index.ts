/**
 * criu-image/checkpoint: one model of a checkpoint over any image source.
 *
 * @module criu-image/checkpoint
 */
export { Checkpoint, type CheckpointLike, type DumpKind, type OtherFile } from "./checkpoint.js";
export { companionBesideImages, companionInImages } from "./companions.js";
export { layoutOf, type MembersOptions, type SourceMember, sourceFromMembers } from "./members.js";
export {
  type ArchiveLayout,
  absentFile,
  type ImageSource,
  type KeepRanges,
  type MemorySourceOptions,
  memoryFile,
  memorySource,
  overlaySource,
  type PagesPolicy,
  type SourceFile,
  type SourceNote,
  sparseFile,
} from "./source.js";
export { TASK_ALIVE, TASK_DEAD, TASK_STOPPED, TASK_ZOMBIE, type TaskState, taskStateName } from "./tasks.js";
