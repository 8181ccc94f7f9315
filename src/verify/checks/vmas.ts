import { VMA_STATUS } from "../../image/names.js";
import { PE_PARENT, PE_PRESENT } from "../../image/pagemap.js";
import { pagemapRuns } from "../../memory/runs.js";
import type { VerifyContext } from "../context.js";

/** Above this, no user address of any 64-bit architecture CRIU dumps (5-level paging ends below 2^57). */
const USER_END = 1n << 57n;

const hex = (a: bigint) => `0x${a.toString(16)}`;

/**
 * Each task's VMAs against themselves and its pagemap: ordered, page
 * aligned, not overlapping, inside the user address space; and every page
 * the pagemap holds inside a VMA (restore walks the VMAs and the pagemap
 * together and fails on a page outside them: mem.c, restore_priv_vma_content).
 * A VMA's size alone is no problem (a reserved heap holds few pages); the
 * readers follow the pagemap, so a claimed terabyte costs nothing.
 */
export function* checkVmas(ctx: VerifyContext): Generator<void> {
  const { pageSize } = ctx;
  const ps = BigInt(pageSize);
  // What parse kept: a pstree that does not parse is its own problem.
  for (const t of ctx.get<"PSTREE">("pstree.img")?.entries ?? []) {
    const mmName = `mm-${t.pid}.img`;
    const mm = ctx.get<"MM">(mmName)?.entries[0];
    if (!mm) continue;
    const vmas = mm.vmas;
    let before: { start: bigint; end: bigint } | undefined;
    vmas.forEach((v, i) => {
      const at = `VMA ${hex(v.start)}-${hex(v.end)}`;
      if (v.end <= v.start) ctx.problem(mmName, "vmas", `${at} ends where it starts or before`, 0);
      else if (v.start % ps !== 0n || v.end % ps !== 0n)
        ctx.problem(mmName, "vmas", `${at} is not aligned to the ${pageSize}-byte page`, 0);
      else if (v.end > USER_END && !(v.status & VMA_STATUS.VSYSCALL))
        ctx.problem(mmName, "vmas", `${at} ends above the user address space`, 0);
      else if (before && v.start < before.end)
        ctx.problem(
          mmName,
          "vmas",
          `${at} (number ${i}) overlaps or comes before ${hex(before.start)}-${hex(before.end)}`,
          0,
        );
      before = v;
    });
    const pmName = `pagemap-${t.pid}.img`;
    const pm = ctx.get<"PAGEMAP">(pmName);
    // A task without VMAs has nowhere to put pages: any it has are reported.
    if (!pm) continue;
    const runs = pagemapRuns(pm, pageSize).runs;
    let k = 0;
    for (const [i, r] of runs.entries()) {
      if (!(r.flags & (PE_PRESENT | PE_PARENT))) continue;
      // Runs and VMAs are both sorted by address in a good dump; a bad order is reported above or below.
      while (k < vmas.length && (vmas[k]?.end as bigint) <= r.start) k++;
      let at = r.start;
      for (let j = k; j < vmas.length && at < r.end; j++) {
        const v = vmas[j] as { start: bigint; end: bigint };
        if (v.start > at) break;
        if (v.end > at) at = v.end;
      }
      // Entry i + 1: entry 0 of a pagemap is its head.
      if (at < r.end)
        ctx.problem(
          pmName,
          "vmas",
          `pages ${hex(at)}-${hex(r.end)} are in no VMA of task ${t.pid}; restore fails on them`,
          i + 1,
        );
      yield;
    }
  }
}
