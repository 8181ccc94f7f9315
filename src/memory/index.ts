/** criu-image/memory: process memory of a checkpoint (pagemaps, pages, parent chains). */
export {
  type MemoryBytes,
  type MemoryOptions,
  type MemoryRange,
  pageSizeOf,
  readMemory,
  runsOf,
} from "./read.js";
export { coverage, type PagemapRuns, type PageRun, pagemapRuns } from "./runs.js";
