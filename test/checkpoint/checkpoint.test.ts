/**
 * The checkpoint model on its own: Checkpoint's readers and cache, dump
 * kinds, tasks, parent chains and their bound; the sources (memory, sparse,
 * absent, overlay); companion files; task states by CRIU's numbers.
 */
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  absentFile,
  Checkpoint,
  companionBesideImages,
  companionInImages,
  type ImageSource,
  memorySource,
  overlaySource,
  sparseFile,
  taskStateName,
} from "../../src/checkpoint/index.js";
import { core_entrySchema, inventory_entrySchema } from "../../src/gen/index.js";
import { imageOf } from "../helpers/built-task.js";
import { corpusCheckpoint } from "../helpers/checkpoints.js";
import { caught } from "../helpers/errors.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("Checkpoint", () => {
  it("names() lists images only, sorted; others() lists the rest, sorted, with what writes each", () => {
    const files = new Map(corpusCheckpoint("simple"));
    files.set("restore.log", enc("log"));
    files.set("descriptors.json", enc("[]"));
    files.set("zz-unknown", enc("x"));
    files.set("a-note.txt", enc("x"));
    const cp = Checkpoint.of(files);
    expect(cp.names()).toEqual([...corpusCheckpoint("simple").keys()].sort());
    expect(cp.others()).toEqual([
      { name: "a-note.txt", size: 1, writer: undefined },
      { name: "descriptors.json", size: 2, writer: "runc/crun: what the root task's fds 0-2 were at dump time" },
      { name: "restore.log", size: 3, writer: "CRIU's log" },
      { name: "zz-unknown", size: 1, writer: undefined },
    ]);
    expect(cp.label).toBe("memory");
    expect(cp.size("restore.log")).toBe(3);
    expect(cp.size("nothing")).toBeUndefined();
    expect(cp.bytes("nothing")).toBeUndefined();
    expect(cp.file("nothing")).toBeUndefined();
    expect(cp.has("restore.log")).toBe(true);
  });

  it("read() reads part of a file, and names a file that is not there", async () => {
    const cp = Checkpoint.of(new Map([["pages-1.img", enc("0123456789")]]));
    expect(new TextDecoder().decode(await cp.read("pages-1.img", 3, 4))).toBe("3456");
    expect(new TextDecoder().decode(await cp.read("pages-1.img", 8, 4))).toBe("89");
    const e = caught(() => cp.read("pages-2.img", 0, 1));
    expect([e.code, e.message]).toEqual([
      "NOT_CHECKPOINT",
      "pages-2.img: at byte 0: expected an image of the checkpoint (no such image)",
    ]);
  });

  it("image() caches unless told not to; decoded(), forget() and images given decoded", () => {
    const cp = Checkpoint.of(corpusCheckpoint("simple"));
    const once = cp.image("pstree.img", { cache: false });
    expect(once).toBeDefined();
    expect(cp.decoded("pstree.img")).toBeUndefined();
    expect(cp.image("pstree.img", { cache: false })).not.toBe(once);
    const kept = cp.image("pstree.img");
    expect(cp.decoded("pstree.img")).toBe(kept);
    expect(cp.image("pstree.img")).toBe(kept);
    cp.image("inventory.img");
    cp.forget("pstree.img");
    expect(cp.decoded("pstree.img")).toBeUndefined();
    expect(cp.decoded("inventory.img")).toBeDefined();
    cp.forget();
    expect(cp.decoded("inventory.img")).toBeUndefined();
    const given = new Checkpoint(cp.source, new Map([["pstree.img", kept as NonNullable<typeof kept>]]));
    expect(given.decoded("pstree.img")).toBe(kept);
    expect(cp.image("nothing.img")).toBeUndefined();
  });

  it("a damaged image's error names the image; a core image without task state is 'unknown'", () => {
    const files = new Map(corpusCheckpoint("simple"));
    const pstree = files.get("pstree.img") as Uint8Array;
    files.set("pstree.img", pstree.subarray(0, pstree.length - 3));
    const e = caught(() => Checkpoint.of(files).image("pstree.img"));
    expect(e.image).toBe("pstree.img");
    const bare = new Map(corpusCheckpoint("simple"));
    bare.set("core-11146.img", imageOf("CORE", [create(core_entrySchema, { mtype: 1 })]));
    expect(Checkpoint.of(bare).taskState(11146)).toBe("unknown");
  });

  it("kind() and first() refuse an image of another kind, naming both", () => {
    const cp = Checkpoint.of(corpusCheckpoint("simple"));
    const e = caught(() => cp.kind("pstree.img", "CORE"));
    expect([e.code, e.message]).toEqual(["BAD_MAGIC", "pstree.img: at byte 0: expected a CORE image (found PSTREE)"]);
    expect(caught(() => cp.first("pstree.img", "FS")).code).toBe("BAD_MAGIC");
    expect(cp.kind("nothing.img", "CORE")).toBeUndefined();
    expect(cp.first("nothing.img", "CORE")).toBeUndefined();
  });

  it("dumpKind: a dump, a pre-dump told by its inventory or by pagemaps alone, images without an inventory", () => {
    const simple = corpusCheckpoint("simple");
    expect(Checkpoint.of(simple).dumpKind()).toBe("dump");
    const noPstree = new Map(simple);
    noPstree.delete("pstree.img");
    // Without pstree but with pagemaps: a pre-dump, even when the inventory does not say so.
    expect(Checkpoint.of(noPstree).dumpKind()).toBe("pre-dump");
    const marked = new Map(noPstree);
    marked.set(
      "inventory.img",
      imageOf("INVENTORY", [create(inventory_entrySchema, { imgVersion: 2, preDumpMode: 1 })]),
    );
    for (const n of [...marked.keys()]) if (n.startsWith("pagemap-")) marked.delete(n);
    expect(Checkpoint.of(marked).dumpKind()).toBe("pre-dump");
    const bare = new Map([["inventory.img", simple.get("inventory.img") as Uint8Array]]);
    expect(Checkpoint.of(bare).dumpKind()).toBe("dump");
    expect(Checkpoint.of(new Map([["cpuinfo.img", enc("")]])).dumpKind()).toBe("images");
    expect(Checkpoint.of(bare).tasks()).toEqual([]);
    expect(Checkpoint.of(bare).taskState(1)).toBe("unknown");
  });

  it("a parent chain is followed, each step once, and refused past 64 dumps", () => {
    const chain = (n: number): ImageSource => {
      let s: ImageSource = memorySource(new Map(), { label: "d0" });
      for (let i = 1; i <= n; i++) s = memorySource(new Map(), { label: `d${i}`, parent: s });
      return s;
    };
    const ok = new Checkpoint(chain(64));
    let at: Checkpoint | undefined = ok;
    let steps = 0;
    while (at?.parent) {
      expect(at.parent).toBe(at.parent);
      at = at.parent;
      steps++;
    }
    expect(steps).toBe(64);
    expect(at?.label).toBe("d0");
    let deep: Checkpoint | undefined = new Checkpoint(chain(65));
    const e = caught(() => {
      for (let i = 0; i < 70 && deep; i++) deep = deep.parent;
    });
    expect([e.code, e.message]).toEqual(["UNSUPPORTED", "d1/parent: at byte 0: expected a chain of at most 64 dumps"]);
    expect(Checkpoint.of(corpusCheckpoint("simple")).parent).toBeUndefined();
  });

  it("taskState by CRIU's numbers: alive, dead and compel's zombie, stopped, anything else unknown", () => {
    expect([1, 2, 3, 6, 0, 4, 5, undefined].map(taskStateName)).toEqual([
      "alive",
      "zombie",
      "stopped",
      "zombie",
      "unknown",
      "unknown",
      "unknown",
      "unknown",
    ]);
  });
});

describe("sources", () => {
  it("memorySource: label, sizes of files not given, companions, a parent given as a map or a source", async () => {
    const s = memorySource(new Map([["a.img", enc("abc")]]), {
      label: "mine",
      sizes: new Map([
        ["pages-1.img", 8192],
        ["a.img", 99],
      ]),
      companions: new Map([["config.dump", enc("{}")]]),
      parent: new Map([["b.img", enc("b")]]),
    });
    expect(s.label).toBe("mine");
    expect(s.type).toBe("memory");
    expect(s.notes).toEqual([]);
    expect(s.files.get("a.img")?.size).toBe(3);
    expect(s.files.get("pages-1.img")?.size).toBe(8192);
    expect(caught(() => s.files.get("pages-1.img")?.bytes()).message).toBe(
      "pages-1.img: at byte 0: expected bytes that were kept (only its size was given)",
    );
    await expect(s.files.get("pages-1.img")?.read(0, 1)).rejects.toThrow(/only its size was given/);
    expect(new TextDecoder().decode(s.companions.get("config.dump")?.bytes())).toBe("{}");
    expect(s.parent?.label).toBe("mine/parent");
    expect(s.parent?.files.has("b.img")).toBe(true);
    const p = memorySource(new Map(), { label: "p" });
    expect(memorySource(new Map(), { parent: p }).parent).toBe(p);
    expect(memorySource(new Map()).label).toBe("memory");
    expect(memorySource(new Map()).companions.size).toBe(0);
    expect(memorySource(new Map()).parent).toBeUndefined();
    // Checkpoint.of tells a source from a map of bytes.
    expect(Checkpoint.of(p).source).toBe(p);
    expect(Checkpoint.of(new Map([["files", enc("x")]])).has("files")).toBe(true);
  });

  it("sparseFile reads inside a kept range and refuses any other, naming where", async () => {
    const f = sparseFile(100, "pages-1.img", [
      { offset: 10, bytes: enc("0123456789") },
      { offset: 50, bytes: enc("abcdef") },
      { offset: 96, bytes: enc("wxyz") },
    ]);
    expect(f.size).toBe(100);
    const text = async (o: number, n: number) => new TextDecoder().decode(await f.read(o, n));
    expect(await text(10, 10)).toBe("0123456789");
    expect(await text(12, 3)).toBe("234");
    expect(await text(50, 6)).toBe("abcdef");
    expect(await text(53, 3)).toBe("def");
    // A read past the file's end is cut at the end.
    expect(await text(98, 10)).toBe("yz");
    for (const [o, n] of [
      [9, 2],
      [19, 2],
      [0, 1],
      [56, 1],
      [30, 5],
    ] as const) {
      const e = await f.read(o, n).catch((x: Error & { code?: string; offset?: number }) => x);
      expect(e, `${o}+${n}`).toBeInstanceOf(Error);
      expect((e as { offset?: number }).offset).toBe(o);
      expect((e as Error).message).toBe(
        `pages-1.img: at byte ${o}: expected bytes that were kept (pages-1.img was read in one pass, and this range was not asked for)`,
      );
    }
    expect(caught(() => f.bytes()).code).toBe("UNSUPPORTED");
  });

  it("absentFile has a size and refuses its bytes with the reason", async () => {
    const f = absentFile(7, "pages-2.img", "not kept");
    expect(f.size).toBe(7);
    const e = caught(() => f.bytes());
    expect([e.code, e.message]).toEqual([
      "UNSUPPORTED",
      "pages-2.img: at byte 0: expected bytes that were kept (not kept)",
    ]);
    await expect(f.read(0, 1)).rejects.toThrow("(not kept)");
  });

  it("overlaySource replaces and removes files and adds companions, leaving the base as it was", () => {
    const base = memorySource(
      new Map([
        ["a", enc("a")],
        ["b", enc("b")],
      ]),
      {
        companions: new Map([["spec.dump", enc("1")]]),
      },
    );
    const o = overlaySource(
      base,
      new Map<string, Uint8Array | undefined>([
        ["a", enc("A")],
        ["b", undefined],
        ["c", enc("C")],
      ]),
      new Map([["config.dump", enc("2")]]),
    );
    expect([...o.files.keys()].sort()).toEqual(["a", "c"]);
    expect(new TextDecoder().decode(o.files.get("a")?.bytes())).toBe("A");
    expect([...o.companions.keys()].sort()).toEqual(["config.dump", "spec.dump"]);
    expect([...base.files.keys()].sort()).toEqual(["a", "b"]);
    expect([...base.companions.keys()]).toEqual(["spec.dump"]);
    expect(o.label).toBe(base.label);
    expect([...overlaySource(base, new Map()).companions.keys()]).toEqual(["spec.dump"]);
  });
});

describe("companion files", () => {
  it("in the images folder and beside it, by what writes them; unknown ones are undefined", () => {
    expect(companionInImages("dump.log")).toBe("CRIU's log");
    expect(companionInImages("restore-7.log")).toBe("CRIU's log");
    expect(companionInImages("stats-dump.json")).toBe("CRIU statistics, as JSON");
    expect(companionInImages("config.dump")).toBeUndefined();
    expect(companionBesideImages("config.dump")).toBe("the container engine's container configuration (JSON)");
    expect(companionBesideImages("artifacts/x/y")).toBe("container volume and artifact contents");
    // What CRIU writes into an images folder is known beside it too.
    expect(companionBesideImages("dump.log")).toBe("CRIU's log");
    expect(companionBesideImages("photo.jpg")).toBeUndefined();
  });
});
