/**
 * The listing's wire readers against protobuf-es on every socket of the
 * corpus, and against bytes written by hand for what CRIU's own encoder
 * never produces but a protobuf decoder must accept (packed addresses, a
 * message field given twice) or must refuse (truncation, bad wire types).
 */
import { fromBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { fdinfo_entrySchema, file_entrySchema } from "../../src/gen/index.js";
import { readFramed } from "../../src/index.js";
import { fdinfoFields, fileEntrySocket, inetSkSocket } from "../../src/inspect/inet-wire.js";
import { bytes, cat, msg, varint } from "../helpers/bytes.js";
import { corpusImages } from "../helpers/corpus.js";
import { caught } from "../helpers/errors.js";

const LISTED = ["id", "ino", "family", "type", "proto", "state", "srcPort", "dstPort", "srcAddr", "dstAddr"] as const;
/** A length-delimited field. */
const len = (no: number, body: Uint8Array) => cat(bytes(...varint(no * 8 + 2), ...varint(body.length)), body);

describe("fileEntrySocket and fdinfoFields on the corpus", () => {
  it("read what protobuf-es decodes, for every files.img and fdinfo entry", () => {
    let sockets = 0;
    let fds = 0;
    for (const { name, bytes: b, scenario } of corpusImages()) {
      if (name === "files.img") {
        for (const e of readFramed(b, { name }).entries) {
          const m = fromBinary(file_entrySchema, e.payload);
          const f = fileEntrySocket(e.payload, name, 0);
          if (!m.isk) {
            expect(f, `${scenario} ${m.id}`).toBeUndefined();
            continue;
          }
          sockets++;
          for (const k of LISTED) expect(f?.[k], `${scenario} ${k}`).toEqual(m.isk[k]);
          expect(f?.nsId).toBe(Object.hasOwn(m.isk, "nsId") ? m.isk.nsId : undefined);
        }
      } else if (name.startsWith("fdinfo-")) {
        for (const e of readFramed(b, { name }).entries) {
          const m = fromBinary(fdinfo_entrySchema, e.payload);
          expect(fdinfoFields(e.payload, name, 0)).toEqual({ id: m.id, type: m.type, fd: m.fd });
          fds++;
        }
      }
    }
    // The corpus has dozens of sockets and hundreds of fds; a loop that ran empty must fail.
    expect(sockets).toBeGreaterThan(20);
    expect(fds).toBeGreaterThan(100);
  });
});

describe("wire rules", () => {
  it("accepts packed addresses and merges an isk given twice, later scalars winning", () => {
    const packed = len(11, bytes(...varint(0x0100007f), ...varint(0xffffffff)));
    const isk1 = cat(msg([1, 5], [2, 77], [7, 80]), packed, msg([12, 9]));
    const isk2 = msg([7, 81], [12, 10], [18, 3]);
    const payload = cat(msg([1, 4], [2, 5]), len(4, isk1), len(4, isk2));
    expect(fromBinary(file_entrySchema, payload).isk).toMatchObject({
      id: 5,
      ino: 77,
      srcPort: 81,
      srcAddr: [0x0100007f, 0xffffffff],
      dstAddr: [9, 10],
      nsId: 3,
    });
    expect(fileEntrySocket(payload, "files.img", 0)).toEqual({
      id: 5,
      ino: 77,
      family: 0,
      type: 0,
      proto: 0,
      state: 0,
      srcPort: 81,
      dstPort: 0,
      srcAddr: [0x0100007f, 0xffffffff],
      dstAddr: [9, 10],
      nsId: 3,
    });
  });

  it("keeps the low 32 bits of a longer varint, as protobuf's uint32 does", () => {
    const f = inetSkSocket(msg([1, 2n ** 40n + 17n]), "inetsk.img", 0);
    expect(f.id).toBe(17);
    expect(Object.hasOwn(f, "nsId")).toBe(false);
  });

  it("refuses truncated fields and bad wire types with BAD_ENTRY at the entry's offset", () => {
    const cases: [() => unknown, string][] = [
      [() => fileEntrySocket(len(4, msg([1, 5])).subarray(0, 3), "files.img", 40), "file_entry"],
      [() => fileEntrySocket(cat(msg([1, 4]), len(4, bytes(0x08))), "files.img", 40), "file_entry"],
      [() => inetSkSocket(bytes(0x0b), "inetsk.img", 40), "inet_sk_entry"],
      [() => inetSkSocket(bytes(0x5d, 1, 2), "inetsk.img", 40), "inet_sk_entry"],
      [() => inetSkSocket(bytes(0x5d, 1, 2, 3, 4), "inetsk.img", 40), "inet_sk_entry"],
      [() => fdinfoFields(bytes(0x08, 0x80), "fdinfo-1.img", 40), "fdinfo_entry"],
    ];
    for (const [f, what] of cases) {
      const e = caught(f);
      expect(e.code).toBe("BAD_ENTRY");
      expect(e.offset).toBe(40);
      expect(e.expected).toBe(`a valid ${what} entry`);
    }
    // An address word in a fixed32 (field 11, wire type 5): named as such.
    expect(caught(() => inetSkSocket(bytes(0x5d, 1, 2, 3, 4), "inetsk.img", 40)).message).toContain(
      "wire type 5 for an address word",
    );
  });
});
