/**
 * iterateFramed and iterateImage hand entries out one at a time: nothing is
 * read before the loop asks, an error comes at the entry where it is (after
 * the good entries before it), and each walk starts anew. Offsets are
 * worked out by hand from the bytes below.
 */
import { describe, expect, it } from "vitest";
import { IMG_COMMON_MAGIC, iterateFramed, iterateImage, kindByName, readFramed } from "../../src/index.js";
import { bytes, cat, entry, msg, u32 } from "../helpers/bytes.js";
import { corpusImages } from "../helpers/corpus.js";
import { caught } from "../helpers/errors.js";

const FILES = (kindByName("FILES") as { magic: number }).magic;
// Three file_entry payloads: type REG (1), ids 1..3 (fields 1 and 2).
const e1 = msg([1, 1], [2, 1]);
const e2 = msg([1, 1], [2, 2]);
const head = u32(IMG_COMMON_MAGIC, FILES);

describe("iterateFramed", () => {
  it("yields the entries readFramed keeps, lazily, with their offsets", () => {
    const img = cat(head, entry(e1), entry(e2));
    const it = iterateFramed(img, { name: "files.img" });
    expect(it.header).toStrictEqual({
      name: "files.img",
      kind: "FILES",
      format: "v1.1",
      magic: FILES,
      leadMagic: IMG_COMMON_MAGIC,
    });
    const got = [...it.entries()];
    expect(got.map((e) => e.offset)).toEqual([8, 8 + 4 + e1.length]);
    expect(got.map((e) => [...e.payload])).toEqual([[...e1], [...e2]]);
    expect(got).toEqual(readFramed(img, { name: "files.img" }).entries);
    // A second walk gives the same again.
    expect([...it.entries()]).toEqual(got);
  });

  it("throws at the damaged entry, after handing out the good ones", () => {
    // The third size word says 100 bytes; 2 follow.
    const img = cat(head, entry(e1), entry(e2), u32(100), bytes(8, 1));
    const gen = iterateFramed(img, { name: "files.img" }).entries();
    expect(gen.next().value?.offset).toBe(8);
    expect(gen.next().value?.offset).toBe(8 + 4 + e1.length);
    const e = caught(() => gen.next());
    expect(e.code).toBe("TRUNCATED");
    expect(e.offset).toBe(8 + 4 + e1.length + 4 + e2.length + 4);
    expect(e.image).toBe("files.img");
  });

  it("reads the header at once: a bad magic throws before any loop", () => {
    expect(caught(() => iterateFramed(u32(0x12345678, 0), { name: "x.img" })).code).toBe("BAD_MAGIC");
  });

  it("a raw image has no entries", () => {
    const it = iterateFramed(bytes(1, 2, 3), { name: "pages-1.img" });
    expect(it.header.format).toBe("raw");
    expect([...it.entries()]).toEqual([]);
  });

  it("agrees with readFramed on every corpus image", () => {
    let n = 0;
    for (const { name, bytes: b } of corpusImages()) {
      const it = iterateFramed(b, { name });
      const all = readFramed(b, { name });
      expect([...it.entries()], name).toEqual(all.entries);
      n++;
    }
    expect(n).toBeGreaterThan(100);
  });
});

describe("iterateImage", () => {
  it("decodes each entry when reached; a bad payload throws BAD_ENTRY there", () => {
    // Field 2 as a varint that never ends.
    const badPayload = bytes(0x08, 0x01, 0x10, 0xff);
    const img = cat(head, entry(e1), entry(badPayload));
    const gen = iterateImage(img, { name: "files.img" }).entries();
    const first = gen.next().value;
    expect(first?.message).toMatchObject({ type: 1, id: 1 });
    const e = caught(() => gen.next());
    expect(e.code).toBe("BAD_ENTRY");
    expect(e.offset).toBe(8 + 4 + e1.length + 4);
  });
});
