import type { Checkpoint } from "../../checkpoint/checkpoint.js";
import { CriuImageError } from "../../framing/errors.js";
import { PE_PARENT } from "../../image/pagemap.js";
import { coverage, type PagemapRuns, pagemapRuns } from "../../memory/runs.js";
import type { VerifyContext } from "../context.js";

/**
 * Pagemaps against the size of their pages image, and PE_PARENT pages
 * against the parent chain (pagemap.c). The chain is followed once: a link
 * that cannot be followed (a cycle, one too deep) is one problem, and the
 * dumps reached before it are still checked.
 */
export function* checkPages(ctx: VerifyContext): Generator<void> {
  const { cp, pageSize, images, parents } = ctx;
  const chain: Checkpoint[] = [];
  try {
    for (let p = cp.parent; p; p = p.parent) chain.push(p);
  } catch (e) {
    if (!(e instanceof CriuImageError)) throw e;
    ctx.problem("parent", "parent", e.message);
  }
  for (const p of chain) parents.push(p.label);
  // A parent's pagemap is read once however many runs of the top dump need it.
  const parentRuns = chain.map(() => new Map<string, PagemapRuns | null>());
  const runsIn = (level: number, name: string): PagemapRuns | null => {
    const m = parentRuns[level] as Map<string, PagemapRuns | null>;
    let r = m.get(name);
    if (r === undefined) {
      r = null;
      const c = chain[level] as Checkpoint;
      try {
        const img = c.has(name) ? c.kind(name, "PAGEMAP") : undefined;
        if (img) r = pagemapRuns(img, pageSize);
      } catch (e) {
        if (!(e instanceof CriuImageError)) throw e;
      }
      m.set(name, r);
    }
    return r;
  };
  for (const [name, img] of images) {
    if (img.kind !== "PAGEMAP") continue;
    // Restore reads the head before anything else (pagemap.c, open_page_read_at).
    if (img.entries.length === 0) ctx.problem(name, "pages", "no pagemap_head");
    const runs = pagemapRuns(img, pageSize);
    const pages = `pages-${runs.pagesId}.img`;
    const size = cp.size(pages);
    if (size === undefined) {
      if (runs.presentPages > 0n)
        ctx.problem(name, "pages", `pages_id ${runs.pagesId} names ${pages}, which is missing`, 0);
    } else if (BigInt(size) !== runs.presentPages * BigInt(pageSize)) {
      ctx.problem(
        name,
        "pages",
        `${runs.presentPages} present pages (${runs.presentPages * BigInt(pageSize)} bytes) but ${pages} has ${size} bytes`,
      );
    }
    for (const [k, r] of runs.runs.entries()) {
      if (!(r.flags & PE_PARENT)) continue;
      const where = `pages 0x${r.start.toString(16)}-0x${r.end.toString(16)} are in the parent dump`;
      const link = cp.source.parentLink;
      const why =
        chain.length === 0
          ? `there is no parent (${link ? `parent leads to ${link}, which cannot be read` : "no parent link"})`
          : parentLack(chain, runsIn, name, r.start, r.end);
      // Entry k + 1: entry 0 of a pagemap is its head.
      if (why) ctx.problem(name, "parent", `${where}, but ${why}`, k + 1);
      yield;
    }
    yield;
  }
}

/**
 * Why the pages [start, end) of pagemap `name` cannot be found up the chain, or undefined when every page is
 * there. A dump's run either holds a page or sends it on to the next parent. The chain is not empty.
 */
function parentLack(
  chain: readonly Checkpoint[],
  runsIn: (level: number, name: string) => PagemapRuns | null,
  name: string,
  start: bigint,
  end: bigint,
): string | undefined {
  let todo: [bigint, bigint][] = [[start, end]];
  for (let level = 0; todo.length > 0; level++) {
    const c = chain[level];
    if (!c) return `the chain ends at ${(chain[level - 1] as Checkpoint).label} (${level} up) before reaching them`;
    const pr = runsIn(level, name);
    if (!pr) return `${c.label} has no ${name}`;
    const next: [bigint, bigint][] = [];
    for (const [a, b] of todo) {
      const cov = coverage(pr.runs, a, b);
      const [m] = cov.missing;
      if (m) return `${c.label}/${name} lacks 0x${m[0].toString(16)}-0x${m[1].toString(16)}`;
      for (const x of cov.inParent) next.push(x);
    }
    todo = next;
  }
  return undefined;
}
