/** Dump statistics (stats-dump): times in microseconds, page counts. */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { readImage } from "../image/read.js";

/** CRIU's statistics of a dump: times and page counts. */
export interface StatsView {
  freezingTimeUs: number;
  frozenTimeUs: number;
  memdumpTimeUs: number;
  memwriteTimeUs: number;
  pagesScanned: string;
  pagesSkippedParent: string;
  pagesWritten: string;
  pagesLazy: string;
}

/** The statistics of the dump from stats-dump, or null without it. */
export function dumpStats(cp: Checkpoint): StatsView | null {
  // Archives keep stats-dump beside the images too.
  let d = cp.first("stats-dump", "STATS")?.dump;
  const beside = cp.source.companions.get("stats-dump");
  if (!d && beside) {
    const img = readImage(beside.bytes(), { name: "stats-dump" });
    d = img.kind === "STATS" ? img.entries[0]?.dump : undefined;
  }
  if (!d) return null;
  return {
    freezingTimeUs: d.freezingTime,
    frozenTimeUs: d.frozenTime,
    memdumpTimeUs: d.memdumpTime,
    memwriteTimeUs: d.memwriteTime,
    pagesScanned: String(d.pagesScanned),
    pagesSkippedParent: String(d.pagesSkippedParent),
    pagesWritten: String(d.pagesWritten),
    pagesLazy: String(d.pagesLazy),
  };
}
