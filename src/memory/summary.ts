/** How much memory each process of a checkpoint has, by where its pages are: what `mem` prints without --pid. */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { pageSizeOf, vmasOf } from "./read.js";

/** One process's memory, in bytes, by where its pages are. */
export interface ProcessMemory {
  pid: number;
  /** Its command name ("" for a task without a core). */
  comm: string;
  vmas: number;
  /** Private pages in this dump's pages images. */
  dumped: number;
  /** Pages kept in a parent (pre-dump) of this dump. */
  parent: number;
  /** Pages a lazy-pages restore fetches later. */
  lazy: number;
  /** Pages of shared memory (shared anonymous, memfd), counted in each process that maps them. */
  shared: number;
  /** Pages of mapped areas that were not dumped (never touched, or taken from files). */
  notDumped: number;
}

/** The memory of every process of a checkpoint. */
export interface MemorySummary {
  pageSize: number;
  processes: ProcessMemory[];
}

/** The memory of every process of a checkpoint, by where its pages are. */
export function memorySummary(cp: Checkpoint): MemorySummary {
  const ps = pageSizeOf(cp);
  const processes = cp.tasks().map((t) => {
    const s: ProcessMemory = {
      pid: t.pid,
      comm: cp.first(`core-${t.pid}.img`, "CORE")?.tc?.comm ?? "",
      vmas: 0,
      dumped: 0,
      parent: 0,
      lazy: 0,
      shared: 0,
      notDumped: 0,
    };
    for (const v of vmasOf(cp, t.pid, ps)) {
      s.vmas++;
      const shared = v.pagemap.startsWith("pagemap-shmem-");
      s.dumped += shared ? 0 : v.pages.present * ps;
      s.shared += shared ? v.pages.present * ps : 0;
      s.parent += v.pages.parent * ps;
      s.lazy += v.pages.lazy * ps;
      s.notDumped += v.pages.notDumped * ps;
    }
    return s;
  });
  return { pageSize: ps, processes };
}
