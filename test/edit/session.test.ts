/**
 * EditSession on its own: byte replacements, decoded images, memory writes
 * and metadata, and what finish() lists (only what differs, sorted).
 */
import { describe, expect, it } from "vitest";
import { Checkpoint, memorySource } from "../../src/checkpoint/index.js";
import { EditSession } from "../../src/edit/index.js";
import { readMemory } from "../../src/memory/index.js";
import { corpusDump } from "../helpers/checkpoints.js";
import { caught } from "../helpers/errors.js";
import { memoryMarkers } from "../helpers/markers.js";

const enc = (s: string) => new TextEncoder().encode(s);

describe("EditSession", () => {
  it("setBytes replaces a file: bytes() gives it, image() refuses it, finish() lists it unless it is the same", () => {
    const cp = Checkpoint.of(corpusDump("simple"));
    const e = new EditSession(cp);
    const inv = cp.bytes("inventory.img") as Uint8Array;
    expect(e.bytes("inventory.img")).toBe(inv);
    expect(e.bytes("nothing.img")).toBeUndefined();
    e.setBytes("inventory.img", inv.slice());
    const other = inv.slice();
    other[other.length - 1] = (other[other.length - 1] as number) ^ 1;
    e.setBytes("seccomp.img", (cp.bytes("seccomp.img") as Uint8Array).slice());
    e.setBytes("new-file", enc("x"));
    e.setBytes("fs-11146.img", other);
    expect(e.bytes("fs-11146.img")).toBe(other);
    const err = caught(() => e.image("fs-11146.img", "FS"));
    expect(err.code).toBe("INVALID");
    expect(err.message).toContain("an image not replaced as bytes in this edit");
    // Unchanged replacements are not listed; a new file is; order is by name.
    expect([...e.finish().keys()]).toEqual(["fs-11146.img", "new-file"]);
  });

  it("image() of a missing image is undefined and finish() is not troubled by it; a decoded, unchanged image is not listed", () => {
    const e = new EditSession(Checkpoint.of(corpusDump("simple")));
    expect(e.image("nothing-1.img", "CORE")).toBeUndefined();
    expect(e.image("core-11146.img", "CORE")?.entries).toHaveLength(1);
    expect(e.finish().size).toBe(0);
  });

  it("setBytes after image() drops the decoded copy: the bytes win", () => {
    const cp = Checkpoint.of(corpusDump("simple"));
    const e = new EditSession(cp);
    const core = e.image("core-11146.img", "CORE");
    if (core?.entries[0]?.tc) core.entries[0].tc.comm = "changed";
    const bytes = (cp.bytes("core-11146.img") as Uint8Array).slice();
    e.setBytes("core-11146.img", bytes);
    expect(e.finish().size).toBe(0);
  });

  it("finish() lists changed images sorted by name, whatever order they were changed in", () => {
    const e = new EditSession(Checkpoint.of(corpusDump("simple")));
    for (const n of ["timens-0.img", "fs-11146.img", "core-11146.img"]) {
      const img = e.image(n, n.startsWith("core") ? "CORE" : n.startsWith("fs") ? "FS" : "TIMENS") as {
        entries: Record<string, unknown>[];
      };
      const first = img.entries[0] as Record<string, unknown>;
      if (n.startsWith("fs")) first.umask = 0o77;
      if (n.startsWith("timens")) (first.monotonic as { tvSec: bigint }).tvSec += 1n;
      if (n.startsWith("core")) (first.tc as { comm: string }).comm = "other";
    }
    expect([...e.finish().keys()]).toEqual(["core-11146.img", "fs-11146.img", "timens-0.img"]);
  });

  it("writeMemory: two writes into one pages file both stay; a write across pages lands in each", async () => {
    const cp = Checkpoint.of(corpusDump("memory"));
    const m = memoryMarkers().filter((x) => x.task === "29313" && x.address !== undefined);
    const [a, b] = m;
    if (!a?.address || !b?.address) throw new Error("markers");
    const e = new EditSession(cp);
    e.writeMemory(29313, a.address, enc("AAAA"));
    e.writeMemory(29313, b.address, enc("BBBB"));
    // Four bytes before the end of one pagemap entry and four in the next, adjacent one: two spans.
    const pm = cp.kind("pagemap-29313.img", "PAGEMAP")?.entries.slice(1) as unknown as {
      vaddr: bigint;
      nrPages: number;
    }[];
    const joint = pm.find((x, i) => x.vaddr + BigInt(x.nrPages) * 4096n === pm[i + 1]?.vaddr);
    if (!joint) throw new Error("no adjacent pagemap entries");
    const across = joint.vaddr + BigInt(joint.nrPages) * 4096n - 4n;
    const before = await readMemory(cp, 29313, across, 8);
    expect(before.unknown).toEqual([]);
    e.writeMemory(29313, across, enc("12345678"));
    const changed = e.finish();
    const after = new Checkpoint(memorySource(new Map([...corpusDump("memory"), ...changed])));
    expect(new TextDecoder().decode((await readMemory(after, 29313, a.address, 4)).bytes)).toBe("AAAA");
    expect(new TextDecoder().decode((await readMemory(after, 29313, b.address, 4)).bytes)).toBe("BBBB");
    expect(new TextDecoder().decode((await readMemory(after, 29313, across, 8)).bytes)).toBe("12345678");
    // The input's pages are as they were.
    expect((await readMemory(cp, 29313, a.address, 4)).bytes).not.toEqual(enc("AAAA"));
  });

  it("metadata: the current bytes, undefined for a file that is not there, and only changed files in finishMetadata", () => {
    const spec = enc('{"a":1}');
    const cp = new Checkpoint(memorySource(corpusDump("simple"), { companions: new Map([["spec.dump", spec]]) }));
    const e = new EditSession(cp);
    expect(e.metadata("spec.dump")).toEqual(spec);
    expect(e.metadata("config.dump")).toBeUndefined();
    e.setMetadata("spec.dump", spec.slice());
    expect(e.finishMetadata().size).toBe(0);
    e.setMetadata("config.dump", enc("{}"));
    e.setMetadata("spec.dump", enc('{"a":2}'));
    expect(e.metadata("spec.dump")).toEqual(enc('{"a":2}'));
    expect([...e.finishMetadata().keys()].sort()).toEqual(["config.dump", "spec.dump"]);
  });
});

describe("EditSession.view", () => {
  it("sees every file of the checkpoint, each read as a copy: size, has, keys, values, entries, forEach, read", async () => {
    const cp = Checkpoint.of(corpusDump("simple"));
    const files = new EditSession(cp).view.source.files;
    const names = [...cp.source.files.keys()];
    expect(files.size).toBe(names.length);
    expect([...files.keys()]).toEqual(names);
    expect(files.has("pstree.img")).toBe(true);
    expect(files.has("nothing")).toBe(false);
    expect(files.get("nothing")).toBeUndefined();
    const original = cp.bytes("pstree.img") as Uint8Array;
    const got = files.get("pstree.img");
    expect(got?.size).toBe(original.length);
    const copy = got?.bytes() as Uint8Array;
    expect(copy).toEqual(original);
    expect(copy).not.toBe(original);
    copy[0] = (copy[0] as number) ^ 0xff;
    expect(cp.bytes("pstree.img")?.[0]).not.toBe(copy[0]);
    expect(await got?.read(0, 4)).toEqual(original.subarray(0, 4));
    const viaEntries = [...files.entries()];
    const viaIterator = [...files];
    const viaValues = [...files.values()];
    const viaForEach: string[] = [];
    files.forEach((f, n, map) => {
      expect(map).toBe(files);
      expect(f.size).toBe(cp.size(n));
      viaForEach.push(n);
    });
    expect(viaEntries.map(([n]) => n)).toEqual(names);
    expect(viaIterator.map(([n]) => n)).toEqual(names);
    expect(viaForEach).toEqual(names);
    expect(viaValues.map((f) => f.size)).toEqual(names.map((n) => cp.size(n)));
    for (const [n, f] of viaEntries) expect(f.bytes(), n).toEqual(cp.bytes(n));
  });
});
