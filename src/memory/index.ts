/**
 * criu-image/memory: process memory of a checkpoint: maps, page states, reads, search, strings.
 *
 * @module criu-image/memory
 */
export {
  memoryMap,
  type PageCounts,
  protText,
  runsOf,
  VMA,
  type VmaKind,
  type VmaMap,
  vmaKind,
  vmaPagemap,
} from "./map.js";
export {
  locateMemory,
  type MemoryBytes,
  type MemoryOptions,
  type MemoryRange,
  pageSizeOf,
  readMemory,
  type StoredSpan,
  vmasOf,
} from "./read.js";
export { coverage, firstRun, type PagemapRuns, type PageRun, pagemapRuns, runPieces } from "./runs.js";
export {
  type MemoryMatch,
  type MemoryString,
  memoryStrings,
  type PatternEncoding,
  patternBytes,
  type SearchOptions,
  type StringsOptions,
  searchMemory,
} from "./search.js";
export { type MemorySummary, memorySummary, type ProcessMemory } from "./summary.js";
