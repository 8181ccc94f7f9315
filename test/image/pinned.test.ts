/**
 * Cases pinned by hand where the image layer's small helpers meet their
 * edges: UTF-8 at U+10FFFF beside an invalid byte, surrogate pairs beside
 * escapes, the last lone surrogate; addresses as CRIU's words; enum names
 * by schema and by name; and the shape of what decoding and encoding give
 * (no `extra` or `extras` where a kind has none).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { fd_typesSchema } from "../../src/gen/index.js";
import {
  bytesToWords,
  decodeImage,
  decodeUtf8Lossless,
  encodeImage,
  encodeUtf8Lossless,
  enumValueName,
  readFramed,
  readImage,
  wordsToBytes,
} from "../../src/index.js";
import { corpusRoot, requireCorpus } from "../helpers/corpus.js";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

describe("the lossless UTF-8 codec, pinned", () => {
  it("decodes U+10FFFF, the last code point, also when an invalid byte sends it down the escaping path", () => {
    expect(decodeUtf8Lossless(Uint8Array.from([0xf4, 0x8f, 0xbf, 0xbf, 0xff]))).toBe("\u{10ffff}\udcff");
    expect(decodeUtf8Lossless(Uint8Array.from([0xf4, 0x90, 0x80, 0x80]))).toBe("\udcf4\udc90\udc80\udc80");
  });

  it("escapes a short string's non-ASCII byte; decodes long ASCII without spreading it", () => {
    expect(decodeUtf8Lossless(Uint8Array.from([0x61, 0x80]))).toBe("a\udc80");
    expect(decodeUtf8Lossless(Uint8Array.from([0x7f]))).toBe("\u007f");
    // More bytes than a call can take as arguments, even on a worker thread's larger stack.
    const long = new Uint8Array(4_000_000).fill(0x61);
    expect(decodeUtf8Lossless(long)).toBe("a".repeat(4_000_000));
  });

  it("encodes a surrogate pair beside an escape, and the last lone surrogate as TextEncoder does", () => {
    expect(hex(encodeUtf8Lossless("\u{1f600}\udcff"))).toBe("f09f9880ff");
    expect(hex(encodeUtf8Lossless("\u{10ffff}\udc80"))).toBe("f48fbfbf80");
    expect(hex(encodeUtf8Lossless("\udfff"))).toBe(hex(new TextEncoder().encode("\udfff")));
    expect(hex(encodeUtf8Lossless("\udfff"))).toBe("efbfbd");
  });
});

describe("addresses as CRIU stores them", () => {
  it("each word holds four network-order bytes, low byte first", () => {
    expect([...wordsToBytes([0x0100007f])]).toEqual([127, 0, 0, 1]);
    expect([...wordsToBytes([0, 0, 0xffff0000, 0x0200000a])]).toEqual([
      0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 255, 255, 10, 0, 0, 2,
    ]);
    expect(bytesToWords(Uint8Array.from([127, 0, 0, 1]))).toEqual([0x0100007f]);
    expect(wordsToBytes([])).toEqual(new Uint8Array(0));
  });
});

describe("enum names", () => {
  it("by schema or by proto name; undefined for an unknown enum or value", () => {
    expect(enumValueName(fd_typesSchema, 1)).toBe("REG");
    expect(enumValueName("fd_types", 4)).toBe("INETSK");
    expect(enumValueName("fd_types", 999)).toBeUndefined();
    expect(enumValueName("no_such_enum", 1)).toBeUndefined();
    expect(enumValueName("no_such_enum", 1)).toBeUndefined();
  });
});

describe("the shape of decoded and encoded images", () => {
  requireCorpus();
  const dir = join(corpusRoot, "images", "tcp4");
  const framed = (name: string) => readFramed(new Uint8Array(readFileSync(join(dir, name))), { name });

  it("a kind without extras: no extras on the image, no extra on an entry", () => {
    const img = decodeImage(framed("files.img"));
    expect(Object.hasOwn(img, "extras")).toBe(false);
    const entries = encodeImage(img).entries;
    expect(entries.length).toBeGreaterThan(3);
    for (const e of entries) expect(Object.keys(e).sort()).toEqual(["payload", "schema"]);
  });

  it("a kind with extras: one per entry, and an entry's extra only where it has one", () => {
    const img = readImage(new Uint8Array(readFileSync(join(dir, "tcp-stream-50ba6.img"))), {
      name: "tcp-stream-50ba6.img",
    });
    expect(img.kind).toBe("TCP_STREAM");
    expect(img.extras).toHaveLength(img.entries.length);
    expect(Object.keys(encodeImage(img).entries[0] ?? {}).sort()).toEqual(["extra", "payload", "schema"]);
  });

  it("a raw image has no entries either way", () => {
    const raw = readImage(new Uint8Array([1, 2, 3]), { name: "pages-1.img" });
    expect(raw.format).toBe("raw");
    expect(encodeImage(raw).entries).toEqual([]);
  });
});
