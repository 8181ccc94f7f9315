/**
 * The bugs a manual mutation audit planted and the suite missed, each
 * pinned here by a check against external truth: bytes laid out by hand
 * from CRIU's C code, Python's own output, or the kernel's address rules.
 */
import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { memorySource } from "../src/checkpoint/index.js";
import { pagemap_entrySchema, pagemap_headSchema } from "../src/gen/index.js";
import { decodeUtf8Lossless } from "../src/image/text-codec.js";
import {
  IMG_COMMON_MAGIC,
  IMG_SERVICE_MAGIC,
  kindByName,
  PE_PARENT,
  PE_PRESENT,
  pagemapFlags,
  readFramed,
  readImage,
  writeFramed,
  writeImage,
} from "../src/index.js";
import { fromCritJson } from "../src/json/index.js";
import { decodeQuopri, encodeQuopri } from "../src/json/quopri.js";
import { rewriteConnections, TcpRewriteError } from "../src/tcp/index.js";
import { verifyCheckpoint } from "../src/verify/index.js";
import { corpusCheckpoint } from "./helpers/checkpoints.js";
import { corpusImages } from "./helpers/corpus.js";

const u32 = (...v: number[]) => {
  const b = new Uint8Array(4 * v.length);
  const d = new DataView(b.buffer);
  for (let i = 0; i < v.length; i++) d.setUint32(4 * i, (v[i] as number) >>> 0, true);
  return b;
};
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};

describe("framing offsets (IPC message records and every other extra)", () => {
  it("each entry's offset is where its size word is, and the last one ends the file, for every corpus image", () => {
    let images = 0;
    let msgRecords = 0;
    for (const i of corpusImages()) {
      const f = readFramed(i.bytes, { name: i.name });
      if (f.format === "raw") continue;
      let at = f.format === "v1" ? 4 : 8;
      for (const e of f.entries) {
        expect(e.offset, `${i.scenario}/${i.name}`).toBe(at);
        // The size word says how long the payload is (CRIU's pb_write_one).
        expect(new DataView(i.bytes.buffer, i.bytes.byteOffset + at).getUint32(0, true)).toBe(e.payload.length);
        at += 4 + e.payload.length + (e.extra?.length ?? 0);
      }
      expect(at, `${i.scenario}/${i.name} ends`).toBe(i.bytes.length);
      if (f.kind === "IPCNS_MSG" && f.entries.some((e) => (e.extra?.length ?? 0) > 0)) msgRecords++;
      images++;
    }
    expect(images).toBeGreaterThan(200);
    // The many-fds scenario has a message queue with messages: the records are really exercised.
    expect(msgRecords).toBeGreaterThanOrEqual(1);
  });
});

describe("service images", () => {
  it("stats and irmap-cache start with IMG_SERVICE, written from JSON or from a header without a lead magic", () => {
    const json =
      '{"magic": "STATS", "entries": [{"dump": {"freezing_time": 1, "frozen_time": 2, "memdump_time": 3, "memwrite_time": 4, "pages_scanned": 5, "pages_skipped_parent": 6, "pages_written": 7, "pages_lazy": 8}}]}';
    const bytes = writeImage(fromCritJson(json));
    expect(Array.from(bytes.subarray(0, 8))).toEqual(Array.from(u32(IMG_SERVICE_MAGIC, kindByName("STATS")!.magic)));
    const irmap = writeFramed({
      kind: "IRMAP_CACHE",
      format: "v1.1",
      magic: kindByName("IRMAP_CACHE")!.magic,
      entries: [],
    });
    expect(Array.from(irmap)).toEqual(Array.from(u32(IMG_SERVICE_MAGIC, kindByName("IRMAP_CACHE")!.magic)));
    const files = writeFramed({ kind: "FILES", format: "v1.1", magic: kindByName("FILES")!.magic, entries: [] });
    expect(Array.from(files)).toEqual(Array.from(u32(IMG_COMMON_MAGIC, kindByName("FILES")!.magic)));
  });
});

describe("the lossless text codec", () => {
  it("encoded surrogates (ED A0..BF xx) are not UTF-8: each byte is escaped", () => {
    expect(decodeUtf8Lossless(new Uint8Array([0xed, 0xa0, 0x80]))).toBe("\udced\udca0\udc80");
    expect(decodeUtf8Lossless(new Uint8Array([0x61, 0xed, 0xbf, 0xbf, 0x62]))).toBe("a\udced\udcbf\udcbfb");
    // The largest well-formed three-byte form before them is still text.
    expect(decodeUtf8Lossless(new Uint8Array([0xed, 0x9f, 0xbf]))).toBe("\ud7ff");
  });
});

describe("quoted-printable, as Python's quopri writes and reads it", () => {
  it("lowercase hex is decoded", () => {
    expect(Array.from(decodeQuopri("=e9=E9a"))).toEqual([0xe9, 0xe9, 0x61]);
  });

  it("soft line breaks come after 75 characters (quopri.encodestring of 200 'a')", () => {
    // python3 -c "import quopri; print(quopri.encodestring(b'a'*200))"
    const want = `${"a".repeat(75)}=\n${"a".repeat(75)}=\n${"a".repeat(50)}`;
    expect(encodeQuopri(new Uint8Array(200).fill(0x61))).toBe(want);
    expect(Array.from(decodeQuopri(want))).toEqual(Array.from(new Uint8Array(200).fill(0x61)));
  });
});

describe("v4-mapped addresses", () => {
  it("an IPv6 address that only ends like a v4-mapped one is refused for an AF_INET socket", () => {
    const cp = corpusCheckpoint("tcp4");
    // ffff:a00:1 in the last words, but 2001:db8 in front: not ::ffff:10.0.0.1.
    expect(() => rewriteConnections(cp, [{ kind: "address", from: "127.0.0.2", to: "2001:db8::ffff:a00:1" }])).toThrow(
      TcpRewriteError,
    );
    expect(() => rewriteConnections(cp, [{ kind: "address", from: "127.0.0.2", to: "::1:ffff:a00:1" }])).toThrow(
      TcpRewriteError,
    );
    const ok = rewriteConnections(cp, [{ kind: "address", from: "127.0.0.2", to: "::ffff:10.0.0.1" }]);
    expect(ok.report.changes.map((c) => c.to.address)).toEqual(["10.0.0.1", "10.0.0.1"]);
  });
});

describe("verify", () => {
  it("a tcp-stream image with two entries is reported", () => {
    const cp = corpusCheckpoint("tcp4");
    const name = "tcp-stream-50cf3.img";
    const f = readFramed(cp.get(name) as Uint8Array, { name });
    cp.set(name, writeFramed({ ...f, entries: [...f.entries, ...f.entries] }));
    const problems = verifyCheckpoint(memorySource(cp)).problems.filter((p) => p.check === "tcp-stream");
    expect(problems.map((p) => p.message)).toContain("2 entries, expected 1");
  });

  it("in_parent pages are in the parent, not in this dump's pages file", () => {
    const old = create(pagemap_entrySchema, { vaddr: 0x10000n, compatNrPages: 3 });
    (old as { inParent?: boolean }).inParent = true;
    expect(pagemapFlags(old)).toBe(PE_PARENT);
    const cur = create(pagemap_entrySchema, { vaddr: 0x20000n, compatNrPages: 2 });
    expect(pagemapFlags(cur)).toBe(PE_PRESENT);
    const entry = (m: Uint8Array) => cat(u32(m.length), m);
    const b = cat(
      u32(IMG_COMMON_MAGIC, kindByName("PAGEMAP")!.magic),
      entry(toBinary(pagemap_headSchema, create(pagemap_headSchema, { pagesId: 1 }))),
      entry(toBinary(pagemap_entrySchema, old)),
      entry(toBinary(pagemap_entrySchema, cur)),
    );
    expect(readImage(b, { name: "pagemap-1.img" }).kind).toBe("PAGEMAP");
    // Only the 2 present pages are in pages-1.img: 3 more would be a size mismatch.
    const sized = (pages: number) =>
      verifyCheckpoint(
        memorySource(new Map([["pagemap-1.img", b]]), { sizes: new Map([["pages-1.img", pages * 4096]]) }),
      ).problems.filter((p) => p.check === "pages");
    expect(sized(2)).toEqual([]);
    expect(sized(5)).toHaveLength(1);
  });
});
