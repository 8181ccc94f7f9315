/**
 * Each of verify's checks, one broken thing at a time, with the exact
 * problem it must report (image, entry, check, message): the rules come
 * from CRIU's dump code (cr-dump.c, pagemap.c), the images from the corpus.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { memorySource } from "../../src/checkpoint/index.js";
import { file_entrySchema } from "../../src/gen/index.js";
import { type CriuImage, readFramed, readImage, writeFramed, writeImage } from "../../src/index.js";
import { verifyCheckpoint } from "../../src/verify/index.js";
import { corpusCheckpoint, corpusPageSizes, editImage, legacyLayout } from "../helpers/checkpoints.js";
import { corpusRoot } from "../helpers/corpus.js";
import { withZombie, ZOMBIE_PID } from "../helpers/zombie.js";

/** A dump folder's images but pages, and its pages' sizes: a chain step as memorySource takes it. */
const load = (d: string) =>
  new Map(
    readdirSync(d)
      .filter((n) => n !== "parent" && !n.startsWith("pages-"))
      .map((n) => [n, new Uint8Array(readFileSync(join(d, n)))] as [string, Uint8Array]),
  );
const sizesOf = (d: string) =>
  new Map(
    readdirSync(d)
      .filter((n) => n.startsWith("pages-"))
      .map((n) => [n, statSync(join(d, n)).size] as [string, number]),
  );
const run = (scenario: string, cp: Map<string, Uint8Array>) =>
  verifyCheckpoint(memorySource(cp, { sizes: corpusPageSizes(scenario) }));

const twice = <K extends CriuImage["kind"]>(cp: Map<string, Uint8Array>, name: string) =>
  editImage<K>(cp, name, (img) => {
    (img.entries as unknown[]).push(img.entries[0]);
    const x = (img as { extras?: unknown[] }).extras;
    x?.push(x[0]);
  });

describe("inventory", () => {
  it("one entry of img_version 2 with root_ids and a known lsmtype", () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"INVENTORY">(cp, "inventory.img", (img) => {
      const e = img.entries[0]!;
      e.imgVersion = 1;
      e.rootIds = undefined;
    });
    // lsmtype 7 (field 6, a varint), which the closed enum does not know, appended to the entry.
    // inventory.img has one magic (4 bytes), then its one entry.
    const inv = cp.get("inventory.img") as Uint8Array;
    const size = new DataView(inv.buffer, inv.byteOffset).getUint32(4, true);
    const grown = new Uint8Array(inv.length + 2);
    grown.set(inv.subarray(0, 4));
    new DataView(grown.buffer).setUint32(4, size + 2, true);
    grown.set(inv.subarray(8, 8 + size), 8);
    grown.set([0x30, 7], 8 + size);
    cp.set("inventory.img", grown);
    expect(run("tcp4", cp).problems).toEqual([
      { image: "inventory.img", entry: 0, check: "inventory", message: "img_version 1, expected 2 (CRIU images v1.1)" },
      { image: "inventory.img", entry: 0, check: "inventory", message: "no root_ids" },
      { image: "inventory.img", entry: 0, check: "inventory", message: "unknown lsmtype 7" },
    ]);
    const ok = corpusCheckpoint("tcp4");
    editImage<"INVENTORY">(ok, "inventory.img", (img) => {
      img.entries[0]!.lsmtype = 2;
    });
    expect(run("tcp4", ok).problems).toEqual([]);
    const two = corpusCheckpoint("tcp4");
    twice<"INVENTORY">(two, "inventory.img");
    // No entry index: the problem is the image's, and the report says so by leaving it out.
    expect(run("tcp4", two).problems).toStrictEqual([
      { image: "inventory.img", check: "inventory", message: "2 entries, expected 1" },
    ]);
  });

  it("other unknown fields of the inventory are no lsmtype", () => {
    const cp = corpusCheckpoint("tcp4");
    const inv = cp.get("inventory.img") as Uint8Array;
    const size = new DataView(inv.buffer, inv.byteOffset).getUint32(4, true);
    // Field 99 as a varint (tag 0x98 0x06) and field 100 as a fixed32 (tag 0xa5 0x06): unknown, no lsmtype.
    const extra = [0x98, 0x06, 0x07, 0xa5, 0x06, 1, 2, 3, 4];
    const grown = new Uint8Array(inv.length + extra.length);
    grown.set(inv.subarray(0, 4));
    new DataView(grown.buffer).setUint32(4, size + extra.length, true);
    grown.set(inv.subarray(8, 8 + size), 8);
    grown.set(extra, 8 + size);
    cp.set("inventory.img", grown);
    expect(run("tcp4", cp).problems).toEqual([]);
  });

  it("no inventory: not a checkpoint; a dump without pstree", () => {
    const cp = corpusCheckpoint("tcp4");
    cp.delete("inventory.img");
    const r = run("tcp4", cp);
    expect(r.kind).toBe("images");
    expect(r.problems).toContainEqual({
      image: "inventory.img",
      check: "inventory",
      message: "missing: this is not a checkpoint (criu dump always writes an inventory)",
    });
    const nopstree = corpusCheckpoint("tcp4");
    nopstree.delete("pstree.img");
    for (const n of [...nopstree.keys()]) if (n.startsWith("pagemap-")) nopstree.delete(n);
    expect(run("tcp4", nopstree).problems).toEqual([{ image: "pstree.img", check: "tasks", message: "missing" }]);
  });
});

describe("tasks", () => {
  it("a core, mm and ids per live task; one entry each", () => {
    const cp = corpusCheckpoint("tcp4");
    cp.delete("core-11205.img");
    twice<"MM">(cp, "mm-11202.img");
    twice<"CORE">(cp, "core-11202.img");
    expect(run("tcp4", cp).problems).toEqual([
      { image: "core-11202.img", check: "tasks", message: "2 entries, expected 1" },
      { image: "mm-11202.img", check: "tasks", message: "2 entries, expected 1" },
      { image: "pstree.img", entry: 1, check: "tasks", message: "task 11205 has no core-11205.img" },
    ]);
    const noIds = corpusCheckpoint("tcp4");
    noIds.delete("ids-11205.img");
    expect(run("tcp4", noIds).problems).toEqual([
      { image: "pstree.img", entry: 1, check: "ids", message: "task 11205 has no ids-11205.img" },
    ]);
  });

  it("ids name an fdinfo image whose entries name files.img entries of the same type", () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"FDINFO">(cp, "fdinfo-3.img", (img) => {
      img.entries[3]!.type = 1;
      img.entries[0]!.id = 999;
    });
    expect(run("tcp4", cp).problems).toEqual([
      {
        image: "fdinfo-3.img",
        entry: 0,
        check: "fdinfo",
        message: "fd 0 names file id 999, which files.img does not have",
      },
      { image: "fdinfo-3.img", entry: 3, check: "fdinfo", message: "fd 3 is REG but files.img entry 10 is INETSK" },
    ]);
    // A broken files.img is reported once, as a parse problem, not per fd.
    const broken = corpusCheckpoint("tcp4");
    broken.set("files.img", (broken.get("files.img") as Uint8Array).subarray(0, 40));
    expect(run("tcp4", broken).problems.map((p) => [p.image, p.check])).toEqual([["files.img", "parse"]]);
  });
});

describe("sockets", () => {
  it("an established TCP socket needs its tcp-stream image with one entry, in either layout", () => {
    const cp = corpusCheckpoint("tcp4");
    cp.delete("tcp-stream-50cf3.img");
    twice<"TCP_STREAM">(cp, "tcp-stream-50ba6.img");
    const p = run("tcp4", cp).problems;
    expect(p).toContainEqual({ image: "tcp-stream-50ba6.img", check: "tcp-stream", message: "2 entries, expected 1" });
    const files = readImage(cp.get("files.img") as Uint8Array, { name: "files.img" });
    const at = (files.entries as { isk?: { ino: number; id: number } }[]).findIndex((f) => f.isk?.ino === 0x50cf3);
    const id = (files.entries[at] as { isk: { id: number } }).isk.id;
    expect(p.find((x) => x.message.includes("tcp-stream-50cf3.img"))).toStrictEqual({
      image: "files.img",
      entry: at,
      check: "tcp-stream",
      message: `established socket ${id} (ino 330995) has no tcp-stream-50cf3.img`,
    });
    const legacy = legacyLayout(corpusCheckpoint("tcp4"));
    legacy.delete("tcp-stream-50cf3.img");
    const lp = run("tcp4", legacy).problems;
    expect(lp).toHaveLength(1);
    expect(lp[0]).toMatchObject({ image: "inetsk.img", check: "tcp-stream" });
    expect(typeof lp[0]?.entry).toBe("number");
  });
});

describe("at scale", () => {
  it("reports 140,000 established sockets without their stream, one problem each", () => {
    const cp = corpusCheckpoint("tcp4");
    const bytes = cp.get("files.img") as Uint8Array;
    const framed = readFramed(bytes, { name: "files.img" });
    const one = framed.entries.find((e) => fromBinary(file_entrySchema, e.payload).isk?.ino === 0x50cf3);
    if (!one) throw new Error("socket 10");
    const n = 140_000;
    // More than a call's arguments can hold: the indexes must never be spread.
    cp.set(
      "files.img",
      writeFramed({ ...framed, entries: Array(n).fill({ schema: one.schema, payload: one.payload }) }),
    );
    cp.delete("tcp-stream-50cf3.img");
    const p = run("tcp4", cp).problems.filter((x) => x.check === "tcp-stream");
    expect(p).toHaveLength(n);
    expect(p[n - 1]).toMatchObject({ image: "files.img", entry: n - 1 });
  });
});

describe("pages and parents", () => {
  it("pages in the parent need a parent that has them", () => {
    const chain = join(corpusRoot, "chains", "images", "predump");
    const dir2 = join(chain, "2");
    const dir1 = join(chain, "1");
    expect(existsSync(dir2)).toBe(true);
    const withParent = memorySource(load(dir2), {
      sizes: sizesOf(dir2),
      parent: memorySource(load(dir1), { sizes: sizesOf(dir1), label: "p1" }),
    });
    const good = verifyCheckpoint(withParent);
    expect(good.problems).toEqual([]);
    expect(good.parents).toEqual(["p1"]);
    const orphan = verifyCheckpoint(memorySource(load(dir2), { sizes: sizesOf(dir2) })).problems;
    expect(orphan.length).toBeGreaterThan(0);
    for (const p of orphan) {
      expect(p.check).toBe("parent");
      expect(p.message).toMatch(
        /^pages 0x[0-9a-f]+-0x[0-9a-f]+ are in the parent dump, but there is no parent \(no parent link\)$/,
      );
      expect(p.entry).toBeGreaterThan(0);
    }
    // A parent without the pagemap, and a parent whose pagemap lacks the pages.
    const p1 = load(dir1);
    const name = orphan[0]?.image as string;
    const without = new Map(p1);
    without.delete(name);
    const lacks = verifyCheckpoint(
      memorySource(load(dir2), { sizes: sizesOf(dir2), parent: memorySource(without, { label: "p1" }) }),
    ).problems;
    expect(lacks.find((x) => x.image === name)?.message).toMatch(/but p1 has no /);
  });
});

describe("notes", () => {
  it("files that are not images are notes, known companions are listed, nothing fails", () => {
    const cp = corpusCheckpoint("tcp4");
    cp.set("dump.log", new TextEncoder().encode("log"));
    cp.set("mystery.bin", new Uint8Array([1]));
    const r = run("tcp4", cp);
    expect(r.problems).toEqual([]);
    expect(r.companions).toEqual(["dump.log"]);
    expect(r.notes).toEqual([
      { image: "mystery.bin", check: "unknown-file", message: "not a CRIU image nor a file known to be kept with one" },
    ]);
  });
});

describe("exact problems", () => {
  it("ids naming a missing fdinfo, a thread without its core, a task without mm", () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"IDS">(cp, "ids-11205.img", (img) => {
      img.entries[0]!.filesId = 77;
    });
    editImage<"PSTREE">(cp, "pstree.img", (img) => {
      img.entries[0]!.threads = [11202, 999];
    });
    cp.delete("mm-11202.img");
    expect(run("tcp4", cp).problems).toEqual([
      { image: "pstree.img", entry: 0, check: "tasks", message: "task 11202: thread 999 has no core-999.img" },
      { image: "pstree.img", entry: 0, check: "tasks", message: "task 11202 has no mm-11202.img" },
      { image: "ids-11205.img", entry: 0, check: "ids", message: "files_id 77 names fdinfo-77.img, which is missing" },
    ]);
  });

  it("a zombie needs only its own core, whatever its thread list says", () => {
    const cp = withZombie(corpusCheckpoint("tcp4"));
    expect(run("tcp4", cp).problems).toEqual([]);
    cp.delete(`core-${ZOMBIE_PID}.img`);
    expect(run("tcp4", cp).problems).toEqual([
      { image: "pstree.img", entry: 2, check: "tasks", message: `task ${ZOMBIE_PID} has no core-${ZOMBIE_PID}.img` },
    ]);
  });

  it("an fd whose id has entries of other types lists them all", () => {
    const cp = corpusCheckpoint("netns");
    editImage<"FDINFO">(cp, "fdinfo-2.img", (img) => {
      img.entries[3]!.type = 5; // UNIXSK; files.img has id 6 as REG and TUNF
    });
    expect(run("netns", cp).problems).toEqual([
      {
        image: "fdinfo-2.img",
        entry: 3,
        check: "fdinfo",
        message: "fd 3 is UNIXSK but files.img entry 6 is REG, TUNF",
      },
    ]);
  });

  it("pages: present pages against the pages image's size; none present needs none", () => {
    const cp = corpusCheckpoint("tcp4");
    const sizes = corpusPageSizes("tcp4");
    const real = sizes.get("pages-1.img") as number;
    sizes.set("pages-1.img", real + 4096);
    expect(verifyCheckpoint(memorySource(cp, { sizes })).problems).toEqual([
      {
        image: "pagemap-11202.img",
        check: "pages",
        message: `${real / 4096} present pages (${real} bytes) but pages-1.img has ${real + 4096} bytes`,
      },
    ]);
    // With 16 KiB pages the same pagemap means four times the bytes.
    sizes.set("pages-1.img", real);
    const big = verifyCheckpoint(memorySource(cp, { sizes }), { pageSize: 16384 }).problems;
    expect(big.find((p) => p.image === "pagemap-11202.img")?.message).toBe(
      `${real / 4096} present pages (${real * 4} bytes) but pages-1.img has ${real} bytes`,
    );
  });

  it("a pagemap with no page present needs no pages image", () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"PAGEMAP">(cp, "pagemap-11202.img", (img) => {
      for (const e of img.entries.slice(1)) (e as { flags: number }).flags = 2; // PE_LAZY
    });
    const sizes = corpusPageSizes("tcp4");
    sizes.delete("pages-1.img");
    expect(verifyCheckpoint(memorySource(cp, { sizes })).problems).toEqual([]);
  });

  it("what opening found: a pending journal fails, other notes and unsafe members are reported", () => {
    const src = memorySource(corpusCheckpoint("tcp4"), { sizes: corpusPageSizes("tcp4"), label: "ck" });
    const r = verifyCheckpoint({
      ...src,
      notes: [
        { file: ".criu-image-journal", message: "a pending write: run criu-image recover" },
        { file: ".criu-image-journal", message: "not ours" },
        { message: "something about the whole folder" },
        // "pending" fails only from our journal.
        { file: "notes.txt", message: "a pending thought" },
      ],
      unsafe: [{ name: "../evil", index: 3, reason: "it leaves the archive" }],
    });
    expect(r.problems).toEqual([
      { image: ".criu-image-journal", check: "pending-write", message: "a pending write: run criu-image recover" },
      {
        image: "../evil",
        check: "unsafe-member",
        message: "unsafe archive member: it leaves the archive; it was not read",
      },
    ]);
    expect(r.notes).toEqual([
      { image: ".criu-image-journal", check: "unknown-file", message: "not ours" },
      { image: "ck", check: "unknown-file", message: "something about the whole folder" },
      { image: "notes.txt", check: "unknown-file", message: "a pending thought" },
    ]);
  });

  it("pages in a parent that cannot be read, or that a shorter chain ends before", () => {
    const chain = join(corpusRoot, "chains", "images", "predump");
    const two = join(chain, "2");
    const src = { ...memorySource(load(two), { sizes: sizesOf(two) }), parentLink: "../1" };
    const unreadable = verifyCheckpoint(src).problems;
    expect(unreadable.length).toBeGreaterThan(0);
    for (const p of unreadable)
      expect(p.message).toMatch(/, but there is no parent \(parent leads to \.\.\/1, which cannot be read\)$/);
    // The parent is itself a dump whose pages are all in a parent it does not have.
    const p1 = load(join(chain, "1"));
    for (const [n, b] of p1) {
      if (!n.startsWith("pagemap-")) continue;
      const img = readImage(b, { name: n });
      if (img.kind !== "PAGEMAP") continue;
      for (const e of img.entries.slice(1)) (e as { flags: number }).flags = 1; // PE_PARENT
      p1.set(n, writeImage(img));
    }
    const ends = verifyCheckpoint(
      memorySource(load(two), { sizes: sizesOf(two), parent: memorySource(p1, { label: "p1" }) }),
    ).problems;
    expect(ends.length).toBeGreaterThan(0);
    for (const p of ends) expect(p.message).toMatch(/, but the chain ends at p1 \(1 up\) before reaching them$/);
  });
});
