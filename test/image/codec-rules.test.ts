/**
 * The message codec's rules, on bytes written by hand: an unchanged message
 * is written back byte for byte even when its bytes are not what protobuf-es
 * would write (non-canonical varints, missing required fields); a changed one
 * is encoded anew, however small the change; what cannot be written is
 * refused with the entry's place and the reason.
 */

import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { fd_typesSchema, fdinfo_entrySchema } from "../../src/gen/index.js";
import { enumValueName, messageSchema } from "../../src/image/index.js";
import {
  type CriuImage,
  type file_entry,
  IMG_COMMON_MAGIC,
  kindByName,
  readImage,
  writeImage,
} from "../../src/index.js";
import { bytes, cat, entry, msg, u32 } from "../helpers/bytes.js";
import { caught } from "../helpers/errors.js";

const FILES = (kindByName("FILES") as { magic: number }).magic;
const filesImage = (...payloads: Uint8Array[]) => cat(u32(IMG_COMMON_MAGIC, FILES), ...payloads.map(entry));
const read = (b: Uint8Array) => readImage(b, { name: "files.img" }) as CriuImage & { entries: file_entry[] };

describe("writing back what was read", () => {
  it("keeps non-canonical bytes of an unchanged entry (a varint padded with 0x80 0x00)", () => {
    // type = 1 written as 81 00, id = 5
    const b = filesImage(bytes(0x08, 0x81, 0x00, 0x10, 0x05));
    const img = read(b);
    expect(img.entries[0]).toMatchObject({ type: 1, id: 5 });
    expect([...writeImage(img)]).toEqual([...b]);
  });

  it("encodes a changed entry anew, also when the change keeps its length", () => {
    const b = filesImage(msg([1, 1], [2, 5]), msg([1, 1], [2, 7]));
    const img = read(b);
    (img.entries[0] as file_entry).id = 6;
    expect([...writeImage(img)]).toEqual([...filesImage(msg([1, 1], [2, 6]), msg([1, 1], [2, 7]))]);
    (img.entries[1] as file_entry).id = 300;
    expect([...writeImage(img)]).toEqual([...filesImage(msg([1, 1], [2, 6]), msg([1, 1], [2, 300]))]);
  });

  it("does not take new bytes that are a prefix of the read ones for the read ones", () => {
    // id given twice (the last wins: 7); changed to 5, the encoding is the read bytes' first four.
    const b = filesImage(msg([1, 1], [2, 5], [2, 7]));
    const img = read(b);
    expect(img.entries[0]).toMatchObject({ id: 7 });
    expect([...writeImage(img)]).toEqual([...b]);
    (img.entries[0] as file_entry).id = 5;
    expect([...writeImage(img)]).toEqual([...filesImage(msg([1, 1], [2, 5]))]);
  });

  it("keeps an unchanged entry that lacks a required field; refuses it once changed", () => {
    // No type (field 1), which file_entry requires.
    const b = filesImage(msg([1, 1], [2, 1]), msg([2, 5]));
    const img = read(b);
    expect([...writeImage(img)]).toEqual([...b]);
    (img.entries[1] as file_entry).id = 6;
    const e = caught(() => writeImage(img));
    expect(e.code).toBe("INVALID");
    expect(e.image).toBe("files.img");
    expect(e.offset).toBe(1);
    expect(e.expected).toBe("a complete file_entry entry");
    expect(e.message).toMatch(/required field/);
  });

  it("writes a change to unknown fields, even where the read bytes were not canonical", () => {
    // type = 1 as 81 00 (non-canonical), id = 5, then unknown field 99 = 7.
    const b = filesImage(bytes(0x08, 0x81, 0x00, 0x10, 0x05, 0x98, 0x06, 0x07));
    const img = read(b);
    expect([...writeImage(img)]).toEqual([...b]);
    const unknown = (img.entries[0] as { $unknown?: { no: number; data: Uint8Array }[] }).$unknown;
    expect(unknown?.map((u) => u.no)).toEqual([99]);
    (unknown?.[0] as { data: Uint8Array }).data = bytes(8);
    expect([...writeImage(img)]).toEqual([...filesImage(bytes(0x08, 0x01, 0x10, 0x05, 0x98, 0x06, 0x08))]);
  });

  it("refuses a message of another type as an entry, naming both", () => {
    const img = read(filesImage(msg([1, 1], [2, 1])));
    (img.entries as unknown[]).push(create(fdinfo_entrySchema, { id: 1, flags: 0, type: 1, fd: 3 }));
    const e = caught(() => writeImage(img));
    expect(e.code).toBe("INVALID");
    expect(e.offset).toBe(1);
    expect(e.expected).toBe("a file_entry message as entry 1");
    expect(e.message).toMatch(/got fdinfo_entry/);
  });

  it("names the message type when an entry does not decode", () => {
    const e = caught(() => read(filesImage(bytes(0x08, 0x01, 0x10, 0xff))));
    expect(e.code).toBe("BAD_ENTRY");
    expect(e.expected).toBe("a valid file_entry entry");
    expect(e.offset).toBe(12);
  });

  it("gives images of kinds without extras no extras array, and raw images back as they were", () => {
    const img = read(filesImage(msg([1, 1], [2, 1])));
    expect(Object.hasOwn(img, "extras")).toBe(false);
    const raw = readImage(bytes(1, 2, 3), { name: "pages-1.img" });
    expect([...writeImage(raw)]).toEqual([1, 2, 3]);
  });
});

describe("schema lookups", () => {
  it("refuses names that are not CRIU messages, inherited names included", () => {
    for (const name of ["no_such_entry", "__proto__", "toString"]) {
      const e = caught(() => messageSchema(name));
      expect(e.code).toBe("INVALID");
      expect(e.expected).toBe("a message of the CRIU schema");
      expect(e.message).toContain(`no message ${name}`);
    }
    expect(messageSchema("file_entry").typeName).toBe("file_entry");
  });

  it("names enum values by the enum's schema or its proto name, the same either way", () => {
    expect(enumValueName(fd_typesSchema, 4)).toBe("INETSK");
    expect(enumValueName("fd_types", 4)).toBe("INETSK");
    expect(enumValueName("fd_types", 1)).toBe("REG");
    expect(enumValueName(fd_typesSchema, 9999)).toBeUndefined();
    expect(enumValueName("no_such_enum", 1)).toBeUndefined();
  });
});
