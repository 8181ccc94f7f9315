/**
 * toCritJson, critInfo and CritJsonWriter at their edges: an entry whose
 * message is empty but has a payload (crit 4.2's own output for the same
 * bytes is the oracle), the writer falling back from the wire renderer in
 * the middle of an image, and the kinds crit has no JSON for.
 */
import { describe, expect, it } from "vitest";
import { CriuImageError, readFramed, readImage, writeImage } from "../../src/index.js";
import {
  CritJsonError,
  CritJsonWriter,
  critInfo,
  critInfoForCount,
  critInfoForRaw,
  fromCritJson,
  toCritJson,
} from "../../src/json/index.js";
import { cat, u32 } from "../helpers/bytes.js";
import { corpusImages } from "../helpers/corpus.js";
import { viaFramed } from "../helpers/crit-json.js";

// IMG_COMMON, GHOST_FILE, an empty ghost_file_entry (no field set), and the file's bytes as a plain blob.
const GHOST = cat(u32(0x54564319, 0x52583605, 0), new TextEncoder().encode("hello"));

describe("toCritJson", () => {
  it("an empty message with a payload is {extra} alone, as crit 4.2 writes it", () => {
    const img = readImage(GHOST, { name: "ghost-file-1.img" });
    // crit decode (and --pretty) of the same bytes.
    expect(toCritJson(img)).toBe('{"magic": "GHOST_FILE", "entries": [{"extra": "aGVsbG8=\\n"}]}');
    expect(toCritJson(img, { pretty: true })).toBe(
      [
        "{",
        '    "magic": "GHOST_FILE",',
        '    "entries": [',
        "        {",
        '            "extra": "aGVsbG8=\\n"',
        "        }",
        "    ]",
        "}",
      ].join("\n"),
    );
    expect(viaFramed(GHOST, undefined, false)).toBe(toCritJson(img));
  });

  it("the writer falls back entry by entry: the image reads the same whichever entries the wire renderer declines", () => {
    for (const img of corpusImages().filter((i) => /^(files|fdinfo-\d+|pstree)\.img$/.test(i.name))) {
      const decoded = readImage(img.bytes, { name: img.name });
      if (decoded.format === "raw" || decoded.entries.length < 2) continue;
      // An unknown field (99) appended to the first and the last entry: the wire renderer declines those.
      const framed = readFramed(img.bytes, { name: img.name });
      const parts: Uint8Array[] = [img.bytes.subarray(0, framed.entries[0]?.offset ?? 0)];
      framed.entries.forEach((e, i) => {
        const odd = i === 0 || i === framed.entries.length - 1;
        const payload = odd ? cat(e.payload, Uint8Array.from([0x98, 0x06, 42])) : e.payload;
        parts.push(u32(payload.length), payload);
      });
      const bytes = cat(...parts);
      const whole = readImage(bytes, { name: img.name });
      for (const pretty of [false, true]) {
        const text = viaFramed(bytes, undefined, pretty);
        expect(text, img.name).toBe(toCritJson(whole, { pretty }));
        expect(JSON.parse(text).entries[0].$unknown).toBe("mAYq\n");
        expect(writeImage(fromCritJson(text))).toEqual(bytes);
      }
    }
  });

  it("refuses raw images and kinds that are not entry images, naming them", () => {
    const pages = readImage(new Uint8Array(4096), { name: "pages-1.img" });
    const refusal = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(e).toBeInstanceOf(CriuImageError);
        const c = e as CriuImageError;
        return [c.code, c.image, c.message];
      }
      return undefined;
    };
    expect(refusal(() => toCritJson(pages))).toEqual([
      "UNSUPPORTED",
      "pages-1.img",
      "pages-1.img: at byte 0: expected an image of entries (PAGES is a raw image; crit has no JSON form for it)",
    ]);
    expect(refusal(() => critInfo(pages))).toEqual([
      "UNSUPPORTED",
      "pages-1.img",
      "pages-1.img: at byte 0: expected an image of entries (PAGES is a raw image; crit has no info for it)",
    ]);
    for (const kind of ["PAGES", "NOPE"]) {
      expect(refusal(() => new CritJsonWriter(kind))).toEqual([
        "UNSUPPORTED",
        "<image>",
        `<image>: at byte 0: expected an entry image kind (${kind} is not one; crit has no JSON form for it)`,
      ]);
    }
  });

  it("take hands over a copy of its own unless asked to reuse", () => {
    const w = new CritJsonWriter("PIPES_DATA");
    w.head();
    const a = w.take();
    const text = new TextDecoder().decode(a);
    for (let i = 0; i < 3; i++) {
      w.tail();
      w.take();
    }
    expect(new TextDecoder().decode(a)).toBe(text);
    const r = new CritJsonWriter("PIPES_DATA");
    r.head();
    const view = r.take(true);
    r.tail();
    r.take(true);
    r.tail();
    r.take(true);
    // The view after next reuses the first view's buffer.
    expect(new TextDecoder().decode(view)).not.toBe(text);
  });

  it("critInfo counts entries, and a pagemap's head is none", () => {
    for (const img of corpusImages()
      .filter((i) => /^(pagemap-\d+|files)\.img$/.test(i.name))
      .slice(0, 4)) {
      const decoded = readImage(img.bytes, { name: img.name });
      if (decoded.format === "raw") continue;
      const n = decoded.kind === "PAGEMAP" ? decoded.entries.length - 1 : decoded.entries.length;
      expect(critInfo(decoded)).toBe(`{\n    "magic": "${decoded.kind}",\n    "count": ${n}\n}\n`);
      expect(critInfoForCount(decoded.kind, decoded.entries.length)).toBe(critInfo(decoded));
    }
    // A pagemap without even its head counts none, not -1.
    expect(critInfoForCount("PAGEMAP", 0)).toBe('{\n    "magic": "PAGEMAP",\n    "count": 0\n}\n');
    // Raw images, which crit has no info for, in the same layout.
    expect(critInfoForRaw("PAGES", 8192)).toBe('{\n    "magic": "PAGES",\n    "raw": true,\n    "size": 8192\n}\n');
  });
});

describe("pretty flags read back", () => {
  it("a flag name crit does not know is an error, not a number", () => {
    const mm = corpusImages().find((i) => /^mm-\d+\.img$/.test(i.name));
    if (!mm) throw new Error("no mm image");
    const doc = JSON.parse(toCritJson(readImage(mm.bytes, { name: mm.name }), { pretty: true }));
    doc.entries[0].vmas[0].prot = "PROT_READ | PROT_BOGUS";
    expect(() => fromCritJson(JSON.stringify(doc))).toThrow(CritJsonError);
    doc.entries[0].vmas[0].prot = "PROT_READ | 0x8";
    const back = fromCritJson(JSON.stringify(doc));
    expect("entries" in back && (back.entries[0] as { vmas: { prot: number }[] }).vmas[0]?.prot).toBe(9);
  });
});
