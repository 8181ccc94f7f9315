/**
 * What inspect needs of each pages file when an archive is read in one
 * pass: only the bytes of every task's cmdline and environment. An archive
 * lists mm-* and pagemap-* before pages-* (as Podman and tar of a folder
 * write them), so by the time a pages file streams by, its pagemaps say
 * where those bytes are. The rest of the pages is never held.
 */
import type { KeepRanges, PagesPolicy } from "../checkpoint/source.js";
import type { mm_entry } from "../gen/index.js";
import { PE_PRESENT } from "../image/pagemap.js";
import { readImage } from "../image/read.js";
import { pagemapRuns, runPieces } from "../memory/runs.js";

const PAGE = 4096;

/** The cmdline and environment ranges (runPieces gives nothing for an empty or reversed one). */
const ranges = (mm: mm_entry): [bigint, bigint][] => [
  [mm.mmArgStart, mm.mmArgEnd],
  [mm.mmEnvStart, mm.mmEnvEnd],
];

/** Keeps, of pages-<id>.img, the bytes holding cmdline and environment of every task whose pagemap names it. */
export const cmdlineAndEnvPages: PagesPolicy = (name, size, earlier) => {
  const id = /^pages-(\d+)\.img$/.exec(name)?.[1];
  if (id === undefined) return undefined;
  const keep: [number, number][] = [];
  for (const [n, bytes] of earlier) {
    const pid = /^pagemap-(\d+)\.img$/.exec(n)?.[1];
    const mmBytes = pid === undefined ? undefined : earlier.get(`mm-${pid}.img`);
    if (!mmBytes) continue;
    try {
      const pm = readImage(bytes, { name: n });
      const mm = readImage(mmBytes, { name: `mm-${pid}.img` });
      if (pm.kind !== "PAGEMAP" || mm.kind !== "MM" || !mm.entries[0]) continue;
      const runs = pagemapRuns(pm, PAGE);
      if (String(runs.pagesId) !== id) continue;
      for (const [start, end] of ranges(mm.entries[0])) {
        for (const [a, b, r] of runPieces(runs.runs, start, end)) {
          if (!r || !(r.flags & PE_PRESENT)) continue;
          const offset = Number(r.offset + (a - r.start));
          if (offset + Number(b - a) <= size) keep.push([offset, Number(b - a)]);
        }
      }
    } catch {
      // A damaged image: inspect reports it; nothing to keep for it here.
    }
  }
  return keep as KeepRanges;
};
