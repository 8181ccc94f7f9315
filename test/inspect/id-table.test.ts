/**
 * IdTable against a Map model. Sizes reach several thousand rows so the
 * columns grow past their first 1024 cells more than once, and keys run up
 * to 2^32 - 1 so unsigned comparison is exercised.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { IdTable } from "../../src/inspect/id-table.js";

const row = fc.tuple(fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 0xffff_ffff }), fc.nat({ max: 1000 }));

describe("IdTable", () => {
  it("finds every row of a key, in the order added, whatever the order of keys", () => {
    fc.assert(
      fc.property(
        // Few distinct keys among many rows, so keys repeat; minLength makes growth certain.
        fc.array(
          fc.oneof(
            row,
            row.map(([, b, c]) => [7, b, c] as [number, number, number]),
          ),
          {
            minLength: 1100,
            maxLength: 5000,
          },
        ),
        fc.boolean(),
        (rows, sortFirst) => {
          const input = sortFirst ? [...rows].sort((a, b) => a[0] - b[0]) : rows;
          const t = new IdTable(3);
          const model = new Map<number, number[][]>();
          for (const [k, a, b] of input) {
            t.add(k, a, b);
            model.set(k, [...(model.get(k) ?? []), [a, b]]);
          }
          expect(t.size).toBe(input.length);
          for (const [k, v] of model) expect(t.lookup(k)).toEqual(v);
          let absent = 8;
          while (model.has(absent)) absent++;
          expect(t.lookup(absent)).toEqual([]);
          const keys = [...t.rows()].map((r) => r[0] as number);
          expect(keys).toEqual([...keys].sort((a, b) => a - b));
          expect(keys).toHaveLength(input.length);
        },
      ),
      { numRuns: 30 },
    );
  });

  it("compares keys as unsigned: 2^31 and above sort after small keys", () => {
    const t = new IdTable(2);
    t.add(0x8000_0000, 1);
    t.add(5, 2);
    t.add(0xffff_ffff, 3);
    expect([...t.rows()]).toEqual([
      [5, 2],
      [0x8000_0000, 1],
      [0xffff_ffff, 3],
    ]);
    expect(t.lookup(0xffff_ffff)).toEqual([[3]]);
    expect(t.lookup(6)).toEqual([]);
  });

  it("refuses rows after the first lookup (the sort would be stale)", () => {
    const t = new IdTable(2);
    t.add(1, 1);
    t.lookup(1);
    expect(() => t.add(2, 2)).toThrow(/after lookup/);
  });
});
