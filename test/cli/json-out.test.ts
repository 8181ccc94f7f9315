import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { jsonPieces } from "../../src/cli/json-out.js";

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
        fc.anything({ withBigInt: true, withDate: true, withNullPrototype: true, maxDepth: 6, size: "medium" }),
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
});
