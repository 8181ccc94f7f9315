import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { jsonPieces, writeJson } from "../../src/cli/json-out.js";

// The reference is JSON.stringify itself, with the replacer the CLI used before.
const reference = (v: unknown) => JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x), 2) ?? "";
const streamed = (v: unknown) => [...jsonPieces(v)].join("");

describe("pretty JSON written in pieces", () => {
  it("is JSON.stringify's text for values it leaves out, Dates and bigints", () => {
    const v = {
      a: [1, { b: undefined, c: () => 1, d: [undefined, 2n, new Date(0)], e: {} }],
      f: [],
      g: "x\ny",
      h: null,
    };
    expect(streamed(v)).toBe(reference(v));
    expect(streamed([undefined, () => 0])).toBe(reference([undefined, () => 0]));
  });

  it("is JSON.stringify's text for any value", () => {
    // maxDepth 6 reaches below the levels that are walked (3), so both paths and their seam are exercised.
    fc.assert(
      fc.property(
        fc.anything({
          withBigInt: true,
          withDate: true,
          withNullPrototype: true,
          withMap: true,
          withSet: true,
          withTypedArray: true,
          withBoxedValues: true,
          withSparseArray: true,
          withObjectString: true,
          maxDepth: 6,
          size: "medium",
        }),
        (v) => {
          expect(streamed(v)).toBe(reference(v));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("keeps pieces small: one socket at a time, not the whole report", () => {
    const report = {
      sockets: Array.from({ length: 5000 }, (_, i) => ({ id: i, local: { address: "10.0.0.1", port: i } })),
    };
    const sizes = [...jsonPieces(report)].map((p) => p.length);
    expect(sizes.length).toBeGreaterThan(5000);
    expect(Math.max(...sizes)).toBeLessThan(200);
  });

  it("is JSON.stringify's text for what it must not walk: toJSON, boxed values, Maps, Sets, bytes, nothing at all", () => {
    for (const v of [
      { a: { toJSON: () => "x" }, b: [{ toJSON: () => 1 }] },
      [new Number(1), new String("s"), new Boolean(false)],
      { m: new Map([[1, 2]]), s: new Set([1]), u: new Uint8Array([1, 2]) },
      undefined,
    ]) {
      expect(streamed(v)).toBe(reference(v));
    }
  });

  it("writes a lazy list at any depth as the array it makes", () => {
    function* gen() {
      yield 1;
      yield { b: 2n };
    }
    const deep = { a: [{ b: { c: gen() } }], top: gen() };
    expect(streamed(deep)).toBe(reference({ a: [{ b: { c: [1, { b: 2n }] } }], top: [1, { b: 2n }] }));
  });

  it("walks the first three levels, arrays and plain or null-prototype objects alike, and no deeper", () => {
    const bare = Object.assign(Object.create(null), { b: { c: [1, 2] } });
    expect([...jsonPieces({ a: [bare] })]).toEqual([
      '{\n  "a": ',
      "[\n    ",
      '{\n      "b": ',
      '{\n        "c": [\n          1,\n          2\n        ]\n      }',
      "\n    }",
      "\n  ]",
      "\n}",
    ]);
  });
});

describe("writeJson", () => {
  it("writes the text and a newline in slices of 64 KiB or more, the last one excepted", async () => {
    const report = {
      sockets: Array.from({ length: 6000 }, (_, i) => ({ id: i, local: { address: "10.0.0.1", port: i } })),
    };
    const writes: string[] = [];
    const w = vi.spyOn(process.stdout, "write").mockImplementation(((c: string) => {
      writes.push(c);
      return true;
    }) as never);
    try {
      await writeJson(report);
    } finally {
      w.mockRestore();
    }
    expect(writes.join("")).toBe(`${reference(report)}\n`);
    expect(writes.length).toBeGreaterThan(2);
    for (const chunk of writes.slice(0, -1)) expect(chunk.length).toBeGreaterThanOrEqual(1 << 16);
    expect((writes.at(-1) as string).length).toBeLessThan(1 << 17);
  });
});
