/**
 * verify at the edges of its checks: pre-dump chains built page by page
 * (CRIU's pagemap.c: a PE_PARENT run is read from the nearest parent that
 * holds it, and a parent may send it further up), images with no entries or
 * with several where CRIU writes one, images that do not parse, and chains
 * that cannot be followed. Each case states the exact report.
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import { clone, create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { type ImageSource, memorySource } from "../../src/checkpoint/index.js";
import { type FramedEntry, readFramed } from "../../src/framing/index.js";
import { fifo_entrySchema, pagemap_entrySchema, type vma_entry, vma_entrySchema } from "../../src/gen/index.js";
import { type CriuImage, readImage, writeImage } from "../../src/index.js";
import { verifyCheckpoint } from "../../src/verify/index.js";
import { corpusCheckpoint, editImage, entryImage, legacyLayout } from "../helpers/checkpoints.js";
import { corpusRoot } from "../helpers/corpus.js";
import { withZombie, ZOMBIE_PID } from "../helpers/zombie.js";

const PE_PARENT = 1;
const PE_PRESENT = 4;
const PM = "pagemap-11202.img";
const MM = "mm-11202.img";
/** One pagemap run: address, pages, flags. */
type Run = [vaddr: number, pages: number, flags: number];

/** tcp4's pagemap of task 11202 with these runs after its head (pages_id 1). */
function pagemap(runs: Run[]): Uint8Array {
  const img = readImage(corpusCheckpoint("tcp4").get(PM) as Uint8Array, { name: PM });
  if (img.kind !== "PAGEMAP") throw new Error(PM);
  img.entries.splice(
    1,
    img.entries.length - 1,
    ...runs.map(([vaddr, nrPages, flags]) =>
      create(pagemap_entrySchema, { vaddr: BigInt(vaddr), compatNrPages: nrPages, flags }),
    ),
  );
  return writeImage(img);
}

/** tcp4 with task 11202's pagemap replaced: one present page, then two pages at 0x20000 in the parent. */
function top(parent: ImageSource | undefined): ImageSource {
  const cp = corpusCheckpoint("tcp4");
  cp.set(
    PM,
    pagemap([
      [0x10000, 1, PE_PRESENT],
      [0x20000, 2, PE_PARENT],
    ]),
  );
  // A private anonymous VMA that holds those pages, before the task's own.
  const mm = readImage(cp.get(MM) as Uint8Array, { name: MM });
  if (mm.kind !== "MM") throw new Error(MM);
  mm.entries[0]?.vmas.unshift(
    create(vma_entrySchema, {
      start: 0x10000n,
      end: 0x22000n,
      pgoff: 0n,
      shmid: 0n,
      prot: 3,
      flags: 0x22,
      status: 0x201,
      fd: -1n,
    }),
  );
  cp.set(MM, writeImage(mm));
  // pages-2.img at its real size, so that only this test's pagemap is in question.
  const sizes = tcp4Sizes();
  sizes.set("pages-1.img", 4096);
  return memorySource(cp, { sizes, parent });
}

/** A parent dump of one pagemap (all verify reads of a parent). */
const dump = (label: string, runs: Run[] | Uint8Array, parent?: ImageSource): ImageSource =>
  memorySource(new Map([[PM, runs instanceof Uint8Array ? runs : pagemap(runs)]]), { label, parent });

const where = "pages 0x20000-0x22000 are in the parent dump";

describe("pre-dump chains, page by page", () => {
  it("pages held by the parent, or sent on to a grandparent that holds them, are fine", () => {
    const held = verifyCheckpoint(top(dump("p1", [[0x20000, 2, PE_PRESENT]], dump("p2", []))));
    expect(held.problems).toEqual([]);
    // The grandparent has no such pagemap, and it does not matter: nothing was sent on to it.
    expect(held.parents).toEqual(["p1", "p2"]);
    const sentOn = verifyCheckpoint(
      top(
        dump(
          "p1",
          [
            [0x20000, 1, PE_PRESENT],
            [0x21000, 1, PE_PARENT],
          ],
          dump("p2", [[0x21000, 1, PE_PRESENT]]),
        ),
      ),
    );
    expect(sentOn.problems).toEqual([]);
  });

  it("a parent that lacks some of the pages: the first gap, against the run's entry", () => {
    const r = verifyCheckpoint(top(dump("p1", [[0x20000, 1, PE_PRESENT]])));
    expect(r.problems).toEqual([
      { image: PM, entry: 2, check: "parent", message: `${where}, but p1/${PM} lacks 0x21000-0x22000` },
    ]);
    const gap = verifyCheckpoint(
      top(
        dump("p1", [
          [0x1f000, 1, PE_PRESENT],
          [0x21000, 1, PE_PRESENT],
        ]),
      ),
    );
    expect(gap.problems).toEqual([
      { image: PM, entry: 2, check: "parent", message: `${where}, but p1/${PM} lacks 0x20000-0x21000` },
    ]);
  });

  it("a grandparent that lacks what the parent sent on", () => {
    const r = verifyCheckpoint(top(dump("p1", [[0x20000, 2, PE_PARENT]], dump("p2", [[0x20000, 1, PE_PRESENT]]))));
    expect(r.problems).toEqual([
      { image: PM, entry: 2, check: "parent", message: `${where}, but p2/${PM} lacks 0x21000-0x22000` },
    ]);
  });

  it("a chain that ends before the pages: how far up it ended", () => {
    const two = verifyCheckpoint(top(dump("p1", [[0x20000, 2, PE_PARENT]], dump("p2", [[0x20000, 2, PE_PARENT]]))));
    expect(two.problems).toEqual([
      {
        image: PM,
        entry: 2,
        check: "parent",
        message: `${where}, but the chain ends at p2 (2 up) before reaching them`,
      },
    ]);
  });

  it("a parent without the pagemap, or with one that does not parse, has none", () => {
    const none = verifyCheckpoint(top(memorySource(new Map(), { label: "p1" })));
    expect(none.problems).toEqual([{ image: PM, entry: 2, check: "parent", message: `${where}, but p1 has no ${PM}` }]);
    const whole = pagemap([[0x20000, 2, PE_PRESENT]]);
    const bad = verifyCheckpoint(top(dump("p1", whole.subarray(0, whole.length - 3))));
    expect(bad.problems).toEqual([{ image: PM, entry: 2, check: "parent", message: `${where}, but p1 has no ${PM}` }]);
    // Deeper in the chain too.
    const deep = verifyCheckpoint(top(dump("p1", [[0x20000, 2, PE_PARENT]], memorySource(new Map(), { label: "p2" }))));
    expect(deep.problems).toEqual([{ image: PM, entry: 2, check: "parent", message: `${where}, but p2 has no ${PM}` }]);
  });

  it("a parent link that loops is one problem; the dumps before the limit are still checked", () => {
    const loop = dump("loop", [[0x20000, 2, PE_PRESENT]]) as { parent?: ImageSource };
    loop.parent = loop as ImageSource;
    const r = verifyCheckpoint(top(loop as ImageSource));
    expect(r.problems).toEqual([
      { image: "parent", check: "parent", message: "loop/parent: at byte 0: expected a chain of at most 64 dumps" },
    ]);
    expect(r.parents).toHaveLength(64);
    expect(new Set(r.parents)).toEqual(new Set(["loop"]));
  });

  it("the top's pages image: missing while pages are present, and a pagemap without its head", () => {
    const cp = corpusCheckpoint("tcp4");
    const missing = verifyCheckpoint(memorySource(cp)).problems;
    expect(missing).toEqual([
      {
        image: "pagemap-11202.img",
        entry: 0,
        check: "pages",
        message: "pages_id 1 names pages-1.img, which is missing",
      },
      {
        image: "pagemap-11205.img",
        entry: 0,
        check: "pages",
        message: "pages_id 2 names pages-2.img, which is missing",
      },
    ]);
    editImage<"PAGEMAP">(cp, PM, (img) => {
      img.entries.length = 0;
    });
    const headless = verifyCheckpoint(memorySource(cp, { sizes: new Map([["pages-1.img", 4096]]) })).problems;
    expect(headless).toContainEqual({ image: PM, check: "pages", message: "no pagemap_head" });
  });
});

const twice = <K extends CriuImage["kind"]>(cp: Map<string, Uint8Array>, name: string) =>
  editImage<K>(cp, name, (img) => {
    (img.entries as unknown[]).push(img.entries[0]);
  });
const problemsOf = (cp: Map<string, Uint8Array>) => verifyCheckpoint(memorySource(cp, { sizes: tcp4Sizes() })).problems;
function tcp4Sizes(): Map<string, number> {
  const dir = join(corpusRoot, "images", "tcp4");
  return new Map(["pages-1.img", "pages-2.img"].map((n) => [n, statSync(join(dir, n)).size]));
}

describe("one entry where CRIU writes one", () => {
  it("the corpus checkpoint as it is has no problem", () => {
    expect(problemsOf(corpusCheckpoint("tcp4"))).toEqual([]);
  });

  it("ids: none or two entries", () => {
    const none = corpusCheckpoint("tcp4");
    editImage<"IDS">(none, "ids-11205.img", (img) => {
      img.entries.length = 0;
    });
    expect(problemsOf(none)).toEqual([{ image: "ids-11205.img", check: "ids", message: "0 entries, expected 1" }]);
    const two = corpusCheckpoint("tcp4");
    twice<"IDS">(two, "ids-11205.img");
    expect(problemsOf(two)).toEqual([{ image: "ids-11205.img", check: "ids", message: "2 entries, expected 1" }]);
  });

  it("inventory: none is reported as such, not read as an entry", () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"INVENTORY">(cp, "inventory.img", (img) => {
      img.entries.length = 0;
    });
    expect(problemsOf(cp)).toEqual([{ image: "inventory.img", check: "inventory", message: "0 entries, expected 1" }]);
  });

  it("a zombie's core and a task with no thread list: their own core, once", () => {
    const z = withZombie(corpusCheckpoint("tcp4"));
    twice<"CORE">(z, `core-${ZOMBIE_PID}.img`);
    expect(problemsOf(z)).toEqual([
      { image: `core-${ZOMBIE_PID}.img`, check: "tasks", message: "2 entries, expected 1" },
    ]);
    const bare = corpusCheckpoint("tcp4");
    editImage<"PSTREE">(bare, "pstree.img", (img) => {
      img.entries[1]!.threads = [];
    });
    twice<"CORE">(bare, "core-11205.img");
    expect(problemsOf(bare)).toEqual([{ image: "core-11205.img", check: "tasks", message: "2 entries, expected 1" }]);
  });
});

describe("images that do not parse", () => {
  const cut = (cp: Map<string, Uint8Array>, name: string) => cp.set(name, (cp.get(name) as Uint8Array).subarray(0, 13));

  it("are one parse problem each, and the checks that need them are skipped", () => {
    for (const name of ["inventory.img", "core-11205.img", "ids-11205.img", "pstree.img", "fdinfo-3.img"]) {
      const cp = corpusCheckpoint("tcp4");
      cut(cp, name);
      const p = problemsOf(cp);
      expect(
        p.map((x) => [x.image, x.check]),
        name,
      ).toEqual([[name, "parse"]]);
      expect(p[0]?.message, name).toMatch(new RegExp(`^${name.replace(".", "\\.")}: at byte \\d+: expected `));
    }
  });

  it("a files.img whose second entry does not decode adds none of its entries: the checks that need it are skipped", () => {
    const cp = corpusCheckpoint("tcp4");
    const files = (cp.get("files.img") as Uint8Array).slice();
    // The first entry decodes (and would be in the index); the fds name the others.
    const second = readFramed(files, { name: "files.img" }).entries[1] as FramedEntry;
    // Field number 0: no protobuf decoder takes it.
    files[(second.offset as number) + 4] = 0x07;
    cp.set("files.img", files);
    const p = problemsOf(cp);
    expect(p.map((x) => [x.image, x.check])).toEqual([["files.img", "parse"]]);
    expect(p[0]?.message).toMatch(/a valid file_entry entry/);
  });

  it("a failure that is not about the input is not hidden as a parse problem", () => {
    const src = memorySource(corpusCheckpoint("tcp4"), { sizes: tcp4Sizes() });
    const files = new Map(src.files);
    const real = files.get("core-11205.img")!;
    files.set("core-11205.img", {
      ...real,
      bytes: () => {
        throw new RangeError("a bug, not bad input");
      },
    });
    expect(() => verifyCheckpoint({ ...src, files })).toThrow(RangeError);
  });
});

describe("legacy layout", () => {
  it("a per-type file image that does not parse skips the fd check, before or after the images that do", () => {
    for (const name of ["fifo.img", "inetsk.img", "reg-files.img"]) {
      // files.img keeps the regular files unless reg-files.img is the one broken.
      const legacy = legacyLayout(corpusCheckpoint("tcp4"), { regFiles: name === "reg-files.img" });
      // A fifo.img read first: the index is off before files.img is read.
      if (name === "fifo.img")
        legacy.set(
          name,
          entryImage("FIFO", [
            create(fifo_entrySchema, { id: 99, pipeId: 1 }),
            create(fifo_entrySchema, { id: 100, pipeId: 2 }),
          ]),
        );
      const bytes = (legacy.get(name) as Uint8Array).slice();
      const second = readFramed(bytes, { name }).entries[1] as FramedEntry;
      // Field number 0: no protobuf decoder takes it.
      bytes[(second.offset as number) + 4] = 0x07;
      legacy.set(name, bytes);
      // Images are read in the source's order: the broken one first, then the rest as the dump has them.
      const ordered = new Map([[name, bytes], ...[...legacy].filter(([n]) => n !== name)]);
      // Not one problem per fd that names a file of the broken image.
      expect(
        problemsOf(ordered).map((p) => [p.image, p.check]),
        name,
      ).toEqual([[name, "parse"]]);
    }
  });

  it("the entry of an established socket in inetsk.img", () => {
    const legacy = legacyLayout(corpusCheckpoint("tcp4"));
    const inetsk = readImage(legacy.get("inetsk.img") as Uint8Array, { name: "inetsk.img" });
    if (inetsk.kind !== "INETSK") throw new Error("inetsk.img");
    const at = inetsk.entries.findIndex((s) => s.ino === 0x50cf3);
    expect(at).toBeGreaterThan(0);
    legacy.delete("tcp-stream-50cf3.img");
    expect(problemsOf(legacy)).toEqual([
      {
        image: "inetsk.img",
        entry: at,
        check: "tcp-stream",
        message: `established socket ${inetsk.entries[at]?.id} (ino 330995) has no tcp-stream-50cf3.img`,
      },
    ]);
  });
});

describe("file ids", () => {
  it("id 0 is a file id like any other: an fd naming it needs it in files.img", () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"FDINFO">(cp, "fdinfo-3.img", (img) => {
      img.entries[0]!.id = 0;
    });
    expect(problemsOf(cp)).toEqual([
      {
        image: "fdinfo-3.img",
        entry: 0,
        check: "fdinfo",
        message: "fd 0 names file id 0, which files.img does not have",
      },
    ]);
  });
});

describe("failures that are not about the input", () => {
  it("a parent source that fails, or a parent pagemap that fails, is not turned into a problem", () => {
    const broken = { ...dump("p1", [[0x20000, 2, PE_PRESENT]]) };
    Object.defineProperty(broken, "parent", {
      get() {
        throw new RangeError("a bug in the source");
      },
    });
    expect(() => verifyCheckpoint(top(broken))).toThrow(RangeError);
    const p1 = dump("p1", [[0x20000, 2, PE_PRESENT]]);
    const files = new Map(p1.files);
    const real = files.get(PM)!;
    files.set(PM, {
      ...real,
      bytes: () => {
        throw new RangeError("a bug, not bad input");
      },
    });
    expect(() => verifyCheckpoint(top({ ...p1, files }))).toThrow(RangeError);
  });
});

describe("VMAs against themselves and the pagemap", () => {
  type V = { start: bigint; end: bigint; status: number };
  const problems = (edit: (vmas: V[]) => void, pagemapRuns?: Run[]) => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"MM">(cp, MM, (img) => edit(img.entries[0]?.vmas ?? []));
    if (pagemapRuns) cp.set(PM, pagemap(pagemapRuns));
    return verifyCheckpoint(memorySource(cp, { sizes: tcp4Sizes() })).problems.filter((p) => p.check === "vmas");
  };
  const hex = (a: bigint) => `0x${a.toString(16)}`;
  const vma = (message: string) => ({ image: MM, entry: 0, check: "vmas", message });

  it("a heap that claims 64 TiB, over the next VMA, overlaps it", () => {
    let i = 0;
    let heap = { start: 0n, end: 0n };
    let next = { start: 0n, end: 0n };
    const found = problems((vmas) => {
      i = vmas.findIndex((v) => v.status & 0x20);
      heap = vmas[i] as V;
      next = vmas[i + 1] as V;
      heap.end = heap.start + 2n ** 46n;
    });
    expect(i).toBeGreaterThan(0);
    expect(found).toEqual([
      vma(
        `VMA ${hex(next.start)}-${hex(next.end)} (number ${i + 1}) overlaps or comes before ${hex(heap.start)}-${hex(heap.end)}`,
      ),
    ]);
  });

  it("empty, unaligned, and above the user address space (vsyscall excepted)", () => {
    let moved = 0n;
    const found = problems((vmas) => {
      const [a, b] = vmas as [V, V];
      moved = b.start;
      a.end = a.start;
      b.start += 1n;
      // The last VMA before the vsyscall page.
      (vmas.at(-2) as V).end = 1n << 58n;
    });
    expect(found.map((p) => p.message.replace(/^VMA \S+ /, ""))).toEqual([
      "ends where it starts or before",
      "is not aligned to the 4096-byte page",
      "ends above the user address space",
      // The page the unaligned VMA no longer starts with is in none now.
      `pages ${hex(moved)}-${hex(moved + 4096n)} are in no VMA of task 11202; restore fails on them`,
    ]);
    // The real vsyscall page, at 0xffffffffff600000, is no problem.
    expect(problems(() => {})).toEqual([]);
  });

  it("pages above the last VMA are in none (the scan runs out of VMAs, not past them)", () => {
    const top = 0xffffffffff700000n;
    const found = problems(() => {}, [[Number(top), 1, PE_PRESENT]]);
    expect(found.map((p) => [p.entry, p.message])).toEqual([
      [1, `pages ${hex(top)}-${hex(top + 4096n)} are in no VMA of task 11202; restore fails on them`],
    ]);
  });

  it("a VMA whose end alone is not aligned", () => {
    let v = { start: 0n, end: 0n };
    const found = problems((vmas) => {
      v = vmas[2] as V;
      v.end -= 1n;
    });
    expect(found.map((p) => p.message)).toContain(
      `VMA ${hex(v.start)}-${hex(v.end)} is not aligned to the 4096-byte page`,
    );
  });

  it("a VMA may end at the top of the user address space (2^57), not above it", () => {
    expect(
      problems((vmas) => {
        (vmas.at(-2) as V).end = 1n << 57n;
      }),
    ).toEqual([]);
  });

  it("a VMA inside another is reported once: the pages after it are still in a VMA", () => {
    const found = problems(
      (vmas) => {
        const v = (start: number, end: number) =>
          Object.assign(clone(vma_entrySchema, vmas[0] as vma_entry), { start: BigInt(start), end: BigInt(end) });
        vmas.splice(0, vmas.length, v(0x10000, 0x15000), v(0x12000, 0x13000), v(0x15000, 0x16000));
      },
      [[0x10000, 6, PE_PRESENT]],
    );
    expect(found).toEqual([vma("VMA 0x12000-0x13000 (number 1) overlaps or comes before 0x10000-0x15000")]);
  });

  it("a task without VMAs has none to hold its pages", () => {
    expect(
      problems(
        (vmas) => {
          vmas.length = 0;
        },
        [[0x10000, 1, PE_PRESENT]],
      ),
    ).toEqual([
      {
        image: PM,
        entry: 1,
        check: "vmas",
        message: "pages 0x10000-0x11000 are in no VMA of task 11202; restore fails on them",
      },
    ]);
  });

  it("a task without its pagemap: the VMAs are still checked, and no pages is no problem", () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"MM">(cp, MM, (img) => {
      const v = img.entries[0]?.vmas.at(-2) as V;
      v.end = v.start;
    });
    cp.delete(PM);
    const found = verifyCheckpoint(memorySource(cp, { sizes: tcp4Sizes() })).problems;
    expect(found.filter((p) => p.check === "vmas").map((p) => p.message.replace(/^VMA \S+ /, ""))).toEqual([
      "ends where it starts or before",
    ]);
    // CRIU reads an image that is not there as empty (image.c, do_open_image: "No ... image").
    expect(found.filter((p) => p.check !== "vmas")).toEqual([]);
  });

  it("pages in no VMA: the part outside, against the pagemap's entry", () => {
    const found = problems(() => {}, [
      [0x10000, 2, PE_PRESENT],
      [0x20000, 1, PE_PARENT],
      [0x30000, 1, 0],
    ]);
    expect(found).toEqual([
      {
        image: PM,
        entry: 1,
        check: "vmas",
        message: "pages 0x10000-0x12000 are in no VMA of task 11202; restore fails on them",
      },
      {
        image: PM,
        entry: 2,
        check: "vmas",
        message: "pages 0x20000-0x21000 are in no VMA of task 11202; restore fails on them",
      },
    ]);
  });
});
