/** Process memory: every documented marker by read and by search, unknown pages, the CLI. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Checkpoint, memorySource } from "../../src/checkpoint/index.js";
import { hexdump } from "../../src/cli/mem.js";
import { type EntryImage, readImage, writeImage } from "../../src/index.js";
import { memoryStrings, patternBytes, readMemory, searchMemory, VMA, vmasOf } from "../../src/memory/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { taskImages } from "../helpers/built-task.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { chainMarkers, type Marker, memoryMarkers } from "../helpers/markers.js";

const memoryDir = join(corpusRoot, "images", "memory");
const chainTop = join(corpusRoot, "chains", "images", "predump", "2");

/** Every (pid, address) a marker is at: "both" means every task; shared offsets are found through the memfd VMA. */
function places(cp: Checkpoint, m: Marker, defaultPid: number): [number, bigint][] {
  const pids = m.task === "both" ? cp.tasks().map((t) => t.pid) : [Number(m.task ?? defaultPid)];
  return pids.map((pid) => {
    if (m.address !== undefined) return [pid, m.address];
    const shared = vmasOf(cp, pid, 4096).find((v) => v.kind === "memfd" || v.kind === "shared");
    if (!shared) throw new Error(`task ${pid} has no shared mapping`);
    return [pid, shared.start + (m.shmemOffset as bigint) - shared.pgoff];
  });
}

const expected = (m: Marker) => patternBytes(m.name, m.utf16 ? "utf16le" : "utf8");

async function checkAll(dir: string, markers: Marker[], defaultPid: number) {
  const cp = await openCheckpoint(dir);
  expect(markers.length).toBeGreaterThanOrEqual(10);
  let reads = 0;
  for (const m of markers) {
    for (const [pid, address] of places(cp, m, defaultPid)) {
      const want = expected(m);
      const r = await readMemory(cp, pid, address, want.length + (m.utf16 ? 2 : 1));
      expect(r.unknown, `${m.name} in ${pid}`).toEqual([]);
      expect(
        Buffer.from(r.bytes.subarray(0, want.length)).toString("hex"),
        `${m.name} in ${pid} at 0x${address.toString(16)}`,
      ).toBe(Buffer.from(want).toString("hex"));
      // NUL-terminated, as the program wrote it.
      expect(r.bytes[want.length]).toBe(0);
      const hits = [];
      for await (const h of searchMemory(cp, { pid, pattern: m.name, encoding: m.utf16 ? "utf16le" : "utf8" }))
        hits.push(h);
      expect(
        hits.map((h) => h.address),
        `${m.name} found once in ${pid}`,
      ).toContain(address);
      expect(hits.filter((h) => h.address === address)).toHaveLength(1);
      reads++;
    }
  }
  return reads;
}

describe("markers at their documented addresses, by read and by search", () => {
  it("the memory scenario: every marker (heap, stack, file, sparse, straddling, UTF-16, shared memory)", async () => {
    const markers = memoryMarkers();
    expect(markers.some((m) => m.utf16)).toBe(true);
    expect(markers.some((m) => m.name.includes("STRADDLE"))).toBe(true);
    const n = await checkAll(memoryDir, markers, 29313);
    expect(n).toBeGreaterThanOrEqual(markers.length);
  });

  it("the pre-dump chain: markers in PE_PARENT pages come from the parent dump", async () => {
    const n = await checkAll(chainTop, chainMarkers(), 188);
    expect(n).toBeGreaterThanOrEqual(chainMarkers().length);
  });

  it("a regex finds every marker of both tasks, shared ones in each", async () => {
    const cp = await openCheckpoint(memoryDir);
    const found = new Set<string>();
    for await (const h of searchMemory(cp, { pattern: /MARK-[A-Z0-9-]+-alpha/ })) {
      found.add(Buffer.from(h.context.subarray(h.before, h.before + h.length)).toString("latin1"));
    }
    for (const m of memoryMarkers().filter((x) => !x.utf16)) expect(found, m.name).toContain(m.name);
  });
});

describe("unknown bytes", () => {
  it("pages never dumped are unknown, never zeros, and never matched", async () => {
    const cp = await openCheckpoint(memoryDir);
    const anon = memoryMarkers().find((m) => m.name === "MARK-ANON-alpha")!;
    // Page 1 of that 4-page mapping was never touched.
    const page1 = ((anon.address as bigint) & ~0xfffn) + 0x1000n;
    const r = await readMemory(cp, 29313, page1 - 16n, 32);
    expect(r.unknown).toEqual([{ start: page1, end: page1 + 16n }]);
    let zeros = 0;
    for await (const _ of searchMemory(cp, {
      pid: 29313,
      pattern: new Uint8Array(4096),
      range: { start: page1 - 0x1000n, end: page1 + 0x2000n },
    }))
      zeros++;
    expect(zeros).toBe(0);
    const cli = await runCli([
      "mem",
      "read",
      memoryDir,
      "--pid",
      "29313",
      "--addr",
      `0x${(page1 - 16n).toString(16)}`,
      "--len",
      "32",
      "--raw",
    ]);
    expect(cli.code).toBe(2);
    expect(cli.stderr).toContain("was not dumped; give --fill");
    const filled = await runCli([
      "mem",
      "read",
      memoryDir,
      "--pid",
      "29313",
      "--addr",
      `0x${(page1 - 16n).toString(16)}`,
      "--len",
      "32",
      "--raw",
      "--fill",
    ]);
    expect(filled.stdout.length).toBe(32);
  });

  it("the hexdump marks unknown bytes and collapses only rows whose bytes are equal", () => {
    const b = new Uint8Array(64);
    b.set([0x2e], 32); // same text column ("."), other bytes: not collapsed
    const text = hexdump(0x1000n, b, [{ start: 0x1030n, end: 0x1040n }]);
    expect(text.split("\n")).toEqual([
      "0000000000001000  00 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|",
      "*",
      "0000000000001020  2e 00 00 00 00 00 00 00  00 00 00 00 00 00 00 00  |................|",
      "0000000000001030  ?? ?? ?? ?? ?? ?? ?? ??  ?? ?? ?? ?? ?? ?? ?? ??  |????????????????|",
      "0000000000001040",
      "",
    ]);
    // A range that ends inside a row: its end is known; rows of nothing known collapse like any other.
    expect(hexdump(0x1000n, new Uint8Array(16), [{ start: 0x1004n, end: 0x100cn }]).split("\n")[0]).toBe(
      "0000000000001000  00 00 00 00 ?? ?? ?? ??  ?? ?? ?? ?? 00 00 00 00  |....????????....|",
    );
    expect(hexdump(0n, new Uint8Array(48), [{ start: 0n, end: 48n }]).split("\n")[1]).toBe("*");
  });
});

/** The built task of the property: runs between the cut pages, some of them holes. */
function builtTask(bytes: Uint8Array, cuts: number[], holes: Set<number>): Checkpoint {
  const pages = bytes.length / 4096;
  const bounds = [...new Set([0, ...cuts.map((c) => c % pages), pages])].sort((a, b) => a - b);
  const runs = bounds.slice(1).map((b, i) => ({ pages: b - (bounds[i] as number), present: !holes.has(i) }));
  return new Checkpoint(memorySource(taskImages(7, 0x10000000n, bytes, runs)));
}

describe("a VMA that claims more than the dump holds", () => {
  it("search and strings walk the pages the pagemap has, not the VMA's size (a heap edited to 1 TiB)", async () => {
    const images = new Map<string, Uint8Array>();
    for (const name of readdirSync(memoryDir)) images.set(name, readFileSync(join(memoryDir, name)));
    const pid = new Checkpoint(memorySource(images)).tasks()[0]?.pid as number;
    const mm = readImage(images.get(`mm-${pid}.img`) as Uint8Array, { name: `mm-${pid}.img` }) as EntryImage<"MM">;
    const heap = mm.entries[0]?.vmas.find((v) => v.status & VMA.HEAP);
    if (!heap) throw new Error("no heap");
    heap.end = heap.start + 2n ** 40n;
    images.set(`mm-${pid}.img`, writeImage(mm));
    const cp = new Checkpoint(memorySource(images));
    expect(vmasOf(cp, pid, 4096).find((v) => v.kind === "heap")?.end).toBe(heap.end);
    // Without the pagemap's bounds this is a million 1 MiB windows: minutes, where it now takes the heap's few pages.
    const hits = [];
    for await (const h of searchMemory(cp, { pid, pattern: "MARK-HEAP-alpha", kinds: ["heap"] })) hits.push(h.address);
    expect(hits).toEqual([0x55596682f2a8n]);
    const strings = [];
    for await (const t of memoryStrings(cp, pid, { kinds: ["heap"] })) strings.push(t.text);
    expect(strings).toContain("MARK-HEAP-alpha");
  });
});

describe("search over built memory (property)", () => {
  it("finds every placed needle, across page, pagemap-entry and window boundaries, none in holes, and nothing else", async () => {
    // 64 pages, 2..40 runs, needles of 5..40 bytes: sizes where needles straddle pages and runs often.
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.nat(63), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(64 * 4096 - 64), { minLength: 1, maxLength: 20 }),
        fc.uint8Array({ minLength: 5, maxLength: 40 }),
        fc.nat(),
        fc.integer({ min: 16, max: 20000 }),
        async (cuts, places, tail, holeSeed, window) => {
          const needle = Uint8Array.from([0xa5, 0x5a, ...tail]);
          const bytes = new Uint8Array(64 * 4096);
          const at = [...new Set(places)]
            .sort((a, b) => a - b)
            .filter((p, i, all) => i === 0 || p - (all[i - 1] as number) >= needle.length);
          for (const p of at) bytes.set(needle, p);
          const bounds = [...new Set([0, ...cuts, 64])].sort((a, b) => a - b);
          const holes = new Set([...Array(bounds.length).keys()].filter((i) => (holeSeed >> i) & 1 && i < 30));
          const cp = builtTask(bytes, cuts, holes);
          const inHole = (p: number) => {
            const page = (x: number) => Math.floor(x / 4096);
            for (let i = 0; i + 1 < bounds.length; i++) {
              if (!holes.has(i)) continue;
              const [a, b] = [(bounds[i] as number) * 4096, (bounds[i + 1] as number) * 4096];
              if (p < b && p + needle.length > a) return true;
            }
            return page(p) < 0;
          };
          const want = at.filter((p) => !inHole(p)).map((p) => 0x10000000n + BigInt(p));
          const got: bigint[] = [];
          for await (const h of searchMemory(cp, { pid: 7, pattern: needle, pageSize: 4096, window }))
            got.push(h.address);
          expect(got.sort((a, b) => (a < b ? -1 : 1))).toEqual(want);
        },
      ),
      { numRuns: 40, seed: 11 },
    );
  });
});

describe("strings and the CLI", () => {
  it("strings lists every marker with its address", async () => {
    const cp = await openCheckpoint(memoryDir);
    const seen = new Map<string, bigint>();
    for await (const s of memoryStrings(cp, 29313, { min: 8 })) seen.set(s.text, s.address);
    // A marker may follow other printable bytes: its string then starts earlier, and holds it at the right place.
    for (const m of memoryMarkers().filter((x) => !x.utf16 && x.task !== "29316")) {
      const hit = [...seen].find(([t, a]) => t.includes(m.name) && a + BigInt(t.indexOf(m.name)) === m.address);
      expect(hit, m.name).toBeDefined();
    }
    let wide = false;
    for await (const s of memoryStrings(cp, 29313, { min: 8, encoding: "utf16le" }))
      if (s.text === "MARK-WIDE-alpha") wide = true;
    expect(wide).toBe(true);
  });

  it("mem, mem --pid, mem search --json, mem strings", async () => {
    const sizes = await runCli(["mem", memoryDir, "--json"]);
    const s = JSON.parse(sizes.stdout.toString());
    expect(s.pageSize).toBe(4096);
    expect(s.processes.map((p: { pid: number }) => p.pid)).toEqual([29313, 29316]);
    expect(s.processes[0].shared).toBe(8192);
    const table = await runCli(["mem", memoryDir, "--pid", "29313"]);
    expect(table.stdout.toString()).toMatch(/ memfd .* pagemap-shmem-1045\.img/);
    // File mappings name their file, as crit x mems does.
    const cp = await openCheckpoint(memoryDir);
    const file = vmasOf(cp, 29313, 4096).find((v) => v.start === 0x7f58bc160000n);
    expect(file).toMatchObject({ kind: "file", path: expect.stringMatching(/\//) });
    const j = JSON.parse(
      (await runCli(["mem", "search", memoryDir, "--string", "MARK-HEAP-alpha", "--json"])).stdout.toString(),
    );
    expect(j).toHaveLength(1);
    expect(j[0]).toMatchObject({ pid: 29313, address: "0x55596682f2a8", vma: { kind: "heap" } });
    const st = await runCli(["mem", "strings", memoryDir, "--pid", "29316", "-n", "20"]);
    expect(st.stdout.toString()).toContain("0x7ffcdf840ed0 MARK-CHILD-STACK-alpha");
    expect((await runCli(["mem", "search", memoryDir, "--string", "a", "--hex", "41"])).code).toBe(2);
  });

  it("works on archives and stdin archives", async () => {
    const a = join(corpusRoot, "archives", "podman-web.tar.zst");
    expect((await runCli(["mem", a])).code).toBe(0);
    const hit = await runCli(["mem", "search", a, "--string", "APP_ENV=corpus", "--json"]);
    expect(JSON.parse(hit.stdout.toString()).length).toBeGreaterThanOrEqual(2);
    const piped = await runCli(
      ["mem", "search", "-", "--string", "GREETING=hello world"],
      new Uint8Array(readFileSync(a)),
    );
    expect(piped.code, piped.stderr).toBe(0);
    expect(piped.stdout.toString()).toContain("GREETING=hello world");
  });

  it("big pages files of an archive are spooled to a private temporary file when random access needs them, and it is said", async () => {
    const spooled: string[] = [];
    const cp = await openCheckpoint(join(corpusRoot, "archives", "podman-web.tar.gz"), {
      pages: () => "spool",
      onSpool: (p) => spooled.push(p),
    });
    expect(spooled.sort()).toEqual(["checkpoint/pages-1.img", "checkpoint/pages-2.img"]);
    let found = 0;
    for await (const _ of searchMemory(cp, { pattern: "APP_ENV=corpus" })) found++;
    expect(found).toBeGreaterThanOrEqual(2);
    const tmp = readdirSync(tmpdir()).filter((n) => n.startsWith("criu-image-spool-"));
    expect(tmp.length).toBeGreaterThan(0);
    for (const d of tmp)
      for (const f of readdirSync(join(tmpdir(), d))) expect(statSync(join(tmpdir(), d, f)).mode & 0o777).toBe(0o600);
  });
});
