/**
 * Shared memory read the long way: ranges of the memory scenario's shared
 * mapping (corpus README: 4 pages at 0x7f58bc353000, pages 0 and 1 written,
 * stored in pagemap-shmem-1045 / pages-1.img) that the one-read path cannot
 * serve, so the shift between the task's addresses and the shared object's
 * offsets is taken on every step: across the VMA before it, into the pages
 * never written, and where each byte is stored.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { locateMemory, readMemory } from "../../src/memory/index.js";
import { corpusDump } from "../helpers/checkpoints.js";
import { corpusRoot } from "../helpers/corpus.js";
import { memoryMarkers } from "../helpers/markers.js";

const cp = () => Checkpoint.of(corpusDump("memory"));
const SHMEM = 0x7f58bc353000n;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("shared memory through its own pagemap", () => {
  it("the whole mapping in one read: both markers at their offsets, the two unwritten pages unknown", async () => {
    const c = cp();
    const shared = memoryMarkers().filter((m) => m.task === "both");
    expect(shared.length).toBe(2);
    for (const pid of [29313, 29316]) {
      const r = await readMemory(c, pid, SHMEM, 4 * 4096);
      expect(r.unknown).toEqual([{ start: SHMEM + 2n * 4096n, end: SHMEM + 4n * 4096n }]);
      for (const m of shared) {
        const at = Number((m.address as bigint) - SHMEM);
        expect(text(r.bytes.subarray(at, at + m.name.length)), `${pid} ${m.name}`).toBe(m.name);
      }
      expect(r.bytes.subarray(2 * 4096).every((b) => b === 0)).toBe(true);
    }
  });

  it("a read that starts in the VMA before it: that part unknown, the rest from the shared object", async () => {
    const r = await readMemory(cp(), 29313, SHMEM - 16n, 16 + 0x1d8 + 16);
    expect(r.unknown).toEqual([{ start: SHMEM - 16n, end: SHMEM }]);
    expect(text(r.bytes.subarray(16 + 0x1d8, 16 + 0x1d8 + 16))).toBe("MARK-SHMEM-alpha");
  });

  it("locateMemory names the shared object's pages file and offset; the unwritten pages are refused", () => {
    const spans = locateMemory(cp(), 29316, SHMEM + 0x1d8n - 8n, 4096);
    expect(spans.map((s) => [s.address, s.file, s.offset])).toEqual([[SHMEM + 0x1d8n - 8n, "pages-1.img", 0x1d0]]);
    expect(spans[0]?.length).toBe(4096);
    expect(() => locateMemory(cp(), 29316, SHMEM + 2n * 4096n - 4n, 8)).toThrow(
      `0x${(SHMEM + 2n * 4096n).toString(16)} of task 29316 was never dumped`,
    );
  });

  it("a shared anonymous mapping (MAP_SHARED | MAP_ANONYMOUS) is read from the shmem pagemap its shmid names", async () => {
    const { editImage } = await import("../helpers/checkpoints.js");
    const files = corpusDump("memory");
    // The memfd mapping made what CRIU writes for an anonymous shared one: VMA_AREA_REGULAR | VMA_ANON_SHARED
    // (criu/include/image.h), shmid the shared object's id, a page into it.
    editImage<"MM">(files, "mm-29316.img", (img) => {
      const v = img.entries[0]?.vmas.find((x) => x.start === SHMEM);
      if (!v) throw new Error("no shared VMA");
      v.status = 0x101;
      v.shmid = 1045n;
      v.pgoff = 4096n;
    });
    const anon = Checkpoint.of(files);
    const r = await readMemory(anon, 29316, SHMEM, 2 * 4096);
    const whole = await readMemory(cp(), 29316, SHMEM, 2 * 4096);
    // A page in: the task's first page is the object's second, and its second page was never written.
    expect(r.bytes.subarray(0, 4096)).toEqual(whole.bytes.subarray(4096));
    expect(r.unknown).toEqual([{ start: SHMEM + 4096n, end: SHMEM + 2n * 4096n }]);
    expect(locateMemory(anon, 29316, SHMEM + 8n, 8)).toEqual([
      { address: SHMEM + 8n, length: 8, file: "pages-1.img", offset: 4096 + 8 },
    ]);
  });
});

describe("a pre-dump (no mm image)", () => {
  it("is read through the task's own pagemap: stored bytes at their offsets, the rest unknown", async () => {
    const dir = join(corpusRoot, "chains", "images", "predump", "1");
    const pre = Checkpoint.of(
      new Map(
        readdirSync(dir)
          .filter((n) => n !== "parent")
          .map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]),
      ),
    );
    const pm = JSON.parse(
      readFileSync(join(corpusRoot, "chains", "crit", "predump", "1", "pagemap-188.img.json"), "utf8"),
    ).entries;
    const pages = new Uint8Array(readFileSync(join(dir, `pages-${pm[0].pages_id}.img`)));
    // crit: the stored (PE_PRESENT) entries, back to back in the pages file.
    let offset = 0;
    let checked = 0;
    for (const e of pm.slice(1)) {
      if (!(e.flags & 4)) continue;
      const r = await readMemory(pre, 188, BigInt(e.vaddr) + 8n, 16, { pageSize: 4096 });
      expect(r.unknown).toEqual([]);
      expect(r.bytes).toEqual(pages.subarray(offset + 8, offset + 24));
      offset += e.nr_pages * 4096;
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    const past = await readMemory(pre, 188, 0x1000n, 8, { pageSize: 4096 });
    expect(past.unknown).toEqual([{ start: 0x1000n, end: 0x1008n }]);
  });
});
