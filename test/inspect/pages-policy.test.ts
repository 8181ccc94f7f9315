/**
 * What an archive read in one pass keeps of each pages file: exactly the
 * bytes of every task's command line and environment, located here from
 * crit's JSON of mm-*.img and pagemap-*.img (present pages are stored back
 * to back in pagemap order), not from our pagemap reader.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cmdlineAndEnvPages } from "../../src/inspect/index.js";
import { corpusDumps } from "../helpers/corpus.js";

const PE_PRESENT = 4;

/** Offsets into pages-<id>.img of the bytes of [start, end) of one task, from crit's pagemap entries. */
function offsets(pagemap: { pages_id?: number; vaddr?: number; nr_pages?: number; flags?: number }[], id: number) {
  return (start: number, end: number, into: Set<number>) => {
    if (pagemap[0]?.pages_id !== id) return;
    let offset = 0;
    for (const e of pagemap.slice(1)) {
      const from = e.vaddr as number;
      const to = from + (e.nr_pages as number) * 4096;
      if (((e.flags as number) & PE_PRESENT) === 0) continue;
      for (let a = Math.max(from, start); a < Math.min(to, end); a++) into.add(offset + (a - from));
      offset += to - from;
    }
  };
}

describe("cmdlineAndEnvPages", () => {
  it("keeps exactly the bytes of every task's command line and environment, for every dump", () => {
    let files = 0;
    for (const d of corpusDumps()) {
      if (!existsSync(d.crit)) continue;
      const names = readdirSync(d.dir);
      const earlier = new Map(
        names
          .filter((n) => /^(mm|pagemap)-\d+\.img$/.test(n))
          .map((n) => [n, new Uint8Array(readFileSync(join(d.dir, n)))]),
      );
      for (const pages of names.filter((n) => /^pages-\d+\.img$/.test(n))) {
        const id = Number(/\d+/.exec(pages)?.[0]);
        const size = statSync(join(d.dir, pages)).size;
        const expected = new Set<number>();
        for (const n of names) {
          const pid = /^mm-(\d+)\.img$/.exec(n)?.[1];
          const mmJson = join(d.crit, `mm-${pid}.img.json`);
          const pmJson = join(d.crit, `pagemap-${pid}.img.json`);
          if (!pid || !existsSync(mmJson) || !existsSync(pmJson)) continue;
          const mm = JSON.parse(readFileSync(mmJson, "utf8")).entries[0];
          const at = offsets(JSON.parse(readFileSync(pmJson, "utf8")).entries, id);
          at(mm.mm_arg_start, mm.mm_arg_end, expected);
          at(mm.mm_env_start, mm.mm_env_end, expected);
        }
        const kept = new Set<number>();
        const keep = cmdlineAndEnvPages(pages, size, earlier);
        if (!Array.isArray(keep)) throw new Error(`${pages}: ${keep}`);
        for (const [offset, length] of keep) {
          expect(offset + length, `${d.scenario} ${pages}`).toBeLessThanOrEqual(size);
          for (let i = 0; i < length; i++) kept.add(offset + i);
        }
        expect(
          [...kept].sort((a, b) => a - b),
          `${d.scenario} ${pages}`,
        ).toEqual([...expected].filter((o) => o < size).sort((a, b) => a - b));
        files++;
      }
    }
    expect(files).toBeGreaterThan(10);
  });

  it("keeps nothing of other files, of pages files no pagemap names, or for damaged images", () => {
    const earlier = new Map([
      ["mm-1.img", new Uint8Array([1, 2, 3])],
      ["pagemap-1.img", new Uint8Array([4, 5, 6])],
    ]);
    expect(cmdlineAndEnvPages("core-1.img", 10, earlier)).toBeUndefined();
    expect(cmdlineAndEnvPages("pages-x.img", 10, earlier)).toBeUndefined();
    expect(cmdlineAndEnvPages("pages-1.img", 10, earlier)).toEqual([]);
    expect(cmdlineAndEnvPages("pages-1.img", 10, new Map())).toEqual([]);
  });

  it("takes ids of any length, whole names only, whole ranges inside the file only, and present pages only", async () => {
    const { Checkpoint } = await import("../../src/checkpoint/index.js");
    const { editImage } = await import("../helpers/checkpoints.js");
    const dir = join(corpusDumps().find((d) => d.scenario === "simple")?.dir ?? "");
    const mm = new Uint8Array(readFileSync(join(dir, "mm-11146.img")));
    const pmBytes = new Uint8Array(readFileSync(join(dir, "pagemap-11146.img")));
    const files = new Map([
      ["mm-11146.img", mm],
      ["pagemap-11146.img", pmBytes],
    ]);
    const pagesId = (Checkpoint.of(files).first("pagemap-11146.img", "PAGEMAP") as { pagesId: number }).pagesId;
    const name = `pages-${pagesId}.img`;
    const size = statSync(join(dir, name)).size;
    const keep = cmdlineAndEnvPages(name, size, files) as [number, number][];
    expect(keep.length).toBeGreaterThan(0);
    // Another id, two digits long: the same ranges under that name.
    editImage<"PAGEMAP">(files, "pagemap-11146.img", (img) => {
      const h = img.entries[0];
      if (h && "pagesId" in h) h.pagesId = 12;
    });
    expect(cmdlineAndEnvPages("pages-12.img", size, files)).toEqual(keep);
    for (const odd of ["xpages-12.img", "pages-12.img.bak", "pages-1x.img"])
      expect(cmdlineAndEnvPages(odd, size, files), odd).toBeUndefined();
    // A file cut short keeps only the ranges wholly inside it.
    const cut = Math.max(...keep.map(([o, l]) => o + l)) - 1;
    expect(cmdlineAndEnvPages("pages-12.img", cut, files)).toEqual(keep.filter(([o, l]) => o + l <= cut));
    // A range ending exactly at the file's end is whole.
    expect(cmdlineAndEnvPages("pages-12.img", cut + 1, files)).toEqual(keep);
    // Only pagemap-<pid>.img names a pagemap: the same bytes under another name name nothing.
    for (const odd of ["xpagemap-11146.img", "pagemap-11146.img.bak"]) {
      const renamed = new Map([
        ["mm-11146.img", mm],
        [odd, files.get("pagemap-11146.img") as Uint8Array],
      ]);
      expect(cmdlineAndEnvPages("pages-12.img", size, renamed), odd).toEqual([]);
    }
    // Pages that are not stored here (PE_LAZY alone) are kept from no file.
    editImage<"PAGEMAP">(files, "pagemap-11146.img", (img) => {
      for (const e of img.entries.slice(1)) if ("flags" in e) e.flags = 2;
    });
    expect(cmdlineAndEnvPages("pages-12.img", size, files)).toEqual([]);
  });
});
