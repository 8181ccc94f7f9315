/**
 * criu-image/coredump: ELF core files of a checkpoint's processes, for gdb and other core readers.
 *
 * @module criu-image/coredump
 */
export { CORE_ARCHES, type CoreArch, marchName } from "./arch.js";
export {
  type CoreDump,
  type CoreDumpOptions,
  type CoreTask,
  coreDump,
  coreTasks,
  type MappedFiles,
} from "./core.js";
export type { Note } from "./elf.js";
