/**
 * The wire renderer on its own: it must render every entry CRIU writes
 * (not fall back, which would only be slow and so go unseen), render it as
 * the message renderer does, and refuse, never half-render, what is not in
 * the plain form it handles. The message renderer is the oracle; it is
 * checked against crit's own output by the golden tests.
 */
import { create, type DescMessage, fromBinary, type Message, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { decodeEntry } from "../../src/image/read.js";
import { messageSchema } from "../../src/image/registry.js";
import { readFramed, readImage, writeImage } from "../../src/index.js";
import { ByteOut } from "../../src/json/byte-out.js";
import { messageOf } from "../../src/json/from-crit.js";
import { messageJson } from "../../src/json/message-json.js";
import { parseJson } from "../../src/json/parse.js";
import { wireMessageJson } from "../../src/json/wire-json.js";
import { corpusImages } from "../helpers/corpus.js";
import { ENTRY_KINDS, imageArb } from "../helpers/images.js";
import { scalarsSchema } from "../helpers/scalars-schema.js";

const MODES = [
  { layout: false, convert: false },
  { layout: true, convert: true },
];

/** The wire renderer's text, or undefined when it declines. A small buffer, so that it grows on the way. */
function wire(bytes: Uint8Array, desc: DescMessage, mode = MODES[0] as (typeof MODES)[number], depth = 2) {
  const out = new ByteOut(8);
  out.ascii("~"); // something before, as the writer has: a decline must not touch it
  const ok = wireMessageJson(out, bytes, 0, bytes.length, desc, mode, depth, false);
  const text = out.text();
  expect(text.startsWith("~")).toBe(true);
  return ok ? text.slice(1) : undefined;
}

const general = (msg: Message, desc: DescMessage, mode = MODES[0] as (typeof MODES)[number], depth = 2) =>
  messageJson(msg, desc, mode, depth);

describe("wireMessageJson", () => {
  it("renders every entry of every corpus image, as the message renderer does, both forms", () => {
    let n = 0;
    for (const img of corpusImages()) {
      if (readImage(img.bytes, { name: img.name }).format === "raw") continue;
      const framed = readFramed(img.bytes, { name: img.name });
      for (const e of framed.entries) {
        const desc = messageSchema(e.schema);
        const msg = decodeEntry(framed, e).message as Message;
        for (const mode of MODES) {
          expect(wire(e.payload, desc, mode), `${img.scenario}/${img.name} ${e.schema}`).toBe(general(msg, desc, mode));
        }
        n++;
      }
    }
    expect(n).toBeGreaterThan(500);
  });

  it("renders any message protobuf-es writes, of every kind, at any depth", () => {
    for (const kind of ENTRY_KINDS) {
      fc.assert(
        fc.property(imageArb(kind), fc.integer({ min: 0, max: 3 }), (img, depth) => {
          const framed = readFramed(writeImage(img));
          for (const e of framed.entries) {
            const desc = messageSchema(e.schema);
            const msg = decodeEntry(framed, e).message as Message;
            for (const mode of MODES) expect(wire(e.payload, desc, mode, depth)).toBe(general(msg, desc, mode, depth));
          }
        }),
        { numRuns: 8, seed: 29 },
      );
    }
  });

  it("renders every scalar type, at the ends of its range, as the message renderer does", () => {
    const desc = scalarsSchema();
    const values = fc.record({
      i32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      i64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      u32: fc.nat({ max: 2 ** 32 - 1 }),
      u64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      s32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      s64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      fx32: fc.nat({ max: 2 ** 32 - 1 }),
      fx64: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      sfx32: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
      sfx64: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      b: fc.boolean(),
      s: fc.string(),
      by: fc.uint8Array({ maxLength: 40 }),
      list: fc.array(fc.nat({ max: 2 ** 32 - 1 }), { maxLength: 3 }),
      addr: fc.array(fc.nat({ max: 2 ** 32 - 1 }), { maxLength: 5 }),
      hx: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      fx64hex: fc.array(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), { maxLength: 2 }),
      dev: fc.nat({ max: 2 ** 32 - 1 }),
      prot: fc.nat({ max: 2 ** 32 - 1 }),
      e: fc.constantFrom(0, 1, 7, 65534),
      shx: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
      task_state: fc.nat({ max: 8 }),
      nodict: fc.nat({ max: 8 }),
      es: fc.array(fc.constantFrom(0, 1, 7, 65534), { maxLength: 3 }),
    });
    const ends = [
      { i64: -(2n ** 63n), s64: -(2n ** 63n), sfx64: -(2n ** 63n), u64: 2n ** 64n - 1n, fx64: 2n ** 64n - 1n },
      { i64: -(2n ** 53n) + 1n, s64: -(2n ** 53n) + 1n, sfx64: -(2n ** 53n) + 1n, u64: 2n ** 53n, fx64: 2n ** 53n },
      { i64: -(2n ** 53n), s64: 2n ** 53n - 1n, sfx64: -(2n ** 53n), u64: 2n ** 53n - 1n, fx64: 2n ** 53n - 1n },
      { i64: -1n, s64: -1n, sfx64: -1n, u64: 2n ** 32n, fx64: 2n ** 32n, i32: -1, s32: -1, sfx32: -1, b: true },
    ];
    const check = (v: Record<string, unknown>) => {
      const msg = create(desc, v as never);
      const bytes = toBinary(desc, msg);
      const back = fromBinary(desc, bytes);
      for (const mode of MODES) {
        const text = general(back, desc, mode);
        expect(wire(bytes, desc, mode)).toBe(text);
        // And read back by the crit JSON reader, to the same bytes.
        expect(toBinary(desc, messageOf(desc, parseJson(text), ""))).toEqual(bytes);
      }
    };
    for (const e of ends) check(e);
    fc.assert(fc.property(values, check), { numRuns: 200, seed: 31 });
    // Nested, in a list and alone, with the fields of each.
    fc.assert(
      fc.property(values, values, (a, b) =>
        check({ ...a, sub: create(desc, b as never), subs: [create(desc, a as never), create(desc, b as never)] }),
      ),
      { numRuns: 30, seed: 37 },
    );
  });

  it("renders wire forms protobuf-es does not write but reads, as it reads them", () => {
    const desc = scalarsSchema();
    const cases: [string, number[]][] = [
      ["a bool of a varint over 32 bits", [0x60, 0x80, 0x80, 0x80, 0x80, 0x10]],
      ["a fixed32 that ends the message", [0x4d, 1, 2, 3, 4]],
      ["an sfixed32 that ends the message", [0x5d, 0xff, 0xff, 0xff, 0xff]],
      ["a fixed64 that ends the message", [0x51, 1, 2, 3, 4, 5, 6, 7, 8]],
      ["an int32 written as ten bytes", [0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]],
      ["an empty sub-message", [0x8a, 0x01, 0]],
    ];
    for (const [why, list] of cases) {
      const bytes = Uint8Array.from(list);
      for (const mode of MODES) expect(wire(bytes, desc, mode), why).toBe(general(fromBinary(desc, bytes), desc, mode));
    }
  });

  it("declines bytes not in the plain form, leaving the output as it was", () => {
    const desc = scalarsSchema();
    // Field numbers of the test schema: 3 int32 (varint), 8 sfixed... see scalars-schema.ts.
    const cases: [string, number[]][] = [
      ["fields out of order", [0x20, 1, 0x18, 1]],
      ["a singular field twice", [0x18, 1, 0x18, 2]],
      ["a field the schema does not have", [0xf8, 0x07, 1]],
      ["a varint field as fixed64", [0x19, 1, 2, 3, 4, 5, 6, 7, 8]],
      ["a fixed32 cut short", [0x4d, 1, 2]],
      ["a fixed64 cut short", [0x51, 1, 2, 3, 4, 5, 6, 7]],
      ["a varint cut short", [0x18, 0x80]],
      ["a tag cut short", [0x80]],
      ["a tag of over 32 bits", [0x80, 0x80, 0x80, 0x80, 0x80, 0x01]],
      ["a string past the end", [0x6a, 5, 0x61]],
      ["a length over 32 bits", [0x6a, 0x80, 0x80, 0x80, 0x80, 0x10]],
      ["a string as a varint", [0x68, 1]],
      ["a bool as fixed32", [0x65, 1, 0, 0, 0]],
      ["packed repeated varints", [0x82, 0x01, 2, 1, 2]],
      ["a repeated varint as fixed32", [0x85, 0x01, 1, 0, 0, 0]],
      ["a sub-message as a varint", [0x88, 0x01, 1]],
      ["a sub-message past the end", [0x8a, 0x01, 4, 0x18, 1]],
      ["a sub-message with a length over 32 bits", [0x8a, 0x01, 0x80, 0x80, 0x80, 0x80, 0x10]],
      ["a sub-message that declines", [0x8a, 0x01, 4, 0x20, 1, 0x18, 1]],
      ["a sub-message whose last field runs past it", [0x8a, 0x01, 2, 0x18, 0x80, 0x01]],
      ["an enum as fixed32", [0x95, 0x01, 1, 0, 0, 0]],
      ["an enum cut short", [0x90, 0x01, 0x80]],
      ["an address word cut short", [0x98, 0x01, 0x80]],
      ["an address word as fixed32", [0x9d, 0x01, 1, 0, 0, 0]],
      ["an enum value the schema does not name", [0x90, 0x01, 2]],
      ["an enum value the schema does not name, past the plan's table", [0x90, 0x01, 0x80, 0x40]],
      ["a negative enum value", [0x90, 0x01, 0xff, 0xff, 0xff, 0xff, 0x0f]],
      // CRIU's schema has no floating point: the message renderer shows it as Python would.
      ["a double", [0x09, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]],
      ["a float", [0x15, 0, 0, 0x80, 0x3f]],
    ];
    for (const [why, bytes] of cases) {
      for (const mode of MODES) expect(wire(Uint8Array.from(bytes), desc, mode), why).toBeUndefined();
    }
    // Each is whole and plain once the fault is gone: the refusals are the faults'.
    expect(wire(Uint8Array.from([0x18, 1, 0x20, 1]), desc)).toBeDefined();
    expect(wire(Uint8Array.from([0x80, 0x01, 1, 0x80, 0x01, 2]), desc)).toBeDefined();
    expect(wire(Uint8Array.from([0x8a, 0x01, 4, 0x18, 1, 0x20, 1]), desc)).toBeDefined();
    expect(wire(Uint8Array.from([0x90, 0x01, 1]), desc)).toBeDefined();
    expect(wire(Uint8Array.from([0x98, 0x01, 1]), desc, MODES[1])).toBeDefined();
  });
});
