import { create, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { inet_sk_entrySchema, reg_file_entrySchema } from "../../src/gen/index.js";
import {
  decodeUtf8Lossless,
  encodeUtf8Lossless,
  IMG_COMMON_MAGIC,
  kindByName,
  readImage,
  unknownEnumValue,
  writeImage,
} from "../../src/index.js";
import { u32 } from "../helpers/bytes.js";
import { fown, inetSocket } from "../helpers/messages.js";

const image = (kind: string, ...payloads: Uint8Array[]) =>
  new Uint8Array(
    Buffer.concat([u32(IMG_COMMON_MAGIC, kindByName(kind)!.magic), ...payloads.flatMap((p) => [u32(p.length), p])]),
  );

const regPayload = (nameBytes: number[]) => {
  // reg_file_entry whose name (6) is given again as raw bytes: the last one wins.
  const base = toBinary(
    reg_file_entrySchema,
    create(reg_file_entrySchema, { id: 1, flags: 0, pos: 0n, fown, name: "x" }),
  );
  return new Uint8Array([...base, 0x32, nameBytes.length, ...nameBytes]);
};

describe("lossless round trips", () => {
  it("keeps invalid UTF-8 in string fields (Linux paths are bytes), even after an edit", () => {
    const name = [0x2f, 0x74, 0xff, 0xfe, 0x80, 0x2f, 0xc3, 0xa9]; // "/t" ff fe 80 "/é"
    const reg = image("REG_FILES", regPayload(name));
    const img = readImage(reg, { name: "reg-files.img" });
    expect(Buffer.compare(writeImage(img), reg)).toBe(0);
    if (img.kind !== "REG_FILES") throw new Error("kind");
    // An edit to another field re-encodes the message: the name bytes must survive that too.
    img.entries[0]!.pos = 5n;
    const again = readImage(writeImage(img), { name: "reg-files.img" });
    if (again.kind !== "REG_FILES") throw new Error("kind");
    expect([...encodeUtf8Lossless(again.entries[0]!.name)]).toEqual(name);
    expect(again.entries[0]!.pos).toBe(5n);
  });

  it("keeps unknown fields and unknown values of closed enums", () => {
    const sk = inetSocket();
    const known = toBinary(inet_sk_entrySchema, sk);
    // field 99 (unknown, varint 7) and shutdown (19, closed enum sk_shutdown) = 42 (no such value)
    const payload = new Uint8Array([...known, 0x98, 0x06, 0x07, 0x98, 0x01, 42]);
    const b = image("INETSK", payload);
    const img = readImage(b, { name: "inetsk.img" });
    expect(Buffer.compare(writeImage(img), b)).toBe(0);
    if (img.kind !== "INETSK") throw new Error("kind");
    img.entries[0]!.srcPort = 80;
    const changed = writeImage(img);
    const back = readImage(changed, { name: "inetsk.img" });
    if (back.kind !== "INETSK") throw new Error("kind");
    expect(back.entries[0]!.srcPort).toBe(80);
    const unknown = (back.entries[0] as unknown as { $unknown?: { no: number }[] }).$unknown ?? [];
    expect(unknown.map((u) => u.no).sort()).toEqual([19, 99]);
  });

  it("unknownEnumValue: the number of a closed-enum field the schema does not know, as C reads it", () => {
    const sk = toBinary(inet_sk_entrySchema, inetSocket());
    const shutdown = (...values: number[][]) => {
      // shutdown is field 19 (tag 0x98 0x01), closed enum sk_shutdown (0..3).
      const b = image("INETSK", new Uint8Array([...sk, ...values.flatMap((v) => [0x98, 0x01, ...v])]));
      const img = readImage(b, { name: "inetsk.img" });
      if (img.kind !== "INETSK") throw new Error("kind");
      return unknownEnumValue(img.entries[0]!, 19);
    };
    expect(shutdown([2])).toBeUndefined(); // known: in the field itself
    expect(shutdown([42])).toBe(42);
    expect(shutdown([42], [0x80, 0x01])).toBe(128); // the last one wins
    // An unknown field of another number after it is not its value.
    const other = image("INETSK", new Uint8Array([...sk, 0x98, 0x01, 42, 0x98, 0x06, 0x07]));
    const img = readImage(other, { name: "inetsk.img" });
    if (img.kind !== "INETSK") throw new Error("kind");
    expect(unknownEnumValue(img.entries[0]!, 19)).toBe(42);
    expect(unknownEnumValue(img.entries[0]!, 99)).toBe(7);
    expect(shutdown([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).toBe(-1); // int32: ten bytes
    expect(unknownEnumValue(inetSocket(), 19)).toBeUndefined();
  });

  it("keeps non-canonical encodings of unchanged entries", () => {
    // file_entry id=1 with an overlong varint (0x81 0x00) and type=1.
    const payload = new Uint8Array([0x08, 0x81, 0x00, 0x10, 0x01]);
    const b = image("FILES", payload);
    expect(Buffer.compare(writeImage(readImage(b, { name: "files.img" })), b)).toBe(0);
  });

  it("remembers the original bytes where nothing else sees them, and not in copies", () => {
    // file_entry id=1 (field 2) before type=1 (field 1): unchanged, that order survives.
    const payload = new Uint8Array([0x10, 0x01, 0x08, 0x01]);
    const b = image("FILES", payload);
    const img = readImage(b, { name: "files.img" });
    if (img.kind !== "FILES") throw new Error("kind");
    const msg = img.entries[0]!;
    expect(Reflect.ownKeys(msg)).toEqual(["$typeName", "id", "type"]);
    expect(JSON.stringify(msg)).toBe('{"$typeName":"file_entry","id":1,"type":1}');
    expect(Buffer.compare(writeImage(img), b)).toBe(0);
    // A copy made by spreading is a new message: it encodes canonically.
    const copy = { ...msg };
    const again = writeImage({ ...img, entries: [copy] } as typeof img);
    expect([...again.subarray(12)]).toEqual([0x08, 0x01, 0x10, 0x01]);
  });

  it("the text codec maps any byte string to a string and back", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect([...encodeUtf8Lossless(decodeUtf8Lossless(bytes))]).toEqual([...bytes]);
      }),
      { numRuns: 2000, seed: 7 },
    );
    fc.assert(
      fc.property(fc.string({ unit: "binary", maxLength: 40 }), (s) => {
        const b = encodeUtf8Lossless(s);
        expect(Buffer.from(b).equals(Buffer.from(s, "utf8"))).toBe(true);
        expect(decodeUtf8Lossless(b)).toBe(s);
      }),
      { numRuns: 2000, seed: 8 },
    );
  });
});

describe("unknown fields in crit JSON ($unknown)", () => {
  it("come back byte for byte through JSON, groups and every wire type included; bad wire bytes are a CritJsonError", async () => {
    const { fromCritJson, toCritJson, CritJsonError } = await import("../../src/json/index.js");
    // Unknown fields 90..95 of an inet_sk_entry: varint, fixed64, bytes, fixed32 and a group holding a varint.
    const extra = new Uint8Array([
      0xd0, 0x05, 0x96, 0x01, 0xd9, 0x05, 1, 2, 3, 4, 5, 6, 7, 8, 0xe2, 0x05, 0x02, 0xaa, 0xbb, 0xed, 0x05, 9, 8, 7, 6,
      0xf3, 0x05, 0x08, 0x01, 0xf4, 0x05,
    ]);
    const known = toBinary(inet_sk_entrySchema, inetSocket());
    const withExtra = new Uint8Array([...known, ...extra]);
    const b = image("INETSK", withExtra);
    const img = readImage(b, { name: "inetsk.img" });
    const json = toCritJson(img);
    expect(json).toContain('"$unknown"');
    expect(Buffer.compare(writeImage(fromCritJson(json, { name: "inetsk.img" })), b)).toBe(0);
    const bad = json.replace(/"\$unknown": "[^"]*"/, `"$unknown": "${Buffer.from([0xd0, 0x85]).toString("base64")}"`);
    expect(() => fromCritJson(bad, { name: "inetsk.img" })).toThrow(CritJsonError);
  });
});
