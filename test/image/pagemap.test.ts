/**
 * pagemap entries read as CRIU's pagemap.c reads them, on entries written
 * by hand: nr_pages wins over compat_nr_pages when present (even when they
 * disagree), flags when present (even 0), in_parent before either.
 */
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { pagemap_entrySchema } from "../../src/gen/index.js";
import { PE_PARENT, PE_PRESENT, pagemapFlags, pagemapPages } from "../../src/image/index.js";
import { msg } from "../helpers/bytes.js";

// vaddr = 1, compat_nr_pages = 2, in_parent = 3, flags = 4, nr_pages = 5.
const pm = (...fields: [number, number | bigint][]) => fromBinary(pagemap_entrySchema, msg([1, 0x1000], ...fields));

describe("pagemap entries", () => {
  it("count nr_pages when present, else compat_nr_pages", () => {
    expect(pagemapPages(pm([2, 9], [5, 5]))).toBe(5n);
    expect(pagemapPages(pm([2, 9], [5, 0]))).toBe(0n);
    expect(pagemapPages(pm([2, 9]))).toBe(9n);
    expect(pagemapPages(pm([5, 2n ** 40n]))).toBe(2n ** 40n);
  });

  it("take flags when present (0 included), PE_PRESENT without, PE_PARENT for in_parent", () => {
    expect(pagemapFlags(pm([5, 1], [4, 0]))).toBe(0);
    expect(pagemapFlags(pm([5, 1], [4, 6]))).toBe(6);
    expect(pagemapFlags(pm([5, 1]))).toBe(PE_PRESENT);
    expect(pagemapFlags(pm([3, 1], [5, 1], [4, 4]))).toBe(PE_PARENT);
    expect(pagemapFlags(pm([3, 0], [5, 1]))).toBe(PE_PRESENT);
  });
});
