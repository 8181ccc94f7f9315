/** diff's text for each kind of change, and where it cuts a long list short (reports made up to reach each case). */
import { describe, expect, it } from "vitest";
import { diffText } from "../../src/cli/diff.js";
import type { DiffReport } from "../../src/diff/diff.js";

const report = (r: Partial<DiffReport>): DiffReport => ({ same: false, semantic: [], images: [], metadata: [], ...r });
const lines = (r: Partial<DiffReport>, images = false) => diffText(report(r), images).split("\n");

describe("diff's text", () => {
  it("prints nothing at all when nothing differs", () => {
    expect(diffText(report({ same: true }), true)).toBe("");
  });

  it("signs what was added, removed and changed; a change with no fields is its key alone", () => {
    expect(
      lines({
        semantic: [
          { what: "process", change: "added", key: "process 7", fields: [] },
          { what: "process", change: "removed", key: "process 8", fields: [] },
          {
            what: "process",
            change: "changed",
            key: "process 9",
            fields: [
              { path: "comm", old: "a", new: "b" },
              { path: "", old: 1, new: 2 },
              { path: "threads", old: undefined, new: [9] },
            ],
          },
        ],
      }),
    ).toEqual([
      "+ process 7",
      "- process 8",
      '~ process 9: comm: "a" -> "b"',
      "~ process 9: (value): 1 -> 2",
      "~ process 9: threads: (none) -> [9]",
      "",
    ]);
  });

  it("shows an address field as people write addresses, and other strings as JSON", () => {
    expect(
      lines({
        semantic: [
          {
            what: "socket",
            change: "changed",
            key: "tcp socket 6",
            fields: [
              { path: "local.address", old: "::ffff:7f00:1", new: "10.0.0.1" },
              { path: "address", old: "::ffff:a00:1", new: "fd00::1" },
              { path: "remote.address", old: null, new: 7 },
              { path: "addresses", old: "::ffff:102:304", new: "x" },
            ],
          },
        ],
      }),
    ).toEqual([
      '~ tcp socket 6: local.address: "::ffff:127.0.0.1" -> "10.0.0.1"',
      '~ tcp socket 6: address: "::ffff:10.0.0.1" -> "fd00::1"',
      "~ tcp socket 6: remote.address: null -> 7",
      '~ tcp socket 6: addresses: "::ffff:102:304" -> "x"',
      "",
    ]);
  });

  it("lists 20 fields of a change, then how many more", () => {
    const fields = Array.from({ length: 23 }, (_, i) => ({ path: `f${i}`, old: i, new: i + 1 }));
    const out = lines({ semantic: [{ what: "process", change: "added", key: "process 1", fields }] });
    expect(out).toHaveLength(22);
    expect(out[19]).toBe("+ process 1: f19: 19 -> 20");
    expect(out[20]).toBe("~ process 1: and 3 more fields");
    const twenty = lines({ semantic: [{ what: "process", change: "added", key: "p", fields: fields.slice(0, 20) }] });
    expect(twenty).toHaveLength(21);
  });

  it("images: said in one line when the views already differ, in full with --images or when only images differ", () => {
    const images: DiffReport["images"] = [
      { image: "a.img", change: "added", kind: "FILES" },
      { image: "b.img", change: "removed", kind: "FILES" },
      {
        image: "files.img",
        change: "changed",
        kind: "FILES",
        entries: [
          { index: 3, change: "added", fields: [] },
          { index: 4, change: "removed", fields: [] },
          { index: 5, change: "changed", fields: [{ path: "isk.src_port", old: 1, new: 2 }] },
        ],
      },
      {
        image: "pages-1.img",
        change: "changed",
        kind: "PAGES",
        ranges: Array.from({ length: 9 }, (_, i) => [i * 10, i * 10 + 1] as [number, number]),
        changedBytes: 9,
      },
      { image: "pages-2.img", change: "changed", kind: "PAGES", ranges: [[0, 4]], changedBytes: 4 },
      {
        image: "pages-4.img",
        change: "changed",
        kind: "PAGES",
        ranges: Array.from({ length: 8 }, (_, i) => [i * 10, i * 10 + 1] as [number, number]),
        changedBytes: 8,
      },
      { image: "pages-3.img", change: "changed", kind: "PAGES" },
    ];
    const full = [
      "+ image a.img",
      "- image b.img",
      "+ files.img entry 3",
      "- files.img entry 4",
      "~ files.img: isk.src_port: 1 -> 2",
      "~ pages-1.img: 9 bytes differ (0-1, 10-11, 20-21, 30-31, 40-41, 50-51, 60-61, 70-71, …)",
      "~ pages-2.img: 4 bytes differ (0-4)",
      "~ pages-4.img: 8 bytes differ (0-1, 10-11, 20-21, 30-31, 40-41, 50-51, 60-61, 70-71)",
      "~ pages-3.img: ? bytes differ",
      "",
    ];
    expect(lines({ images })).toEqual(full);
    const semantic: DiffReport["semantic"] = [{ what: "process", change: "added", key: "process 1", fields: [] }];
    expect(lines({ semantic, images }, true)).toEqual(["+ process 1", ...full]);
    expect(lines({ semantic, images })).toEqual([
      "+ process 1",
      "(7 image(s) differ: --images for entries and fields)",
      "",
    ]);
    expect(lines({ semantic })).toEqual(["+ process 1", ""]);
  });

  it("engine metadata, and memory pages: eight of them, then an ellipsis", () => {
    const pages = Array.from({ length: 9 }, (_, i) => `0x${(i + 1).toString(16)}000`);
    expect(
      lines({
        metadata: ["config.dump"],
        memory: [
          { pid: 5, vma: "0x1000-0xa000 (anon)", pages, count: 9 },
          { pid: 6, vma: "0x1000-0x2000 (heap)", pages: ["0x1000"], count: 1 },
          { pid: 7, vma: "0x1000-0x9000 (anon)", pages: pages.slice(0, 8), count: 8 },
        ],
      }),
    ).toEqual([
      "~ engine metadata config.dump differs",
      `~ memory of 5 0x1000-0xa000 (anon): 9 page(s) differ: ${pages.slice(0, 8).join(" ")} …`,
      "~ memory of 6 0x1000-0x2000 (heap): 1 page(s) differ: 0x1000",
      `~ memory of 7 0x1000-0x9000 (anon): 8 page(s) differ: ${pages.slice(0, 8).join(" ")}`,
      "",
    ]);
  });

  it("shows control characters of names escaped", () => {
    expect(
      lines({ semantic: [{ what: "process", change: "added", key: "process 1 (a\x1b[31mb)", fields: [] }] })[0],
    ).not.toContain("\x1b");
  });
});
