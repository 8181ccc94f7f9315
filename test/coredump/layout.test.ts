/**
 * The layout of a core file read back by hand: program headers that cover
 * every VMA exactly, what is in the file and what is not (vvar, file pages
 * left out), offsets in order and inside the file, notes in the kernel's
 * order; lazy pages named in a warning; chunk size makes no difference.
 */
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { coreDump } from "../../src/coredump/index.js";
import { PE_LAZY, PE_PRESENT } from "../../src/image/pagemap.js";
import { type CriuImage, readImage, writeImage } from "../../src/index.js";
import { memoryMap } from "../../src/memory/index.js";
import { corpusDump } from "../helpers/checkpoints.js";

async function coreBytes(cp: Checkpoint, pid: number, chunkSize?: number): Promise<Buffer> {
  const c = await coreDump(cp, pid, chunkSize ? { chunkSize } : {});
  const parts: Uint8Array[] = [];
  for await (const p of c.chunks()) parts.push(p);
  return Buffer.concat(parts);
}

interface Ph {
  type: number;
  flags: number;
  offset: number;
  vaddr: bigint;
  filesz: number;
  memsz: number;
}

function phdrs(b: Buffer): Ph[] {
  const at = Number(b.readBigUInt64LE(32));
  const n = b.readUInt16LE(56);
  return Array.from({ length: n }, (_, i) => {
    const o = at + i * 56;
    return {
      type: b.readUInt32LE(o),
      flags: b.readUInt32LE(o + 4),
      offset: Number(b.readBigUInt64LE(o + 8)),
      vaddr: b.readBigUInt64LE(o + 16),
      filesz: Number(b.readBigUInt64LE(o + 32)),
      memsz: Number(b.readBigUInt64LE(o + 40)),
    };
  });
}

function notes(b: Buffer, p: Ph): [string, number, number][] {
  const out: [string, number, number][] = [];
  for (let o = p.offset; o < p.offset + p.filesz; ) {
    const namesz = b.readUInt32LE(o);
    const descsz = b.readUInt32LE(o + 4);
    const type = b.readUInt32LE(o + 8);
    out.push([b.toString("latin1", o + 12, o + 12 + namesz - 1), type, descsz]);
    o += 12 + ((namesz + 3) & ~3) + ((descsz + 3) & ~3);
  }
  return out;
}

describe("core file layout", () => {
  it("headers cover every VMA exactly; vvar and unheld file pages have nothing in the file; offsets in order", async () => {
    const cp = Checkpoint.of(corpusDump("memory"));
    const b = await coreBytes(cp, 29313);
    expect([...b.subarray(0, 7)]).toEqual([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
    expect([b.readUInt16LE(16), b.readUInt16LE(18)]).toEqual([4, 62]);
    const ph = phdrs(b);
    expect(ph[0]?.type).toBe(4);
    const loads = ph.slice(1);
    expect(loads.every((p) => p.type === 1)).toBe(true);
    const vmas = memoryMap(cp, 29313, 4096);
    // Segments tile the VMAs: each VMA is one or more segments back to back, nothing else.
    let i = 0;
    for (const v of vmas) {
      let at = v.start;
      while (at < v.end) {
        const p = loads[i++] as Ph;
        expect(p.vaddr, `segment at 0x${at.toString(16)}`).toBe(at);
        const flags = (v.prot[0] === "r" ? 4 : 0) | (v.prot[1] === "w" ? 2 : 0) | (v.prot[2] === "x" ? 1 : 0);
        expect(p.flags).toBe(flags);
        expect(p.filesz === 0 || p.filesz === p.memsz).toBe(true);
        if (v.kind === "vvar" || v.kind === "vsyscall") expect(p.filesz).toBe(0);
        if (v.kind === "vdso") expect(p.filesz).toBe(v.pages.present + v.pages.parent === 0 ? 0 : p.memsz);
        if (v.kind === "anon" || v.kind === "heap" || v.kind === "stack") expect(p.filesz).toBe(p.memsz);
        at += BigInt(p.memsz);
      }
      expect(at).toBe(v.end);
    }
    expect(i).toBe(loads.length);
    // The MARK-FILE mapping (README): page 0 only read (left out), page 1 written (held).
    const file = loads.filter((p) => p.vaddr >= 0x7f58bc160000n && p.vaddr < 0x7f58bc164000n);
    expect(file.map((p) => [p.vaddr, p.filesz, p.memsz])).toEqual([
      [0x7f58bc160000n, 0, 4096],
      [0x7f58bc161000n, 4096, 4096],
      [0x7f58bc162000n, 0, 8192],
    ]);
    let end = (ph[0] as Ph).offset + (ph[0] as Ph).filesz;
    for (const p of loads) {
      expect(p.offset).toBeGreaterThanOrEqual(end);
      end = p.offset + p.filesz;
    }
    expect(end).toBe(b.length);
    expect(loads[0]?.offset ?? 0).toBe(Math.ceil(((ph[0] as Ph).offset + (ph[0] as Ph).filesz) / 4096) * 4096);
    // The kernel's order: the first thread's status, the process's notes, its register sets.
    expect(notes(b, ph[0] as Ph).map(([n, t]) => `${n}:${t.toString(16)}`)).toEqual([
      "CORE:1",
      "CORE:3",
      "CORE:53494749",
      "CORE:6",
      "CORE:46494c45",
      "CORE:2",
      "LINUX:202",
    ]);
    // Chunks of any size make the same file.
    expect((await coreBytes(cp, 29313, 4096 + 17)).equals(b)).toBe(true);
  });

  it("three threads: each has its status and register sets, in pstree order after the process's own", async () => {
    const cp = Checkpoint.of(corpusDump("many-fds"));
    const b = await coreBytes(cp, 11673);
    const n = notes(b, phdrs(b)[0] as Ph).map(([name, t, size]) => `${name}:${t.toString(16)}:${size}`);
    expect(n.filter((x) => x.startsWith("CORE:1:"))).toHaveLength(3);
    expect(n.slice(7)).toEqual(n.slice(7, 10).concat(n.slice(7, 10)));
    const pids = [];
    for (let o = (phdrs(b)[0] as Ph).offset; o < b.length && pids.length < 3; ) {
      const namesz = b.readUInt32LE(o);
      const descsz = b.readUInt32LE(o + 4);
      const type = b.readUInt32LE(o + 8);
      const desc = o + 12 + ((namesz + 3) & ~3);
      if (type === 1) pids.push(b.readInt32LE(desc + 32));
      o = desc + ((descsz + 3) & ~3);
    }
    expect(pids).toEqual([11673, 11674, 11675]);
  });

  it("lazy pages are named in a warning and written as zeros", async () => {
    const files = corpusDump("memory");
    const pm = readImage(files.get("pagemap-29316.img") as Uint8Array, { name: "pagemap" });
    if (pm.kind !== "PAGEMAP") throw new Error("pagemap");
    const e = pm.entries.slice(1).find((x) => (x as { flags?: number }).flags === PE_PRESENT) as {
      vaddr: bigint;
      nrPages: bigint;
      flags: number;
    };
    e.flags = PE_LAZY;
    files.set("pagemap-29316.img", writeImage(pm as CriuImage));
    const c = await coreDump(Checkpoint.of(files), 29316);
    const range = `0x${e.vaddr.toString(16)}-0x${(e.vaddr + e.nrPages * 4096n).toString(16)}`;
    expect(c.lazy).toEqual([{ start: e.vaddr, end: e.vaddr + e.nrPages * 4096n }]);
    expect(c.warnings.join("\n")).toContain(range);
  });
});

describe("segments and page counts", () => {
  it("alternate between held and left-out pages within a VMA, and count what is not the task's memory", async () => {
    const cp = Checkpoint.of(corpusDump("memory"));
    const c = await coreDump(cp, 29313);
    const b = await coreBytes(cp, 29313);
    const loads = phdrs(b).slice(1);
    const vmas = memoryMap(cp, 29313, 4096);
    let i = 0;
    for (const v of vmas) {
      let last: boolean | undefined;
      for (let at = v.start; at < v.end; ) {
        const p = loads[i++] as Ph;
        const inFile = p.filesz > 0;
        // Two segments of one VMA next to each other differ in kind: same-kind pages are one segment.
        if (last !== undefined) expect(inFile, `0x${at.toString(16)}`).toBe(!last);
        last = inFile;
        at += BigInt(p.memsz);
      }
    }
    const anon = vmas.filter((v) => !["file", "file-shared", "vvar", "vsyscall", "vdso"].includes(v.kind));
    const file = vmas.filter((v) => (v.kind === "file" || v.kind === "file-shared") && v.path !== null);
    const sum = (list: typeof vmas) => list.reduce((s, v) => s + v.pages.notDumped + v.pages.lazy, 0);
    expect(c.zeroPages).toBe(sum(anon));
    expect(c.omittedPages).toBe(sum(file));
    expect(c.filePages).toBe(0);
    // The README's sparse mapping alone: 64 MiB with 3 pages dumped.
    expect(c.zeroPages).toBeGreaterThanOrEqual(16384 - 3);
  });
});

describe("what is left out of the file", () => {
  const pid = 11146;
  const editVma = (files: Map<string, Uint8Array>, start: bigint, status: (s: number) => number) => {
    const mm = readImage(files.get(`mm-${pid}.img`) as Uint8Array, { name: "mm" }) as Extract<
      CriuImage,
      { kind: "MM" }
    >;
    const v = mm.entries[0]?.vmas.find((x) => x.start === start);
    if (!v) throw new Error("vma");
    v.status = status(v.status);
    files.set(`mm-${pid}.img`, writeImage(mm));
  };
  const at = (b: Buffer, v: { start: bigint }) => phdrs(b).find((p) => p.type === 1 && p.vaddr === v.start);

  it("a vDSO CRIU did not dump has nothing in the file; an anonymous mapping without pages is zeros", async () => {
    const files = corpusDump("simple");
    const none = memoryMap(Checkpoint.of(files), pid, 4096).find((v) => v.kind === "file" && v.pages.present === 0);
    if (!none) throw new Error("the simple dump has a mapping with no pages");
    // VMA_AREA_REGULAR | VMA_ANON_PRIVATE, then VMA_AREA_REGULAR | VMA_AREA_VDSO (criu/include/image.h).
    editVma(files, none.start, () => 0x201);
    const size = Number(none.end - none.start);
    expect(at(await coreBytes(Checkpoint.of(files), pid), none)?.filesz).toBe(size);
    editVma(files, none.start, () => 0x9);
    const cp = Checkpoint.of(files);
    expect(memoryMap(cp, pid, 4096).find((v) => v.start === none.start)?.kind).toBe("vdso");
    expect(at(await coreBytes(cp, pid), none)).toMatchObject({ filesz: 0, memsz: size });
  });

  it("a shared file mapping whose pages are not held is left out as a private one is", async () => {
    const files = corpusDump("simple");
    const cp = Checkpoint.of(files);
    const file = memoryMap(cp, pid, 4096).find((v) => v.kind === "file" && v.pages.present === 0);
    if (!file) throw new Error("the simple dump has a file mapping with no pages");
    expect(at(await coreBytes(cp, pid), file)?.filesz).toBe(0);
    const c0 = await coreDump(cp, pid);
    // VMA_FILE_SHARED for VMA_FILE_PRIVATE: MAP_SHARED.
    editVma(files, file.start, (s) => (s & ~0x40) | 0x80);
    const shared = Checkpoint.of(files);
    expect(memoryMap(shared, pid, 4096).find((x) => x.start === file.start)?.kind).toBe("file-shared");
    expect(at(await coreBytes(shared, pid), file)?.filesz).toBe(0);
    expect((await coreDump(shared, pid)).omittedPages).toBe(c0.omittedPages);
  });

  it("file pages the checkpoint does not hold come from the file at the mapping's offset, chunk by chunk", async () => {
    const cp = Checkpoint.of(corpusDump("simple"));
    const byte = (path: string, o: number) => (o * 7 + path.length) & 0xff;
    const files = {
      size: async () => 1 << 24,
      read: async (path: string, offset: number, length: number) =>
        Uint8Array.from({ length }, (_, i) => byte(path, offset + i)),
    };
    const parts: Uint8Array[] = [];
    const c = await coreDump(cp, pid, { files, chunkSize: 1000 });
    for await (const p of c.chunks()) parts.push(p);
    const out = Buffer.concat(parts);
    expect(out.length).toBe(c.size);
    let checked = 0;
    for (const v of memoryMap(cp, pid, 4096)) {
      if (v.kind !== "file" || v.pages.present > 0 || v.path === null) continue;
      const ph = at(out, v);
      if (!ph) throw new Error(`no segment at 0x${v.start.toString(16)}`);
      expect(ph.filesz).toBe(Number(v.end - v.start));
      for (let i = 0; i < ph.filesz; i += 1021)
        expect(out[ph.offset + i], `${v.path} +${i}`).toBe(byte(v.path, Number(v.pgoff) + i));
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
    expect(c.filePages).toBeGreaterThan(0);
  });

  it("pages left out for different reasons in a row are one segment", async () => {
    const { create } = await import("@bufbuild/protobuf");
    const { pagemap_entrySchema } = await import("../../src/gen/index.js");
    const files = corpusDump("simple");
    const none = memoryMap(Checkpoint.of(files), pid, 4096).find(
      (v) => v.kind === "file" && v.pages.present === 0 && v.end - v.start >= 3n * 4096n,
    );
    if (!none) throw new Error("the simple dump has a file mapping of three pages or more with no pages");
    // A flagless entry in its middle: never dumped, between two holes of the pagemap.
    const pm = readImage(files.get(`pagemap-${pid}.img`) as Uint8Array, { name: "pm" }) as Extract<
      CriuImage,
      { kind: "PAGEMAP" }
    >;
    const mid = none.start + 4096n;
    const i = pm.entries.findIndex((e, k) => k > 0 && "vaddr" in e && e.vaddr > mid);
    pm.entries.splice(
      i < 0 ? pm.entries.length : i,
      0,
      create(pagemap_entrySchema, { vaddr: mid, compatNrPages: 0, nrPages: 1n, flags: 0 }),
    );
    files.set(`pagemap-${pid}.img`, writeImage(pm));
    const out = await coreBytes(Checkpoint.of(files), pid);
    const inside = phdrs(out).filter((p) => p.type === 1 && p.vaddr >= none.start && p.vaddr < none.end);
    expect(inside).toEqual([
      expect.objectContaining({ vaddr: none.start, filesz: 0, memsz: Number(none.end - none.start) }),
    ]);
  });

  it("unwritten pages of shared memory (a memfd) are the process's memory: zeros in the file, not left out", async () => {
    const cp = Checkpoint.of(corpusDump("memory"));
    // Corpus README: the shared mapping at 0x7f58bc353000, 4 pages, 2 of them written.
    const shm = memoryMap(cp, 29313, 4096).find((v) => v.start === 0x7f58bc353000n);
    expect(shm?.kind).toBe("memfd");
    const out = await coreBytes(cp, 29313);
    const segs = phdrs(out).filter((p) => p.type === 1 && p.vaddr >= 0x7f58bc353000n && p.vaddr < 0x7f58bc357000n);
    expect(segs.reduce((n, p) => n + p.filesz, 0)).toBe(4 * 4096);
  });
});
