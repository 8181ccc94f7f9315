/** memorySummary on the corpus, against what its README and its files say. */
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memorySummary } from "../../src/memory/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusRoot } from "../helpers/corpus.js";

const size = (dir: string, name: string) => statSync(join(dir, name)).size;

describe("memorySummary", () => {
  it("counts each task's pages by where they are (the memory scenario)", async () => {
    const dir = join(corpusRoot, "images", "memory");
    const cp = await openCheckpoint(dir);
    const s = memorySummary(cp);
    expect(s.pageSize).toBe(4096);
    const [parent, child] = s.processes;
    // README: parent 29313 has its private pages in pages-2.img, the child (mem_child) in pages-3.img; both map the
    // shared memory, whose two written pages are pages-1.img; nothing is in a parent dump.
    expect(parent).toMatchObject({ pid: 29313, dumped: size(dir, "pages-2.img"), parent: 0 });
    expect(child).toMatchObject({ pid: 29316, comm: "mem_child", dumped: size(dir, "pages-3.img"), parent: 0 });
    for (const p of [parent, child]) {
      expect(p?.shared).toBe(size(dir, "pages-1.img"));
      expect(p?.vmas).toBe(cp.first(`mm-${p?.pid}.img`, "MM")?.vmas.length);
      // Anonymous pages are PE_PRESENT | PE_LAZY: dumped, so none is left for a lazy restore.
      expect(p?.lazy).toBe(0);
    }
    // The parent's 64 MiB mapping has 3 dumped pages: most of it was never dumped.
    expect(parent?.notDumped).toBeGreaterThan(64 << 20);
    expect(child?.notDumped).toBeLessThan(64 << 20);
  });

  it("counts pages kept in the parent dump of a pre-dump chain", async () => {
    const s = memorySummary(await openCheckpoint(join(corpusRoot, "chains", "images", "predump", "2")));
    // README: 14 PE_PARENT entries in pagemap-188.img, 10 in pagemap-193.img, each of one page or more.
    const [p188, p193] = s.processes;
    expect(p188?.pid).toBe(188);
    expect(p188?.parent).toBeGreaterThanOrEqual(14 * 4096);
    expect(p193?.parent).toBeGreaterThanOrEqual(10 * 4096);
  });

  it("adds up to every mapped byte; lazy pages and a task without its core image", async () => {
    const { readFileSync } = await import("node:fs");
    const { Checkpoint } = await import("../../src/checkpoint/index.js");
    const { corpusDump, editImage } = await import("../helpers/checkpoints.js");
    const dir = join(corpusRoot, "images", "memory");
    const files = corpusDump("memory");
    const crit = (n: string) => JSON.parse(readFileSync(join(corpusRoot, "crit", "memory", `${n}.json`), "utf8"));
    // crit: PE_PRESENT | PE_LAZY entries of the parent; made PE_LAZY alone, as a --lazy-pages dump leaves them.
    const lazyBytes = crit("pagemap-29313.img")
      .entries.slice(1)
      .filter((e: { flags: number }) => e.flags === 6)
      .reduce((n: number, e: { nr_pages: number }) => n + e.nr_pages * 4096, 0);
    expect(lazyBytes).toBeGreaterThan(0);
    editImage<"PAGEMAP">(files, "pagemap-29313.img", (img) => {
      for (const e of img.entries.slice(1)) if ("flags" in e && e.flags === 6) e.flags = 2;
    });
    files.delete("core-29316.img");
    // A core image without its task_core (CRIU always writes one; a hand-edited image may not): no name either.
    editImage<"CORE">(files, "core-29313.img", (img) => {
      for (const c of img.entries) c.tc = undefined;
    });
    const s = memorySummary(Checkpoint.of(files));
    const [parent, child] = s.processes;
    expect(parent?.lazy).toBe(lazyBytes);
    expect(parent?.dumped).toBe(size(dir, "pages-2.img") - lazyBytes);
    expect(parent?.comm).toBe("");
    expect(child?.comm).toBe("");
    expect(memorySummary(Checkpoint.of(corpusDump("memory"))).processes[0]?.comm).toBe(
      crit("core-29313.img").entries[0].tc.comm,
    );
    for (const p of s.processes) {
      const mapped = crit(`mm-${p.pid}.img`).entries[0].vmas.reduce(
        (n: number, v: { start: string; end: string }) => n + Number(v.end) - Number(v.start),
        0,
      );
      expect(p.dumped + p.shared + p.parent + p.lazy + p.notDumped, `pid ${p.pid}`).toBe(mapped);
    }
  });
});
