/**
 * Process memory against a model: random tasks built in memory (VMAs with
 * gaps, pagemap entries of every kind: stored here, kept in the parent dump,
 * lazy, not dumped, and holes between entries; a parent dump holding its
 * pages) whose every byte is known to the test as a plain map from address
 * to byte or "unknown". readMemory, locateMemory, searchMemory, memoryMap's
 * page counts and coverage must agree with that map for any range. A small
 * page size keeps each case small; nothing in the code may assume 4096.
 */
import { create, type Message } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Checkpoint, memorySource } from "../../src/checkpoint/index.js";
import type { CriuImageError } from "../../src/framing/errors.js";
import { core_entrySchema, pagemap_entrySchema, pagemap_headSchema, pstree_entrySchema } from "../../src/gen/index.js";
import { PE_LAZY, PE_PARENT, PE_PRESENT } from "../../src/image/pagemap.js";
import {
  coverage,
  locateMemory,
  memoryMap,
  pagemapRuns,
  pageSizeOf,
  readMemory,
  searchMemory,
} from "../../src/memory/index.js";
import { anonVma, imageOf, mmEntry } from "../helpers/built-task.js";

const PS = 64;
const PID = 7;
const BASE = 0x10000n;

type State = "here" | "parent" | "lazy" | "flagless" | "hole";
/** One VMA: its first page (after the previous VMA), and per page its state. */
interface VmaSpec {
  gap: number;
  /** PROT_* bits, and whether it is the heap. */
  prot: number;
  heap: boolean;
  pages: State[];
  /** Where runs of the same state are cut into separate pagemap entries. */
  cuts: boolean[];
}
interface Built {
  cp: Checkpoint;
  /** Every byte of the address space the model knows; absent = unknown. */
  model: Map<bigint, number>;
  /** Per address, the state of its page (addresses in no VMA are absent). */
  state: Map<bigint, State>;
  vmas: { start: bigint; end: bigint; pages: State[]; prot: number; heap: boolean }[];
  lo: bigint;
  hi: bigint;
}

const FLAGS: Record<Exclude<State, "hole">, number> = {
  here: PE_PRESENT,
  parent: PE_PARENT,
  lazy: PE_LAZY,
  flagless: 0,
};

/** Ways a dump can be incomplete: no parent dump at hand, a pages file cut short, or no pagemap at all. */
interface Damage {
  noParent?: boolean;
  /** Bytes cut from the end of pages-1.img. */
  cut?: number;
  noPagemap?: boolean;
}

function build(specs: VmaSpec[], seed: number, damage: Damage = {}): Built {
  let rnd = seed >>> 0 || 1;
  // Mostly a small alphabet (letters, NULs, tab, space, DEL, a high byte) so that needles recur and strings form.
  const ALPHABET = [0x41, 0x42, 0x43, 0, 0, 0x20, 0x09, 0x0a, 0x7f, 0x80];
  const byte = () => {
    rnd = (rnd * 1103515245 + 12345) >>> 0;
    const r = rnd >>> 16;
    return r % 8 === 0 ? r & 0xff : (ALPHABET[r % ALPHABET.length] as number);
  };
  const model = new Map<bigint, number>();
  const state = new Map<bigint, State>();
  const vmas: Built["vmas"] = [];
  const entries: Message[] = [create(pagemap_headSchema, { pagesId: 1 })];
  const parentEntries: Message[] = [create(pagemap_headSchema, { pagesId: 1 })];
  const here: number[] = [];
  const hereAt: bigint[] = [];
  const there: number[] = [];
  let page = BASE / BigInt(PS);
  for (const s of specs) {
    page += BigInt(s.gap);
    const start = page * BigInt(PS);
    vmas.push({ start, end: start + BigInt(s.pages.length * PS), pages: s.pages, prot: s.prot, heap: s.heap });
    let i = 0;
    while (i < s.pages.length) {
      const st = s.pages[i] as State;
      let j = i + 1;
      while (j < s.pages.length && s.pages[j] === st && !s.cuts[j]) j++;
      const vaddr = (page + BigInt(i)) * BigInt(PS);
      for (let k = 0; k < (j - i) * PS; k++) {
        const a = vaddr + BigInt(k);
        state.set(a, st);
        if (st === "here" || st === "parent") {
          const b = byte();
          model.set(a, b);
          (st === "here" ? here : there).push(b);
          if (st === "here") hereAt.push(a);
          else if (damage.noParent) model.delete(a);
        } else there.push(0xee);
      }
      if (st !== "hole")
        entries.push(
          create(pagemap_entrySchema, { vaddr, compatNrPages: 0, nrPages: BigInt(j - i), flags: FLAGS[st] }),
        );
      // The parent dump holds the pages this one keeps there, and stale pages where this one has none of its own (a
      // mapping replaced since the pre-dump): those must never be read.
      if (st !== "here")
        parentEntries.push(
          create(pagemap_entrySchema, { vaddr, compatNrPages: 0, nrPages: BigInt(j - i), flags: PE_PRESENT }),
        );
      i = j;
    }
    page += BigInt(s.pages.length);
  }
  const mm = mmEntry(vmas.map((v) => anonVma(v.start, v.end, { prot: v.prot, status: v.heap ? 0x221 : 0x201 })));
  const parent = new Map([
    [`pagemap-${PID}.img`, imageOf("PAGEMAP", parentEntries)],
    ["pages-1.img", new Uint8Array(there)],
  ]);
  const cut = Math.min(damage.cut ?? 0, here.length);
  for (const a of hereAt.slice(here.length - cut)) model.delete(a);
  const files = new Map([
    [`mm-${PID}.img`, imageOf("MM", [mm])],
    [`pagemap-${PID}.img`, imageOf("PAGEMAP", entries)],
    ["pages-1.img", new Uint8Array(here.slice(0, here.length - cut))],
  ]);
  if (damage.noPagemap) {
    files.delete(`pagemap-${PID}.img`);
    model.clear();
  }
  const lo = BASE - BigInt(2 * PS);
  return {
    cp: new Checkpoint(memorySource(files, damage.noParent ? {} : { parent })),
    model,
    state,
    vmas,
    lo,
    hi: page * BigInt(PS) + BigInt(2 * PS),
  };
}

const states = fc.constantFrom<State>("here", "here", "here", "parent", "lazy", "flagless", "hole");
const vmaSpec = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc.record({
    gap: fc.integer({ min: 0, max: 2 }),
    prot: fc.integer({ min: 0, max: 7 }),
    heap: fc.boolean(),
    pages: fc.array(states, { minLength: n, maxLength: n }),
    cuts: fc.array(fc.boolean(), { minLength: n, maxLength: n }),
  }),
);
// A uniform fraction: fast-check's doubles crowd at 0 and 1, which would put every range before the first VMA.
const fraction = fc.integer({ min: 0, max: 9999 }).map((n) => n / 10000);
const layout = fc.record({ specs: fc.array(vmaSpec, { minLength: 1, maxLength: 4 }), seed: fc.integer() });
/** Mostly whole dumps; now and then one without its parent or its pagemap. */
const missing: fc.Arbitrary<Damage> = fc.record({
  noParent: fc.constantFrom(false, false, true),
  noPagemap: fc.constantFrom(false, false, false, true),
});

/** The same, or a pages file cut short now and then. */
const missingOrCut: fc.Arbitrary<Damage> = fc.record({
  noParent: fc.constantFrom(false, false, true),
  noPagemap: fc.constantFrom(false, false, false, true),
  cut: fc.oneof(fc.constant(0), fc.integer({ min: 1, max: 3 * PS })),
});

/** Every address, VMA by VMA, where the model's known bytes spell `needle` (a match never spans VMAs). */
function occurrences(b: Built, needle: Uint8Array): bigint[] {
  const out: bigint[] = [];
  const n = BigInt(needle.length);
  for (const v of b.vmas)
    for (let a = v.start; a + n <= v.end; a++) {
      let ok = true;
      for (let i = 0; i < needle.length && ok; i++) ok = b.model.get(a + BigInt(i)) === needle[i];
      if (ok) out.push(a);
    }
  return out;
}

/** Maximal runs of addresses in [a, b) the model does not know. */
function unknownRuns(b: Built, start: bigint, end: bigint): { start: bigint; end: bigint }[] {
  const out: { start: bigint; end: bigint }[] = [];
  for (let a = start; a < end; a++) {
    if (b.model.has(a)) continue;
    const last = out[out.length - 1];
    if (last && last.end === a) last.end = a + 1n;
    else out.push({ start: a, end: a + 1n });
  }
  return out;
}

describe("memory against a model of every byte", () => {
  it("readMemory: known bytes exactly, unknown ranges merged, zeros where unknown (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        layout,
        fc.array(fc.tuple(fraction, fc.integer({ min: 1, max: 300 })), {
          minLength: 1,
          maxLength: 6,
        }),
        async ({ specs, seed }, queries) => {
          const b = build(specs, seed);
          for (const [f, n] of queries) {
            const start = b.lo + BigInt(Math.floor(f * Number(b.hi - b.lo)));
            const r = await readMemory(b.cp, PID, start, n, { pageSize: PS });
            expect(r.address).toBe(start);
            expect(r.bytes.length).toBe(n);
            for (let i = 0; i < n; i++)
              expect(r.bytes[i], `byte ${start + BigInt(i)}`).toBe(b.model.get(start + BigInt(i)) ?? 0);
            expect(r.unknown).toEqual(unknownRuns(b, start, start + BigInt(n)));
          }
        },
      ),
      { numRuns: 60, seed: 5 },
    );
  });

  it("readMemory of an incomplete dump: what is missing is unknown, never an error (property)", async () => {
    const damage = fc.record({
      noParent: fc.boolean(),
      cut: fc.integer({ min: 0, max: 3 * PS }),
      noPagemap: fc.boolean(),
    });
    await fc.assert(
      fc.asyncProperty(layout, damage, fraction, fc.integer({ min: 1, max: 400 }), async ({ specs, seed }, d, f, n) => {
        const b = build(specs, seed, d);
        const start = b.lo + BigInt(Math.floor(f * Number(b.hi - b.lo)));
        const r = await readMemory(b.cp, PID, start, n, { pageSize: PS });
        for (let i = 0; i < n; i++)
          expect(r.bytes[i], `byte ${start + BigInt(i)}`).toBe(b.model.get(start + BigInt(i)) ?? 0);
        expect(r.unknown).toEqual(unknownRuns(b, start, start + BigInt(n)));
      }),
      { numRuns: 120, seed: 15 },
    );
  });

  it("searchMemory over an incomplete dump finds exactly what is still known (property)", async () => {
    const damage = fc.record({
      noParent: fc.boolean(),
      cut: fc.integer({ min: 0, max: 3 * PS }),
      noPagemap: fc.constantFrom(false, false, true),
    });
    await fc.assert(
      fc.asyncProperty(
        layout,
        damage,
        fc.integer({ min: 1, max: 3 }),
        fc.nat(),
        async ({ specs, seed }, d, len, pick) => {
          const b = build(specs, seed, d);
          const known = [...b.model.keys()];
          // Nothing known (no pagemap): any needle is found nowhere.
          const at = known.length ? (known[pick % known.length] as bigint) : undefined;
          const needle = new Uint8Array(len).map((_, i) =>
            at === undefined ? 0x41 : (b.model.get(at + BigInt(i)) ?? 0),
          );
          const found: bigint[] = [];
          for await (const m of searchMemory(b.cp, { pid: PID, pattern: needle, pageSize: PS, window: 2 * PS }))
            found.push(m.address);
          expect(found).toEqual(occurrences(b, needle));
        },
      ),
      { numRuns: 100, seed: 16 },
    );
  });

  it("locateMemory: spans at the stored bytes when all are here, else the reason of the first that is not (property)", async () => {
    await fc.assert(
      fc.property(layout, fraction, fc.integer({ min: 1, max: 300 }), missingOrCut, ({ specs, seed }, f, n, d) => {
        const b = build(specs, seed, d);
        const start = b.lo + BigInt(Math.floor(f * Number(b.hi - b.lo)));
        const end = start + BigInt(n);
        let firstBad: bigint | undefined;
        // Without a pagemap nothing is stored here: every mapped byte reads as never dumped.
        const stateAt = (a: bigint) => (d.noPagemap && b.state.has(a) ? "hole" : b.state.get(a));
        // A page here whose bytes were cut from the pages file is not stored either.
        const stored = (a: bigint) => stateAt(a) === "here" && b.model.has(a);
        for (let a = start; a < end && firstBad === undefined; a++) if (!stored(a)) firstBad = a;
        if (firstBad === undefined) {
          const spans = locateMemory(b.cp, PID, start, n, { pageSize: PS });
          const pages = b.cp.bytes("pages-1.img") as Uint8Array;
          let at = start;
          for (const s of spans) {
            expect(s.address).toBe(at);
            expect(s.file).toBe("pages-1.img");
            for (let i = 0; i < s.length; i++) expect(pages[s.offset + i]).toBe(b.model.get(s.address + BigInt(i)));
            at += BigInt(s.length);
          }
          expect(at).toBe(end);
          return;
        }
        const where = `0x${firstBad.toString(16)} of task ${PID}`;
        const why: Record<string, string> = {
          parent: `pagemap-${PID}.img: at byte 0: expected bytes stored in this dump (${where} is in a page kept in the parent dump (${d.noParent ? "missing" : "memory/parent"}))`,
          lazy: `pagemap-${PID}.img: at byte 0: expected bytes stored in this dump (${where} is in a lazy page, in no file of this dump)`,
          hole: `pagemap-${PID}.img: at byte 0: expected dumped bytes (${where} was never dumped)`,
          none: `mm-${PID}.img: at byte 0: expected a mapped address (${where} is in no VMA)`,
          cut: `pages-1.img: at byte ${b.cp.size("pages-1.img")}: expected the page's bytes (${where} is past its end)`,
        };
        why.flagless = why.lazy as string;
        const st = stateAt(firstBad) === "here" ? "cut" : (stateAt(firstBad) ?? "none");
        let err: CriuImageError | undefined;
        try {
          locateMemory(b.cp, PID, start, n, { pageSize: PS });
        } catch (e) {
          err = e as CriuImageError;
        }
        expect(err?.message).toBe(why[st]);
        expect(err?.code).toBe(st === "cut" ? "TRUNCATED" : "UNSUPPORTED");
      }),
      { numRuns: 200, seed: 6 },
    );
  });

  it("memoryMap counts each VMA's pages by where they are; coverage names missing and parent ranges (property)", () => {
    fc.assert(
      fc.property(layout, ({ specs, seed }) => {
        const b = build(specs, seed);
        const map = memoryMap(b.cp, PID, PS);
        expect(map.map((v) => [v.start, v.end])).toEqual(b.vmas.map((v) => [v.start, v.end]));
        map.forEach((v, i) => {
          const pages = b.vmas[i]?.pages as State[];
          const count = (...s: State[]) => pages.filter((p) => s.includes(p)).length;
          expect(v.pages).toEqual({
            present: count("here"),
            parent: count("parent"),
            lazy: count("lazy"),
            notDumped: count("hole", "flagless"),
          });
        });
        const pm = b.cp.kind(`pagemap-${PID}.img`, "PAGEMAP");
        if (!pm) throw new Error("pagemap");
        const runs = pagemapRuns(pm, PS).runs;
        const c = coverage(runs, b.lo, b.hi);
        const ranges = (want: (s: State | undefined) => boolean) => {
          const out: [bigint, bigint][] = [];
          for (let a = b.lo; a < b.hi; a++) {
            if (!want(b.state.get(a))) continue;
            const last = out[out.length - 1];
            if (last && last[1] === a) last[1] = a + 1n;
            else out.push([a, a + 1n]);
          }
          return out;
        };
        const merge = (l: [bigint, bigint][]) =>
          l.reduce<[bigint, bigint][]>((o, r) => {
            const last = o[o.length - 1];
            if (last && last[1] === r[0]) last[1] = r[1];
            else o.push([r[0], r[1]]);
            return o;
          }, []);
        expect(merge(c.inParent)).toEqual(ranges((s) => s === "parent"));
        expect(merge(c.missing)).toEqual(ranges((s) => s !== "parent" && s !== "here"));
      }),
      { numRuns: 150, seed: 7 },
    );
  });

  it("searchMemory finds exactly the model's occurrences inside one VMA's known bytes, with context (property)", async () => {
    await fc.assert(
      fc.asyncProperty(layout, fc.integer({ min: 1, max: 3 }), fc.nat(), async ({ specs, seed }, len, pick) => {
        const b = build(specs, seed);
        const known = [...b.model.keys()];
        if (known.length === 0) return;
        const at = known[pick % known.length] as bigint;
        const needle = new Uint8Array(len).map((_, i) => b.model.get(at + BigInt(i)) ?? 0);
        const expected = occurrences(b, needle);
        const found = [];
        for await (const m of searchMemory(b.cp, {
          pid: PID,
          pattern: needle,
          pageSize: PS,
          context: 2,
          window: 3 * PS,
        }))
          found.push(m);
        expect(found.map((m) => m.address)).toEqual(expected);
        for (const m of found) {
          expect(m.length).toBe(len);
          expect(m.context.subarray(m.before, m.before + len)).toEqual(needle);
          expect(m.before).toBeLessThanOrEqual(2);
          for (let i = 0; i < m.context.length; i++)
            expect(m.context[i]).toBe(b.model.get(m.address - BigInt(m.before) + BigInt(i)));
        }
      }),
      { numRuns: 120, seed: 8 },
    );
  });
});

describe("pageSizeOf", () => {
  /** A one-task checkpoint of this architecture whose VMAs start and end at these addresses. */
  function arch(mtype: number, bounds: bigint[][]): Checkpoint {
    const mm = mmEntry(bounds.map(([start, end]) => anonVma(start as bigint, end as bigint)));
    return Checkpoint.of(
      new Map([
        ["pstree.img", imageOf("PSTREE", [create(pstree_entrySchema, { pid: PID, ppid: 0, pgid: PID, sid: PID })])],
        [`core-${PID}.img`, imageOf("CORE", [create(core_entrySchema, { mtype })])],
        [`mm-${PID}.img`, imageOf("MM", [mm])],
      ]),
    );
  }

  it("4 KiB on architectures with one page size, whatever the VMAs", () => {
    for (const mtype of [1, 2, 5, 6, 8]) expect(pageSizeOf(arch(mtype, [[0x10000n, 0x20000n]]))).toBe(4096);
  });

  it("elsewhere the largest power of two up to 64 KiB that every VMA bound is a multiple of", () => {
    expect(pageSizeOf(arch(3, [[0x10000n, 0x30000n]]))).toBe(65536);
    expect(pageSizeOf(arch(3, [[0x100000n, 0x200000n]]))).toBe(65536);
    expect(
      pageSizeOf(
        arch(4, [
          [0x10000n, 0x20000n],
          [0x34000n, 0x38000n],
        ]),
      ),
    ).toBe(16384);
    expect(
      pageSizeOf(
        arch(7, [
          [0x10000n, 0x20000n],
          [0x30000n, 0x31000n],
        ]),
      ),
    ).toBe(4096);
    expect(pageSizeOf(arch(3, []))).toBe(4096);
    // A task without an mm image (a zombie) has no VMAs to count.
    const zombie = arch(3, [[0x10000n, 0x30000n]]);
    const withZombie = Checkpoint.of(
      new Map([
        ...[...zombie.source.files.keys()].map((n) => [n, zombie.bytes(n) as Uint8Array] as const),
        [
          "pstree.img",
          imageOf("PSTREE", [
            create(pstree_entrySchema, { pid: PID, ppid: 0, pgid: PID, sid: PID }),
            create(pstree_entrySchema, { pid: PID + 1, ppid: PID, pgid: PID, sid: PID }),
          ]),
        ],
      ]),
    );
    expect(pageSizeOf(withZombie)).toBe(65536);
    // A pre-dump (no pstree) and a checkpoint without core images guess from VMAs too.
    expect(pageSizeOf(Checkpoint.of(new Map()))).toBe(4096);
  });
});

/** Every VMA's maximal runs of known bytes: [address, bytes]. */
function knownRegions(b: Built): { vma: Built["vmas"][number]; address: bigint; bytes: number[] }[] {
  const out: { vma: Built["vmas"][number]; address: bigint; bytes: number[] }[] = [];
  for (const v of b.vmas) {
    let cur: { vma: Built["vmas"][number]; address: bigint; bytes: number[] } | undefined;
    for (let a = v.start; a < v.end; a++) {
      const x = b.model.get(a);
      if (x === undefined) cur = undefined;
      else if (cur) cur.bytes.push(x);
      else {
        cur = { vma: v, address: a, bytes: [x] };
        out.push(cur);
      }
    }
  }
  return out;
}

const protText = (p: number) => `${p & 1 ? "r" : "-"}${p & 2 ? "w" : "-"}${p & 4 ? "x" : "-"}`;

describe("search options and strings against the model", () => {
  it("range, protection and kind select exactly the occurrences the model has there (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        layout,
        fc.nat(),
        fraction,
        fraction,
        fc.constantFrom(undefined, "r", "w", "rw", "x"),
        fc.constantFrom(undefined, ["heap"] as const, ["anon"] as const),
        async ({ specs, seed }, pick, f1, f2, prot, kinds) => {
          const b = build(specs, seed);
          const known = [...b.model.keys()];
          if (known.length === 0) return;
          const at = known[pick % known.length] as bigint;
          const needle = new Uint8Array([b.model.get(at) as number, b.model.get(at + 1n) ?? 0x41]);
          const span = Number(b.hi - b.lo);
          const [x, y] = [Math.floor(f1 * span), Math.floor(f2 * span)].sort((p, q) => p - q) as [number, number];
          const range = { start: b.lo + BigInt(x), end: b.lo + BigInt(y) + 1n };
          const expected: bigint[] = [];
          for (const v of b.vmas) {
            if (prot && ![...prot].every((c) => protText(v.prot).includes(c))) continue;
            if (kinds && !kinds.includes((v.heap ? "heap" : "anon") as never)) continue;
            for (let a = v.start > range.start ? v.start : range.start; a + 2n <= v.end && a + 2n <= range.end; a++)
              if (b.model.get(a) === needle[0] && b.model.get(a + 1n) === needle[1]) expected.push(a);
          }
          const found: bigint[] = [];
          for await (const m of searchMemory(b.cp, {
            pid: PID,
            pattern: needle,
            pageSize: PS,
            range,
            prot,
            kinds,
            window: 2 * PS,
          }))
            found.push(m.address);
          expect(found).toEqual(expected);
        },
      ),
      { numRuns: 150, seed: 9 },
    );
  });

  it("a regular expression finds what the same expression finds in each run of known bytes (property)", async () => {
    await fc.assert(
      fc.asyncProperty(layout, fc.nat(), async ({ specs, seed }, pick) => {
        const b = build(specs, seed);
        const regions = knownRegions(b);
        const known = [...b.model.keys()];
        if (known.length === 0) return;
        const first = b.model.get(known[pick % known.length] as bigint) as number;
        // Two different bytes, so matches cannot overlap and windows cannot change them.
        const second = first === 0x41 ? 0x42 : 0x41;
        const hex = (n: number) => `\\x${n.toString(16).padStart(2, "0")}`;
        const re = new RegExp(`${hex(first)}${hex(second)}+`);
        const expected: [bigint, number][] = [];
        for (const r of regions) {
          const text = String.fromCharCode(...r.bytes);
          for (const m of text.matchAll(new RegExp(re.source, "g")))
            expected.push([r.address + BigInt(m.index), m[0].length]);
        }
        const found: [bigint, number][] = [];
        for await (const m of searchMemory(b.cp, {
          pid: PID,
          pattern: re,
          pageSize: PS,
          maxMatch: 1024,
          window: 5 * PS,
        }))
          found.push([m.address, m.length]);
        expect(found).toEqual(expected);
      }),
      { numRuns: 120, seed: 10 },
    );
  });

  it("strings: printable runs of at least min characters, ASCII and UTF-16LE, broken by unknown bytes (property)", async () => {
    const { memoryStrings } = await import("../../src/memory/index.js");
    await fc.assert(
      fc.asyncProperty(
        layout,
        fc.integer({ min: 1, max: 6 }),
        fc.boolean(),
        fc.record({ cut: fc.integer({ min: 0, max: 2 * PS }), noParent: fc.boolean() }),
        fc.integer({ min: 1, max: 3 * PS }),
        fc.constantFrom(undefined, "w", "x"),
        async ({ specs, seed }, min, wide, d, window, prot) => {
          const b = build(specs, seed, d);
          const printable = (c: number) => (c >= 0x20 && c < 0x7f) || c === 9;
          const expected: { address: bigint; text: string }[] = [];
          for (const r of knownRegions(b)) {
            if (prot && !protText(r.vma.prot).includes(prot)) continue;
            let cur = "";
            let curAt = 0n;
            const step = wide ? 2 : 1;
            for (let i = 0; i + step - 1 < r.bytes.length; i += step) {
              const c = r.bytes[i] as number;
              if (printable(c) && (!wide || r.bytes[i + 1] === 0)) {
                if (cur === "") curAt = r.address + BigInt(i);
                cur += String.fromCharCode(c);
              } else {
                if (cur.length >= min) expected.push({ address: curAt, text: cur });
                cur = "";
              }
            }
            if (cur.length >= min) expected.push({ address: curAt, text: cur });
          }
          const found = [];
          const encoding = wide ? "utf16le" : "ascii";
          for await (const s of memoryStrings(b.cp, PID, { pageSize: PS, min, encoding, window, prot })) found.push(s);
          expect(found).toEqual(expected);
        },
      ),
      { numRuns: 150, seed: 11 },
    );
  });
});

describe("search across windows smaller than the match", () => {
  // Windows of any size (not a page multiple) and needles up to a few pages long: a match is found whole when it
  // spans many windows, so what one window carries into the next must itself hold bytes of several windows.
  it("byte needles longer than the window are found exactly where the model has them (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        layout,
        fc.nat(),
        fraction,
        fc.integer({ min: 1, max: 3 * PS }),
        fc.integer({ min: 1, max: 2 * PS }),
        async ({ specs, seed }, pick, f, len, window) => {
          const b = build(specs, seed);
          const regions = knownRegions(b);
          if (regions.length === 0) return;
          const r = regions[pick % regions.length] as (typeof regions)[number];
          const o = Math.floor(f * r.bytes.length);
          const needle = Uint8Array.from(r.bytes.slice(o, o + len));
          const expected = occurrences(b, needle);
          const found: bigint[] = [];
          for await (const m of searchMemory(b.cp, { pid: PID, pattern: needle, pageSize: PS, window }))
            found.push(m.address);
          expect(found).toEqual(expected);
          expect(found).toContain(r.address + BigInt(o));
        },
      ),
      { numRuns: 150, seed: 12 },
    );
  });

  it("regular expressions whose matches span windows are found once, whole (property)", async () => {
    await fc.assert(
      fc.asyncProperty(layout, fc.nat(), fc.integer({ min: 1, max: 2 * PS }), async ({ specs, seed }, pick, window) => {
        const b = build(specs, seed);
        const regions = knownRegions(b);
        const known = [...b.model.keys()];
        if (known.length === 0) return;
        const first = b.model.get(known[pick % known.length] as bigint) as number;
        // Any byte but the first after it: matches cannot overlap, and they run long over the small alphabet.
        const hex = (x: number) => `\\x${x.toString(16).padStart(2, "0")}`;
        const re = new RegExp(`${hex(first)}[^${hex(first)}]+`);
        const expected: [bigint, number][] = [];
        for (const r of regions) {
          const text = String.fromCharCode(...r.bytes);
          for (const m of text.matchAll(new RegExp(re.source, "g")))
            expected.push([r.address + BigInt(m.index), m[0].length]);
        }
        const found: [bigint, number][] = [];
        for await (const m of searchMemory(b.cp, { pid: PID, pattern: re, pageSize: PS, window }))
          found.push([m.address, m.length]);
        expect(found).toEqual(expected);
      }),
      { numRuns: 120, seed: 13 },
    );
  });
});

describe("regular expressions with a small maxMatch", () => {
  // Matches no longer than maxMatch are reported as soon as no later byte can change them, in any window, and never
  // again when the next window is joined to this one's end; matches that may be empty are skipped, not looped on.
  it("bounded matches are found once, whole, as a scan of each run of known bytes finds them (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        layout,
        missing,
        fc.nat(),
        fc.integer({ min: 1, max: 48 }),
        fc.integer({ min: 1, max: 2 * PS }),
        fc.constantFrom("starts", "optional", "runs"),
        async ({ specs, seed }, d, pick, maxMatch, window, form) => {
          const b = build(specs, seed, { noParent: d.noParent });
          const known = [...b.model.keys()];
          if (known.length === 0) return;
          const first = b.model.get(known[pick % known.length] as bigint) as number;
          const hex = (x: number) => `\\x${x.toString(16).padStart(2, "0")}`;
          // A match from each such byte; the same or nothing at every other place; runs of the other bytes, whose every
          // suffix is a match too, so a window joined to bytes already reported would find it again.
          const body = `${hex(first)}[^${hex(first)}]{0,${maxMatch - 1}}`;
          const sources = { starts: body, optional: `(?:${body})?`, runs: `[^${hex(first)}]{1,${maxMatch}}` };
          const re = new RegExp(sources[form]);
          const expected: [bigint, number][] = [];
          for (const r of knownRegions(b)) {
            const text = String.fromCharCode(...r.bytes);
            for (const m of text.matchAll(new RegExp(re.source, "g")))
              if (m[0].length > 0) expected.push([r.address + BigInt(m.index), m[0].length]);
          }
          const found: [bigint, number][] = [];
          for await (const m of searchMemory(b.cp, { pid: PID, pattern: re, pageSize: PS, maxMatch, window }))
            found.push([m.address, m.length]);
          expect(found).toEqual(expected);
        },
      ),
      { numRuns: 150, seed: 17 },
    );
  });
});

describe("patterns", () => {
  it("hex with spaces and colons, UTF-16LE beyond Latin-1, UTF-8; bad hex and empty patterns are refused", async () => {
    const { patternBytes } = await import("../../src/memory/index.js");
    expect([...patternBytes("41 42:43\t0a", "hex")]).toEqual([0x41, 0x42, 0x43, 0x0a]);
    expect([...patternBytes("A€", "utf16le")]).toEqual([0x41, 0, 0xac, 0x20]);
    expect([...patternBytes("A€")]).toEqual([0x41, 0xe2, 0x82, 0xac]);
    for (const bad of ["4", "4g", "", "414"]) {
      expect(() => patternBytes(bad, "hex"), bad).toThrow(
        `<pattern>: at byte 0: expected an even number of hex digits ("${bad}")`,
      );
      expect(() => patternBytes(bad, "hex")).toThrow(expect.objectContaining({ code: "INVALID", image: "<pattern>" }));
    }
    const b = build([{ gap: 0, prot: 3, heap: false, pages: ["here"], cuts: [false] }], 1);
    const it = searchMemory(b.cp, { pid: PID, pattern: "", pageSize: PS });
    await expect(it.next()).rejects.toThrow(
      "<pattern>: at byte 0: expected a pattern of at least one byte (an empty pattern matches everywhere)",
    );
    await expect(searchMemory(b.cp, { pid: PID, pattern: new Uint8Array(0), pageSize: PS }).next()).rejects.toThrow(
      expect.objectContaining({ code: "INVALID", image: "<pattern>" }),
    );
  });
});

describe("the one-read path", () => {
  it("a range inside one stored run is one read of exactly its bytes, at its place in the pages file (property)", async () => {
    await fc.assert(
      fc.asyncProperty(layout, fraction, fc.integer({ min: 1, max: 200 }), async ({ specs, seed }, f, n) => {
        const b = build(specs, seed);
        const here = [...b.state].filter(([, s]) => s === "here").map(([a]) => a);
        if (here.length === 0) return;
        const start = here[Math.floor(f * here.length)] as bigint;
        // The run holding start: pages of "here" that follow each other in one pagemap entry.
        const pm = b.cp.kind(`pagemap-${PID}.img`, "PAGEMAP");
        if (!pm) throw new Error("pagemap");
        const run = pagemapRuns(pm, PS).runs.find((r) => r.start <= start && start < r.end);
        if (!run || start + BigInt(n) > run.end) return;
        const file = b.cp.source.files.get("pages-1.img");
        if (!file) throw new Error("pages");
        const calls: [number, number][] = [];
        const given: Uint8Array[] = [];
        const read = file.read.bind(file);
        const spied = new Checkpoint({
          ...b.cp.source,
          files: new Map([
            ...b.cp.source.files,
            [
              "pages-1.img",
              {
                size: file.size,
                bytes: () => file.bytes(),
                read: async (o, l) => {
                  calls.push([o, l]);
                  const got = await read(o, l);
                  given.push(got);
                  return got;
                },
              },
            ],
          ]),
        });
        const r = await readMemory(spied, PID, start, n, { pageSize: PS });
        const offset = here.filter((a) => a < start).length;
        expect(calls).toEqual([[offset, n]]);
        // Handed on as read, not copied into a buffer of its own.
        expect(r.bytes).toBe(given[0]);
        expect(r.unknown).toEqual([]);
        for (let i = 0; i < n; i++) expect(r.bytes[i]).toBe(b.model.get(start + BigInt(i)));
      }),
      { numRuns: 150, seed: 12 },
    );
  });
});
