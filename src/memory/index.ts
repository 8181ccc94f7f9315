/** criu-image/memory: process memory of a checkpoint (pagemaps, pages, parent chains). */
export { coverage, type PagemapRuns, type PageRun, pagemapRuns } from "./runs.js";
