/**
 * diff's three views, each on a change the other tests do not make: values
 * that grow, shrink or appear, an environment that changes in memory, fds
 * and sockets that come and go, pages that become unknown.
 */
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Checkpoint } from "../../src/checkpoint/index.js";
import { diffCheckpoints, diffMemory, diffSemantic, diffValues, type FieldChange } from "../../src/diff/index.js";
import { editCheckpoint } from "../../src/edit/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusRoot } from "../helpers/corpus.js";

const open = (scenario: string) => openCheckpoint(join(corpusRoot, "images", scenario));
const edited = async (cp: Checkpoint, edit: Parameters<typeof editCheckpoint>[1]) =>
  (await editCheckpoint(cp, edit)).checkpoint;

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
