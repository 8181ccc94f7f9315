/**
 * What the message renderer shows beyond crit: enum values the schema does
 * not name (protobuf-es keeps them with the unknown fields; crit drops
 * them) and unknown fields under "$unknown", read back by the reader.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { decodeMessage } from "../../src/image/message-codec.js";
import { messageOf } from "../../src/json/from-crit.js";
import { CritJsonError, fromCritJson } from "../../src/json/index.js";
import { messageJson } from "../../src/json/message-json.js";
import { parseJson } from "../../src/json/parse.js";
import { bytesToUnknown, unknownOf, unknownToBytes } from "../../src/json/unknown.js";
import { scalarsSchema } from "../helpers/scalars-schema.js";

const desc = scalarsSchema();
const compact = { layout: false, convert: false };
const pretty = { layout: true, convert: true };
// Decoded as images are (protobuf-es's own fromBinary drops an unknown enum value when the message also has an
// unknown field: its message reader replaces the list the enum reader added to).
const decode = (bytes: number[]) => decodeMessage(desc, Uint8Array.from(bytes), { image: "test", offset: 0 });
const json = (bytes: number[], mode = compact) => messageJson(decode(bytes), desc, mode, 0);

describe("messageJson", () => {
  it("shows enum values the schema does not name as numbers, in a list where they stand", () => {
    // Field 25 (es, repeated E) and 18 (e, E): 2 and 3 are no value of E. protobuf-es keeps a list's in the list,
    // a singular field's with the unknown fields.
    expect(json([0xc8, 0x01, 2, 0xc8, 0x01, 3])).toBe('{"es": [2, 3]}');
    expect(json([0xc8, 0x01, 1, 0xc8, 0x01, 3])).toBe('{"es": ["B", 3]}');
    expect(json([0xc8, 0x01, 3, 0xc8, 0x01, 1])).toBe('{"es": [3, "B"]}');
    expect(json([0xc8, 0x01, 2, 0xc8, 0x01, 3], pretty)).toBe('{\n    "es": [\n        2,\n        3\n    ]\n}');
    // A singular one: the last on the wire, as protobuf would take it.
    expect(json([0x90, 0x01, 2, 0x90, 0x01, 3])).toBe('{"e": 3}');
    expect(json([0x18, 5, 0x90, 0x01, 2])).toBe('{"i32": 5, "e": 2}');
  });

  it("keeps unknown fields under $unknown, after the known ones or alone, and reads them back", () => {
    // Field 99, a varint: not in the schema. Base64 as the other bytes fields, MIME lines (a "\n" at the end).
    const alone = [0x98, 0x06, 42];
    const b64 = `${Buffer.from(alone).toString("base64")}\\n`;
    expect(json(alone)).toBe(`{"$unknown": "${b64}"}`);
    const both = [0x18, 5, 0x98, 0x06, 42];
    expect(json(both)).toBe(`{"i32": 5, "$unknown": "${b64}"}`);
    expect(json(both, pretty)).toBe(`{\n    "i32": 5,\n    "$unknown": "${b64}"\n}`);
    const back = messageOf(desc, parseJson(json(both)), "");
    expect([...toBinary(desc, back)]).toEqual(both);
    // An unknown enum value and an unknown field together: the value is shown, the field kept.
    const mixed = [0x90, 0x01, 2, 0x98, 0x06, 42];
    expect(json(mixed)).toBe(`{"e": 2, "$unknown": "${b64}"}`);
  });

  it("shows doubles and floats as numbers, bools as JSON's", () => {
    // Fields 1 (double 1.5), 2 (float 0.25), 12 (bool).
    expect(json([0x09, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f, 0x15, 0, 0, 0x80, 0x3e, 0x60, 1])).toBe(
      '{"d": 1.5, "f": 0.25, "b": true}',
    );
    expect(json([0x60, 0], pretty)).toBe('{\n    "b": false\n}');
  });

  it("shows an empty message as {} and a message whose unknown list is empty as it is", () => {
    expect(json([])).toBe("{}");
    const m = create(desc, { i32: 1 });
    (m as { $unknown?: unknown[] }).$unknown = [];
    expect(unknownOf(m)).toBeUndefined();
    expect(messageJson(m, desc, compact, 0)).toBe('{"i32": 1}');
  });
});

describe("unknown fields on the wire", () => {
  it("split into records that hold copies of their bytes, and join back", () => {
    const wire = Uint8Array.from([0x98, 0x06, 42, 0xa2, 0x06, 2, 7, 8, 0xad, 0x06, 1, 2, 3, 4]);
    const list = bytesToUnknown(wire);
    expect(list.map((u) => [u.no, u.wireType, [...u.data]])).toEqual([
      [99, 0, [42]],
      [100, 2, [2, 7, 8]],
      [101, 5, [1, 2, 3, 4]],
    ]);
    wire.fill(0);
    expect([...(list[1]?.data ?? [])]).toEqual([2, 7, 8]);
    expect([...unknownToBytes(list)]).toEqual([0x98, 0x06, 42, 0xa2, 0x06, 2, 7, 8, 0xad, 0x06, 1, 2, 3, 4]);
  });

  it("that are not wire bytes are a CritJsonError naming the key", () => {
    const doc = { magic: "INVENTORY", entries: [{ img_version: 2, $unknown: "gA==" }] };
    let err: unknown;
    try {
      fromCritJson(JSON.stringify(doc));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CritJsonError);
    const e = err as CritJsonError;
    expect([e.name, e.code, e.image, e.offset, e.path]).toEqual([
      "CritJsonError",
      "BAD_JSON",
      "<json>",
      0,
      "entries[0].$unknown",
    ]);
    expect(e.message).toMatch(/^entries\[0\]\.\$unknown: expected unknown fields in wire format \(.+\)$/);
  });
});
