/**
 * diff's three views, each on a change the other tests do not make: values
 * that grow, shrink or appear, an environment that changes in memory, fds
 * and sockets that come and go, pages that become unknown.
 */
import { join } from "node:path";
import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import {
  diffCheckpoints,
  diffImages,
  diffMemory,
  diffSemantic,
  diffValues,
  type FieldChange,
} from "../../src/diff/index.js";
import { editCheckpoint } from "../../src/edit/index.js";
import { pstree_entrySchema } from "../../src/gen/index.js";
import { type CriuImage, type EntryImage, readImage, writeImage } from "../../src/index.js";
import { inspectCheckpoint } from "../../src/inspect/index.js";
import { openCheckpoint, pagesForRandomAccess } from "../../src/node/index.js";
import { imageOf, taskImages } from "../helpers/built-task.js";
import { corpusCheckpoint } from "../helpers/checkpoints.js";
import { corpusRoot } from "../helpers/corpus.js";
import { memoryMarkers } from "../helpers/markers.js";

const open = (scenario: string) => openCheckpoint(join(corpusRoot, "images", scenario));
const edited = async (cp: Checkpoint, edit: Parameters<typeof editCheckpoint>[1]) =>
  (await editCheckpoint(cp, edit)).checkpoint;

/** A one-task checkpoint built in memory: pid 7, one anonymous VMA at `start` holding `bytes` (all pages present), its end moved to `end` if given. */
function taskCheckpoint(start: bigint, bytes: Uint8Array, end?: bigint): Checkpoint {
  const images = taskImages(7, start, bytes, [{ pages: bytes.length / 4096, present: true }]);
  if (end !== undefined) {
    const mm = readImage(images.get("mm-7.img") as Uint8Array, { name: "mm-7.img" }) as EntryImage<"MM">;
    const vma = mm.entries[0]?.vmas[0];
    if (vma) vma.end = end;
    images.set("mm-7.img", writeImage(mm));
  }
  images.set(
    "pstree.img",
    imageOf("PSTREE", [create(pstree_entrySchema, { pid: 7, ppid: 0, pgid: 7, sid: 7, threads: [7] })]),
  );
  return Checkpoint.of(images);
}

describe("diffValues", () => {
  const diff = (a: unknown, b: unknown, path = "") => {
    const out: FieldChange[] = [];
    diffValues(a, b, path, out);
    return out;
  };

  it("names each leaf that differs by its path: keys joined by dots, list items by index", () => {
    expect(diff({ a: 1, b: { c: [1, 2], d: "x" } }, { a: 1, b: { c: [1, 3], d: "y" }, e: true })).toEqual([
      { path: "b.c[1]", old: 2, new: 3 },
      { path: "b.d", old: "x", new: "y" },
      { path: "e", old: undefined, new: true },
    ]);
    expect(diff({ a: 1 }, {}, "entries[2]")).toEqual([{ path: "entries[2].a", old: 1, new: undefined }]);
  });

  it("a list that grows or shrinks differs as a whole, under its own path", () => {
    expect(diff({ l: [1, 2] }, { l: [1, 2, 3] }, "p")).toEqual([{ path: "p.l", old: [1, 2], new: [1, 2, 3] }]);
    expect(diff([{ x: 1 }], [], "q")).toEqual([{ path: "q", old: [{ x: 1 }], new: [] }]);
  });

  it("equal values give nothing, however deep; a value against an object or list differs whole", () => {
    expect(diff({ a: [{ b: [1, { c: null }] }] }, { a: [{ b: [1, { c: null }] }] })).toEqual([]);
    expect(diff({ a: 1 }, { a: { b: 1 } })).toEqual([{ path: "a", old: 1, new: { b: 1 } }]);
    expect(diff({ a: [1] }, { a: { 0: 1 } })).toEqual([{ path: "a", old: [1], new: { 0: 1 } }]);
    expect(diff(null, {}, "n")).toEqual([{ path: "n", old: null, new: {} }]);
  });
});

describe("diffSemantic", () => {
  it("an environment variable changed in memory is a changed process, with the variable's old and new text", async () => {
    const a = await open("memory");
    const pid = 29313;
    const mm = a.first(`mm-${pid}.img`, "MM");
    const env = mm; // its entry says where the environment is
    expect(env?.mmEnvStart).toBeDefined();
    // The environment is MARK_USER=corpus\0MARK_TOKEN=s3cr3t-0001\0PATH=/usr/bin\0 (the corpus README).
    const at = BigInt(env?.mmEnvStart as bigint) + BigInt("MARK_USER=corpus\0MARK_TOKEN=".length);
    const b = await edited(a, (e) => e.writeMemory(pid, at, new TextEncoder().encode("S")));
    const changes = await diffSemantic(a, b);
    const mine = changes.filter((c) => c.key === `process ${pid}`);
    expect(mine).toEqual([
      {
        what: "process",
        change: "changed",
        key: `process ${pid}`,
        fields: [{ path: "env[1]", old: "MARK_TOKEN=s3cr3t-0001", new: "MARK_TOKEN=S3cr3t-0001" }],
      },
    ]);
    // The child shares none of the parent's pages there: it is unchanged.
    expect(changes.filter((c) => c.what === "process" && c.key !== `process ${pid}`)).toEqual([]);
  });

  it("an fd that goes is a removed fd; its socket stays as long as files.img holds it", async () => {
    const a = await open("tcp4");
    const fdinfo = a.names().find((n) => n.startsWith("fdinfo-")) as string;
    const gone = a.kind(fdinfo, "FDINFO")?.entries.at(-1);
    expect(gone).toBeDefined();
    const b = await edited(a, (e) => {
      e.image(fdinfo, "FDINFO")?.entries.pop();
    });
    const changes = await diffSemantic(a, b);
    const fds = changes.filter((c) => c.what === "fd");
    expect(fds).toHaveLength(1);
    expect(fds[0]).toMatchObject({ change: "removed", fields: [] });
    expect(fds[0]?.key).toMatch(new RegExp(`^fd ${gone?.fd} of \\d+$`));
    // And back: the same fd is added.
    expect((await diffSemantic(b, a)).filter((c) => c.what === "fd")).toEqual([{ ...fds[0], change: "added" }]);
  });

  it("a socket whose port moves is a changed socket, naming the field", async () => {
    const a = await open("tcp4");
    const b = await edited(a, (e) => {
      const isk = e.image("files.img", "FILES")?.entries.find((f) => f.isk)?.isk;
      if (isk) isk.srcPort += 1;
    });
    const socks = (await diffSemantic(a, b)).filter((c) => c.what === "socket");
    expect(socks).toHaveLength(1);
    expect(socks[0]?.change).toBe("changed");
    const port = socks[0]?.fields.find((f) => /port/i.test(f.path));
    expect(port).toBeDefined();
    expect(port?.new).toBe((port?.old as number) + 1);
  });
});

describe("diffMemory", () => {
  it("pages that become unknown (their pagemap entry gone) differ, though no byte was compared", async () => {
    const a = await open("memory");
    const pid = 29313;
    const pagemap = `pagemap-${pid}.img`;
    // The last entry: its pages are the last of the pages file, so no other entry's bytes move.
    const entries = a.kind(pagemap, "PAGEMAP")?.entries ?? [];
    const last = entries.at(-1) as unknown as { vaddr: bigint; nrPages: bigint };
    expect(entries.length).toBeGreaterThan(2);
    const b = await edited(a, (e) => {
      e.image(pagemap, "PAGEMAP")?.entries.pop();
    });
    const changes = await diffMemory(a, b);
    expect(changes).toHaveLength(1);
    const n = Number(last.nrPages);
    expect(changes[0]).toMatchObject({ pid, count: n });
    expect(changes[0]?.pages).toEqual(
      Array.from({ length: n }, (_, i) => `0x${(BigInt(last.vaddr) + BigInt(i * 4096)).toString(16)}`),
    );
    expect(changes[0]?.vma).toMatch(/^0x[0-9a-f]+-0x[0-9a-f]+ \(\w+\)$/);
    // Both ways, and a checkpoint against itself: nothing.
    expect((await diffMemory(b, a)).map((c) => c.count)).toEqual([n]);
    expect(await diffMemory(a, a)).toEqual([]);
  });

  it("a VMA that is not in both is left out; a page whose bytes change is found", async () => {
    const a = await open("memory");
    const pid = 29313;
    const mm = `mm-${pid}.img`;
    const vma = a.first(mm, "MM")?.vmas.find((v) => v.end - v.start > 4096n);
    expect(vma).toBeDefined();
    const b = await edited(a, (e) => {
      const v = e.image(mm, "MM")?.entries[0]?.vmas.find((x) => x.start === vma?.start);
      if (v) v.end -= 4096n; // a VMA that shrank is another VMA
    });
    expect((await diffMemory(a, b)).some((c) => c.vma.startsWith(`0x${vma?.start.toString(16)}-`))).toBe(false);
  });
});

describe("diffCheckpoints", () => {
  it("reports the images whose bytes differ and leaves equal ones out", async () => {
    const a = await open("tcp4");
    const b = await edited(a, (e) => {
      const f = e.image("files.img", "FILES")?.entries[0];
      if (f) f.id += 1000;
    });
    const r = await diffCheckpoints(a, b);
    expect(r.images.map((i) => i.image)).toEqual(["files.img"]);
    expect(r.images[0]).toMatchObject({ change: "changed", kind: "FILES" });
    expect(r.images[0]?.entries).toEqual([
      {
        index: 0,
        change: "changed",
        fields: [{ path: "entries[0].id", old: expect.any(Number), new: expect.any(Number) }],
      },
    ]);
    const f = r.images[0]?.entries?.[0]?.fields[0];
    expect((f?.new as number) - (f?.old as number)).toBe(1000);
  });
});

describe("diffImages", () => {
  const tcp4 = corpusCheckpoint("tcp4");
  const withBytes = (base: ReadonlyMap<string, Uint8Array>, changes: Record<string, Uint8Array | undefined>) => {
    const m = new Map(base);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined) m.delete(k);
      else m.set(k, v);
    }
    return m;
  };

  it("an image only in one is added or removed, with its kind", async () => {
    const b = withBytes(tcp4, { "files.img": undefined, "ipcns-var-11.img": tcp4.get("inventory.img") });
    expect(await diffImages(Checkpoint.of(tcp4), Checkpoint.of(b))).toEqual([
      { image: "files.img", change: "removed", kind: "FILES" },
      { image: "ipcns-var-11.img", change: "added", kind: "IPC_VAR" },
    ]);
  });

  it("raw images by byte ranges: each run of changed bytes, the count, both sizes; a longer file's tail is a range", async () => {
    const pages = new Uint8Array(3 << 20).fill(7); // three windows of 1 MiB
    const changed = pages.slice();
    changed[10] = 0; // one byte
    for (let i = (1 << 20) - 2; i < (1 << 20) + 3; i++) changed[i] = 1; // a run across a window's end
    changed[(3 << 20) - 1] = 9; // the last byte
    const a = Checkpoint.of(new Map([["pages-1.img", pages]]));
    const b = Checkpoint.of(new Map([["pages-1.img", changed]]));
    expect(await diffImages(a, b)).toEqual([
      {
        image: "pages-1.img",
        change: "changed",
        kind: "PAGES",
        ranges: [
          [10, 11],
          [(1 << 20) - 2, (1 << 20) + 3],
          [(3 << 20) - 1, 3 << 20],
        ],
        changedBytes: 7,
        sizes: [3 << 20, 3 << 20],
      },
    ]);
    const longer = Checkpoint.of(new Map([["pages-1.img", Uint8Array.of(...pages.subarray(0, 8), 1, 2)]]));
    const short = Checkpoint.of(new Map([["pages-1.img", pages.subarray(0, 8)]]));
    expect((await diffImages(short, longer))[0]).toMatchObject({ ranges: [[8, 10]], changedBytes: 2, sizes: [8, 10] });
    expect(await diffImages(a, Checkpoint.of(new Map([["pages-1.img", pages.slice()]])))).toEqual([]);
  });

  it("lists the first 100 ranges of a raw image and counts every changed byte", async () => {
    const x = new Uint8Array(1000);
    const y = x.slice();
    for (let i = 0; i < 300; i++) y[3 * i] = 1;
    const [r] = await diffImages(
      Checkpoint.of(new Map([["pages-1.img", x]])),
      Checkpoint.of(new Map([["pages-1.img", y]])),
    );
    expect(r?.ranges).toHaveLength(100);
    expect(r?.ranges?.[99]).toEqual([297, 298]);
    expect(r?.changedBytes).toBe(300);
  });

  it("an image that does not parse is compared by its bytes", async () => {
    const files = tcp4.get("files.img") as Uint8Array;
    const broken = files.slice(0, files.length - 3);
    const [r] = await diffImages(Checkpoint.of(tcp4), Checkpoint.of(withBytes(tcp4, { "files.img": broken })));
    expect(r).toMatchObject({ image: "files.img", change: "changed", kind: "FILES", changedBytes: 3 });
    expect(r?.ranges).toEqual([[files.length - 3, files.length]]);
    expect(r?.entries).toBeUndefined();
  });

  it("entries added or removed at the end, and a changed extra payload by its path", async () => {
    const files = readImage(tcp4.get("files.img") as Uint8Array, { name: "files.img" });
    const more = writeImage({ ...files, entries: [...files.entries, files.entries[0]] } as CriuImage);
    const [grown] = await diffImages(Checkpoint.of(tcp4), Checkpoint.of(withBytes(tcp4, { "files.img": more })));
    expect(grown?.entries).toEqual([{ index: files.entries.length, change: "added", fields: [] }]);
    const [shrunk] = await diffImages(Checkpoint.of(withBytes(tcp4, { "files.img": more })), Checkpoint.of(tcp4));
    expect(shrunk?.entries).toEqual([{ index: files.entries.length, change: "removed", fields: [] }]);

    const stream = [...tcp4.keys()].find((n) => n.startsWith("tcp-stream-")) as string;
    // A copy: the extras are views of the bytes they were read from.
    const img = readImage((tcp4.get(stream) as Uint8Array).slice(), { name: stream });
    const extras =
      img.format === "raw" ? [] : ((img as { extras: { inq: Uint8Array; outq: Uint8Array }[] }).extras ?? []);
    const q = extras[0];
    expect(q && q.inq.length + q.outq.length).toBeGreaterThan(0);
    const queue = q?.inq.length ? q.inq : (q?.outq as Uint8Array);
    queue[0] = (queue[0] as number) ^ 0xff;
    const [r] = await diffImages(Checkpoint.of(tcp4), Checkpoint.of(withBytes(tcp4, { [stream]: writeImage(img) })));
    expect(r?.entries).toHaveLength(1);
    expect(r?.entries?.[0]?.change).toBe("changed");
    expect(r?.entries?.[0]?.fields.map((f) => f.path)).toEqual([expect.stringMatching(/^entries\[0\]\.extra\./)]);
  });
});

describe("diffCheckpoints' options", () => {
  it("same is true only when nothing differs; semantic: false leaves the views out; memory adds pages", async () => {
    const a = await open("memory");
    expect(await diffCheckpoints(a, a)).toEqual({ same: true, semantic: [], images: [], metadata: [] });
    const pid = 29313;
    const b = await edited(a, (e) => {
      e.image(`pstree.img`, "PSTREE")?.entries.forEach((p) => {
        if (p.pid === pid) p.pgid += 1;
      });
    });
    const full = await diffCheckpoints(a, b);
    expect(full.same).toBe(false);
    expect(full.semantic.map((c) => c.key)).toContain(`process ${pid}`);
    expect(full.memory).toBeUndefined();
    const bare = await diffCheckpoints(a, b, { semantic: false });
    expect(bare.semantic).toEqual([]);
    expect(bare.images.map((i) => i.image)).toEqual(["pstree.img"]);
    const withMemory = await diffCheckpoints(a, b, { memory: true });
    expect(withMemory.memory).toEqual([]);
    expect(await diffCheckpoints(a, a, { memory: true })).toEqual({
      same: true,
      semantic: [],
      images: [],
      metadata: [],
      memory: [],
    });
  });

  it("a change in the pages alone is not the same, with or without the memory view", async () => {
    const a = await open("memory");
    const heap = memoryMarkers().find((m) => m.name === "MARK-HEAP-alpha");
    const b = await edited(a, (e) => e.writeMemory(29313, heap?.address as bigint, new TextEncoder().encode("X")));
    const plain = await diffCheckpoints(a, b);
    expect(plain.same).toBe(false);
    expect(plain.semantic).toEqual([]);
    expect(plain.images.map((i) => i.image)).toEqual(["pages-2.img"]);
    const deep = await diffCheckpoints(a, b, { memory: true, semantic: false });
    expect(deep.same).toBe(false);
    expect(deep.memory?.map((m) => m.count)).toEqual([1]);
  });
});

describe("diffMemory on a task built in memory", () => {
  const PID = 7; // taskCheckpoint's
  const START = 0x10000000n;
  // 1.2 MB: more than the 1 MiB the comparison reads at a time, and more than 100 pages. Odd, so the
  // VMA bounds give 4 KiB pages (without a core image the page size is what every bound is a multiple of).
  const PAGES = 301;
  const task = (bytes: Uint8Array) => taskCheckpoint(START, bytes);
  const zeros = new Uint8Array(PAGES * 4096);
  const page = (i: number) => `0x${(START + BigInt(i * 4096)).toString(16)}`;

  it("counts every changed page of a VMA and lists the first 100, in order", async () => {
    const changes = await diffMemory(task(zeros), task(new Uint8Array(PAGES * 4096).fill(1)));
    expect(changes).toEqual([
      {
        pid: PID,
        vma: `${page(0)}-${page(PAGES)} (anon)`,
        pages: Array.from({ length: 100 }, (_, i) => page(i)),
        count: PAGES,
      },
    ]);
  });

  it("finds a single byte changed in the last byte of a page, and in the second MiB read", async () => {
    const b = zeros.slice();
    b[5 * 4096 - 1] = 1; // the last byte of page 4
    b[(1 << 20) + 4096 * 3] = 1; // the first byte of a page past the first MiB
    b[PAGES * 4096 - 1] = 1; // the VMA's last byte
    const changes = await diffMemory(task(zeros), task(b));
    expect(changes).toHaveLength(1);
    expect(changes[0]?.pages).toEqual([page(4), page(256 + 3), page(PAGES - 1)]);
    expect(changes[0]?.count).toBe(3);
  });
});

describe("diffSemantic's keys", () => {
  it("name a mount by id and namespace, a namespace by kind and id, and the fields that changed", async () => {
    const a = await openCheckpoint(join(corpusRoot, "archives", "podman-web.tar"));
    const before = await inspectCheckpoint(a);
    const uts = before.namespaces.uts[0];
    const mount = before.mounts[0];
    expect(uts && mount).toBeTruthy();
    const b = await edited(a, (e) => {
      const mnt = a.names().find((n) => n.startsWith("mountpoints-")) as string;
      const m = e.image(mnt, "MNTS")?.entries.find((x) => x.mntId === mount?.id);
      if (m) m.mountpoint = "/moved";
      const u = a.names().find((n) => n.startsWith("utsns-")) as string;
      const entry = e.image(u, "UTSNS")?.entries[0];
      if (entry) entry.nodename = "renamed";
    });
    const changes = await diffSemantic(a, b);
    expect(changes.filter((c) => c.what === "mount" || c.what === "namespace")).toEqual([
      {
        what: "mount",
        change: "changed",
        key: `mount ${mount?.id} (ns ${mount?.ns})`,
        fields: [{ path: "mountpoint", old: mount?.mountpoint, new: "/moved" }],
      },
      {
        what: "namespace",
        change: "changed",
        key: `uts namespace ${uts?.id}`,
        fields: [{ path: "hostname", old: uts?.hostname, new: "renamed" }],
      },
    ]);
  });
});

describe("diff's edges", () => {
  const tcp4 = corpusCheckpoint("tcp4");
  const raw = async (x: Uint8Array, y: Uint8Array) =>
    (await diffImages(Checkpoint.of(new Map([["pages-1.img", x]])), Checkpoint.of(new Map([["pages-1.img", y]]))))[0];

  it("byte ranges: a run from byte 0 to the end, a run that closes before the end, a tail longer than a read window", async () => {
    expect(await raw(Uint8Array.of(0, 0), Uint8Array.of(1, 1))).toMatchObject({ ranges: [[0, 2]], changedBytes: 2 });
    expect(await raw(new Uint8Array(10), Uint8Array.of(0, 0, 5, 0, 0, 0, 0, 0, 0, 0))).toMatchObject({
      ranges: [[2, 3]],
      changedBytes: 1,
    });
    const long = new Uint8Array((1 << 20) + 10).fill(1);
    expect(await raw(Uint8Array.of(1), long)).toMatchObject({
      ranges: [[1, (1 << 20) + 10]],
      changedBytes: (1 << 20) + 9,
      sizes: [1, (1 << 20) + 10],
    });
  });

  it("byte ranges: 100 runs and one more still open at the end: 100 listed, every byte counted", async () => {
    const y = new Uint8Array(1000);
    for (let i = 0; i < 100; i++) y[3 * i] = 1;
    y[999] = 1;
    const r = await raw(new Uint8Array(1000), y);
    expect(r?.ranges).toHaveLength(100);
    expect(r?.changedBytes).toBe(101);
  });

  it("images come in name order, whichever side has them", async () => {
    const stream = [...tcp4.keys()].find((n) => n.startsWith("tcp-stream-")) as string;
    const b = new Map(tcp4);
    b.delete(stream);
    b.set("ipcns-var-11.img", tcp4.get("inventory.img") as Uint8Array);
    expect((await diffImages(Checkpoint.of(tcp4), Checkpoint.of(b))).map((c) => `${c.change} ${c.image}`)).toEqual([
      "added ipcns-var-11.img",
      `removed ${stream}`,
    ]);
  });

  it("an integer past 2^53 is compared and shown exactly, as text", async () => {
    const inv = readImage((tcp4.get("inventory.img") as Uint8Array).slice(), {
      name: "inventory.img",
    }) as EntryImage<"INVENTORY">;
    // CRIU 4.2 does not write it (crit shows no field), so it appears.
    expect(Object.hasOwn(inv.entries[0] as object, "dumpUptime")).toBe(false);
    (inv.entries[0] as { dumpUptime: bigint }).dumpUptime = 2n ** 60n + 1n;
    const b = new Map(tcp4).set("inventory.img", writeImage(inv));
    const [r] = await diffImages(Checkpoint.of(tcp4), Checkpoint.of(b));
    expect(r?.entries?.[0]?.fields).toEqual([
      { path: "entries[0].dump_uptime", old: undefined, new: "1152921504606846977" },
    ]);
  });

  it("memory: a VMA whose bounds changed is not compared (its pages would differ only by the bounds)", async () => {
    const pages = 5;
    const start = 0x10000000n;
    // The last page's bytes differ too: compared by mistake, it would show.
    const build = (end: bigint, last: number) => {
      const bytes = new Uint8Array(pages * 4096);
      bytes.fill(last, (pages - 1) * 4096);
      return taskCheckpoint(start, bytes, end);
    };
    const whole = build(start + BigInt(pages * 4096), 0);
    const shorter = build(start + BigInt((pages - 1) * 4096), 1);
    expect(await diffMemory(whole, shorter)).toEqual([]);
    expect(await diffMemory(shorter, whole)).toEqual([]);
    // The same VMA on both sides is compared: its last page differs.
    expect((await diffMemory(whole, build(start + BigInt(pages * 4096), 1))).map((c) => c.count)).toEqual([1]);
  });
});

describe("diffSemantic: sockets of every family and the container", () => {
  it("a netlink and a packet socket that go are removed under their own keys", async () => {
    const a = await open("mixed-sockets");
    const files = a.kind("files.img", "FILES")?.entries ?? [];
    const nl = files.find((f) => f.nlsk)?.nlsk;
    const pk = files.find((f) => f.psk)?.psk;
    expect(nl && pk).toBeTruthy();
    const b = await edited(a, (e) => {
      const img = e.image("files.img", "FILES");
      if (img) img.entries = img.entries.filter((f) => f.nlsk?.id !== nl?.id && f.psk?.id !== pk?.id);
    });
    const socks = (await diffSemantic(a, b)).filter((c) => c.what === "socket").map((c) => `${c.change} ${c.key}`);
    expect(socks).toEqual([`removed netlink socket ${nl?.id}`, `removed packet socket ${pk?.id}`]);
  });

  it("a container whose engine metadata changed is a changed container, by field", async () => {
    const a = await openCheckpoint(join(corpusRoot, "archives", "podman-web.tar"));
    const name = (await inspectCheckpoint(a)).container?.name;
    expect(name).toBeTruthy();
    const b = await edited(a, (e) => {
      const config = JSON.parse(new TextDecoder().decode(e.metadata("config.dump")));
      config.name = "renamed";
      e.setMetadata("config.dump", new TextEncoder().encode(JSON.stringify(config)));
    });
    const change = {
      what: "container",
      change: "changed",
      key: "container",
      fields: [{ path: "name", old: name, new: "renamed" }],
    };
    expect((await diffSemantic(a, b)).filter((c) => c.what === "container")).toEqual([change]);
    // The edit's own report says so too: no image changed, the metadata did.
    const r = await editCheckpoint(a, (e) => {
      const config = JSON.parse(new TextDecoder().decode(e.metadata("config.dump")));
      config.name = "renamed";
      e.setMetadata("config.dump", new TextEncoder().encode(JSON.stringify(config)));
    });
    expect([...r.changedMetadata.keys()]).toEqual(["config.dump"]);
    expect(r.report.same).toBe(false);
    expect(r.report.images).toEqual([]);
    expect(r.report.metadata).toEqual(["config.dump"]);
    expect(r.report.semantic).toContainEqual(change);
  });

  it("engine metadata that differs where no view looks, in bytes of the same size, still makes two checkpoints differ", async () => {
    const a = await openCheckpoint(join(corpusRoot, "archives", "podman-web.tar"));
    const spec = new TextDecoder().decode(a.source.companions.get("spec.dump")?.bytes());
    const version = /"ociVersion": ?"([^"]+)"/.exec(spec)?.[1] as string;
    expect(version).toBeTruthy();
    const bumped = version.replace(/\d(?=\D*$)/, (d) => String((Number(d) + 1) % 10));
    const r = await editCheckpoint(a, (e) => {
      e.setMetadata("spec.dump", new TextEncoder().encode(spec.replace(version, bumped)));
    });
    expect(r.changedMetadata.get("spec.dump")?.length).toBe(a.source.companions.get("spec.dump")?.size);
    expect(r.report).toMatchObject({ same: false, images: [], metadata: ["spec.dump"] });
    expect(r.report.semantic.filter((c) => c.what === "container")).toEqual([]);
    // A side without the file: it differs too, by name.
    const noSpec = new Checkpoint({
      ...a.source,
      companions: new Map([...a.source.companions].filter(([n]) => n !== "spec.dump")),
    });
    expect((await diffCheckpoints(a, noSpec, { semantic: false })).metadata).toEqual(["spec.dump"]);
  });
});

describe("diff of engine metadata", () => {
  const archive = join(corpusRoot, "archives", "podman-web.tar");

  it("the same archive opened twice: other file objects, the same bytes, no difference", async () => {
    // Pages kept: diff compares them byte by byte.
    const opened = () => openCheckpoint(archive, { pages: pagesForRandomAccess });
    const [a, b] = [await opened(), await opened()];
    expect(a.source.companions.get("config.dump")).not.toBe(b.source.companions.get("config.dump"));
    expect(await diffCheckpoints(a, b)).toEqual({ same: true, semantic: [], images: [], metadata: [] });
  });

  it("names every file that differs, in name order, a longer one with the same start included", async () => {
    const a = await openCheckpoint(archive);
    const text = (n: string) => new TextDecoder().decode(a.source.companions.get(n)?.bytes());
    const r = await editCheckpoint(a, (e) => {
      e.setMetadata("spec.dump", new TextEncoder().encode(`${text("spec.dump")} `));
      e.setMetadata("config.dump", new TextEncoder().encode(`${text("config.dump")}\n`));
    });
    expect(r.report.metadata).toEqual(["config.dump", "spec.dump"]);
    expect(r.report.same).toBe(false);
  });
});
