/**
 * The lossless UTF-8 codec against Python's "surrogateescape" error handler,
 * which it copies: every byte of an invalid sequence becomes U+DC80 + byte.
 * Inputs are drawn from the bytes where UTF-8's rules change (the ends of
 * each lead-byte range, the continuation range, the surrogate and
 * U+10FFFF boundaries), runs of them up to 300 bytes so every sequence
 * length meets every kind of truncation. In CI a missing python3 fails.
 */
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { reflect } from "@bufbuild/protobuf/reflect";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { reg_file_entrySchema } from "../../src/gen/index.js";
import { decodeUtf8Lossless, encodeUtf8Lossless, installLosslessText } from "../../src/image/text-codec.js";
import { py, python } from "../helpers/python.js";

// Where UTF-8's rules change: ASCII's end, continuation bytes, C0/C1 (never valid), each lead range's ends,
// E0 and ED (whose second byte is restricted), F0 and F4, and F5..FF (never valid).
const EDGES = [
  0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xe1, 0xec, 0xed, 0xee, 0xef,
  0xf0, 0xf1, 0xf3, 0xf4, 0xf5, 0xff,
];
const byteRuns = fc.array(fc.oneof(fc.constantFrom(...EDGES), fc.integer({ min: 0, max: 255 })), {
  maxLength: 300,
});

// UTF-16 code units at UTF-8's length boundaries, escapes, other lone surrogates, and pairs.
const UNITS = [0x41, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0xdc80, 0xdcff, 0xdc7f, 0xdd00];
const pair = fc
  .integer({ min: 0x10000, max: 0x10ffff })
  .map((cp) => [0xd800 + ((cp - 0x10000) >> 10), 0xdc00 + ((cp - 0x10000) & 0x3ff)]);
const strings = fc
  .array(
    fc.oneof(
      fc.constantFrom(...UNITS).map((u) => [u]),
      fc.integer({ min: 0, max: 0xffff }).map((u) => [u]),
      pair,
      // A high surrogate at the very end or before a non-surrogate.
      fc.constantFrom([0xd800], [0xdbff]),
    ),
    { maxLength: 150 },
  )
  .map((units) => String.fromCharCode(...units.flat()));

describe.skipIf(!python)("against Python's surrogateescape", () => {
  it("decodes every byte string as bytes.decode('utf-8', 'surrogateescape')", () => {
    const inputs = fc.sample(byteRuns, { numRuns: 4000, seed: 17 });
    // Short ASCII and long ASCII take other paths; make sure both are in.
    inputs.push([], [0x41], Array(63).fill(0x61), Array(64).fill(0x61), Array(65).fill(0x61));
    // Each bound of the rules, on both sides: U+10FFFF and one past it, the first and last
    // surrogate, overlong forms at each length, a lead followed by a non-continuation.
    inputs.push(
      [0xf4, 0x8f, 0xbf, 0xbf],
      [0xf4, 0x90, 0x80, 0x80],
      [0xed, 0x9f, 0xbf],
      [0xed, 0xa0, 0x80],
      [0xed, 0xbf, 0xbf],
      [0xee, 0x80, 0x80],
      [0xc1, 0xbf],
      [0xc2, 0x80],
      [0xe0, 0x9f, 0xbf],
      [0xe0, 0xa0, 0x80],
      [0xf0, 0x8f, 0xbf, 0xbf],
      [0xf0, 0x90, 0x80, 0x80],
      [0xe2, 0x41, 0x41],
      [0xc3, 0x41],
      [0xf0, 0x9f, 0x98],
      [0xdf, 0xbf, 0x80],
      // Bytes that never lead (continuations, C0, C1, F5..FF) before three continuations: each is escaped, however
      // the bits after it would add up.
      [0x81, 0x80, 0x80, 0x80],
      [0x80, 0x90, 0x80, 0x80],
      [0xbf, 0xbf, 0xbf, 0xbf],
      [0xc0, 0x80, 0x80, 0x80],
      [0xc1, 0x81, 0x80, 0x80],
      [0xf5, 0x80, 0x80, 0x80],
      [0xf8, 0x90, 0x80, 0x80],
      [0xfc, 0x80, 0x80, 0x80],
    );
    const want = py(
      "import sys,json\njson.dump([bytes(a).decode('utf-8','surrogateescape') for a in json.load(sys.stdin)],sys.stdout)",
      inputs,
    ) as string[];
    inputs.forEach((a, i) => {
      expect(decodeUtf8Lossless(Uint8Array.from(a)), JSON.stringify(a)).toBe(want[i]);
    });
  });

  it("encodes back with str.encode('utf-8', 'surrogateescape'); other lone surrogates as TextEncoder does", () => {
    const inputs = fc.sample(strings, { numRuns: 3000, seed: 5 });
    // Escapes force the code-unit path: pairs and each UTF-8 length boundary beside one.
    inputs.push("\ud83d\ude00\udc80", "\u007f\u0080\u07ff\u0800\uffff\udcff", "\udbff\udfff\udc80", "\ud800");
    const want = py(
      [
        "import sys,json",
        "out=[]",
        "for s in json.load(sys.stdin):",
        // Python refuses lone surrogates outside DC80..DCFF; the codec writes EF BF BD there, as TextEncoder.
        " b=b''.join(c.encode('utf-8','surrogateescape') if not (0xd800<=ord(c)<=0xdfff and not 0xdc80<=ord(c)<=0xdcff) else b'\\xef\\xbf\\xbd' for c in s.encode('utf-16','surrogatepass').decode('utf-16','surrogatepass'))",
        " out.append(list(b))",
        "json.dump(out,sys.stdout)",
      ].join("\n"),
      inputs,
    ) as number[][];
    inputs.forEach((s, i) => {
      expect([...encodeUtf8Lossless(s)], JSON.stringify(s)).toEqual(want[i]);
    });
  });
});

describe("the codec inside protobuf-es", () => {
  it("round-trips any bytes in a string field, re-encoded (not copied) by toBinary", () => {
    installLosslessText();
    fc.assert(
      fc.property(byteRuns, fc.constantFrom(0, 10, 200), (name, pad) => {
        // Non-ASCII takes protobuf-es's encodeInto path; a long prefix moves the length varint past one byte.
        const bytes = Uint8Array.from([...Array(pad).fill(0x2f), ...name]);
        const fown = { uid: 0, euid: 0, signum: 0, pidType: 0, pid: 0 };
        const m = create(reg_file_entrySchema, { id: 1, flags: 2, pos: 3n, fown, name: decodeUtf8Lossless(bytes) });
        const back = fromBinary(reg_file_entrySchema, toBinary(reg_file_entrySchema, m));
        expect([...encodeUtf8Lossless(back.name)]).toEqual([...bytes]);
      }),
      { numRuns: 300 },
    );
  });

  it("lets reflection set an escaped path (protobuf-es checks UTF-8 there)", () => {
    installLosslessText();
    const m = create(reg_file_entrySchema);
    const r = reflect(reg_file_entrySchema, m);
    const field = reg_file_entrySchema.fields.find((f) => f.name === "name");
    expect(field).toBeDefined();
    expect(r.set(field as never, "/tmp/\udcff")).toBeUndefined();
    expect(m.name).toBe("/tmp/\udcff");
  });
});
