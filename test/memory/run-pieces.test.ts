/** runPieces, the one walk over a pagemap's runs, against a model of which run holds each address. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PageRun, runPieces } from "../../src/memory/index.js";

const run = (start: number, end: number, flags = 4): PageRun => ({
  start: BigInt(start),
  end: BigInt(end),
  flags,
  offset: 0n,
});

describe("runPieces", () => {
  it("cuts a range where runs begin and end, each piece with the run holding it (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 4 })), { maxLength: 8 }),
        fc.integer({ min: 0, max: 40 }),
        fc.integer({ min: 0, max: 40 }),
        (shape, x, y) => {
          // Sorted runs with gaps (or none) between them, as CRIU writes them.
          const runs: PageRun[] = [];
          let at = 0;
          for (const [gap, len] of shape) {
            at += gap;
            runs.push(run(at, at + len));
            at += len;
          }
          const [s, e] = x <= y ? [x, y] : [y, x];
          const owner = (a: number) => runs.find((r) => r.start <= BigInt(a) && BigInt(a) < r.end);
          const expected: [bigint, bigint, PageRun | undefined][] = [];
          for (let a = s; a < e; a++) {
            const last = expected[expected.length - 1];
            if (last && last[2] === owner(a) && last[1] === BigInt(a)) last[1] = BigInt(a + 1);
            else expected.push([BigInt(a), BigInt(a + 1), owner(a)]);
          }
          expect([...runPieces(runs, BigInt(s), BigInt(e))]).toEqual(expected);
        },
      ),
      { numRuns: 300, seed: 21 },
    );
  });

  it("gives only what is past the pieces before it when runs overlap (a hostile pagemap)", () => {
    const [a, b, c] = [run(0, 10), run(5, 8), run(7, 20)];
    expect([...runPieces([a, b, c], 2n, 25n)]).toEqual([
      [2n, 10n, a],
      [10n, 20n, c],
      [20n, 25n, undefined],
    ]);
    expect([...runPieces([a, b, c], 3n, 3n)]).toEqual([]);
    expect([...runPieces([], 3n, 5n)]).toEqual([[3n, 5n, undefined]]);
    // A run that ends exactly where the pieces before it got to adds nothing, not an empty piece.
    const [d, e, f] = [run(0, 10), run(5, 10), run(10, 20)];
    expect([...runPieces([d, e, f], 2n, 15n)]).toEqual([
      [2n, 10n, d],
      [10n, 15n, f],
    ]);
  });

  it("pagemapRuns of a pagemap without even its head: no runs, pages-0", async () => {
    const { pagemapRuns } = await import("../../src/memory/index.js");
    expect(pagemapRuns({ kind: "PAGEMAP", format: "v1.1", entries: [] } as never, 4096)).toEqual({
      pagesId: 0,
      runs: [],
      presentPages: 0n,
    });
  });
});
