/**
 * The framing's smaller contracts, each checked against values worked out by
 * hand: the header objects the readers return, entry offsets on every
 * reader, the streaming writer's checks and offsets, the wire scanner on
 * varints of every length, and every source shape a stream accepts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { scanUint32Field, scanVarintField, WireError } from "../../src/framing/wire.js";
import {
  type FramedEntry,
  headerBytes,
  IMG_COMMON_MAGIC,
  IMG_SERVICE_MAGIC,
  type ImageHeader,
  kindByName,
  readFramed,
  readFramedStream,
  writeFramed,
  writeFramedStream,
} from "../../src/index.js";
import { bytes, cat, chunked, entry, msg, u32, varint } from "../helpers/bytes.js";
import { caught, caughtAsync } from "../helpers/errors.js";

const magic = (kind: string) => (kindByName(kind) as { magic: number }).magic;
const zeros = (n: number) => new Uint8Array(n);

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return cat(...parts);
}

describe("headers, exactly", () => {
  const files = magic("FILES");
  it("v1.1 with a name; v1 without one: no name, no lead magic", () => {
    const { entries: _a, ...v11 } = readFramed(u32(IMG_COMMON_MAGIC, files), { name: "files.img" });
    expect(v11).toStrictEqual({
      name: "files.img",
      kind: "FILES",
      format: "v1.1",
      magic: files,
      leadMagic: IMG_COMMON_MAGIC,
    });
    const { entries: _b, ...v1 } = readFramed(u32(files));
    expect(v1).toStrictEqual({ kind: "FILES", format: "v1", magic: files });
  });

  it("raw images by name: no magic read", () => {
    const junk = bytes(1, 2, 3);
    expect(readFramed(junk, { name: "pages-1.img" })).toStrictEqual({
      name: "pages-1.img",
      kind: "PAGES",
      format: "raw",
      magic: 0,
      entries: [],
      raw: junk,
    });
  });

  it("headerBytes: the lead magic the header names, else IMG_SERVICE for service kinds and IMG_COMMON for the rest", () => {
    const stats = magic("STATS");
    expect([...headerBytes({ kind: "STATS", format: "v1.1", magic: stats })]).toEqual([
      ...u32(IMG_SERVICE_MAGIC, stats),
    ]);
    expect([...headerBytes({ kind: "FILES", format: "v1.1", magic: files })]).toEqual([
      ...u32(IMG_COMMON_MAGIC, files),
    ]);
    expect([...headerBytes({ kind: "FILES", format: "v1.1", magic: files, leadMagic: 7 })]).toEqual([...u32(7, files)]);
    expect([...headerBytes({ kind: "FILES", format: "v1", magic: files })]).toEqual([...u32(files)]);
    expect(headerBytes({ kind: "PAGES", format: "raw", magic: 0 }).length).toBe(0);
  });

  it("an error without an image name says <image>", () => {
    expect(caught(() => readFramed(zeros(2))).message).toBe("<image>: at byte 0: expected a 4-byte image magic");
  });
});

describe("entry offsets and extras on every reader", () => {
  // sk-queues: (u32 size, sk_packet_entry, length bytes) per entry.
  const a = msg([1, 1], [2, 3]);
  const b = msg([1, 2], [2, 0]);
  const c = msg([1, 3], [2, 5]);
  const sk = cat(u32(IMG_COMMON_MAGIC, magic("SK_QUEUES")), entry(a), zeros(3), entry(b), entry(c), zeros(5));
  const offsets = [8, 8 + 4 + a.length + 3, 8 + 4 + a.length + 3 + 4 + b.length];

  it("sk-queues entries start where CRIU put them, on the sync and the streaming reader", async () => {
    const sync = readFramed(sk, { name: "sk-queues.img" });
    expect(sync.entries.map((e) => e.offset)).toEqual(offsets);
    expect(sync.entries.map((e) => e.extra?.length)).toEqual([3, 0, 5]);
    for (const n of [1, 2, 5, 64]) {
      const s = await readFramedStream(chunked(sk, n), { name: "sk-queues.img" });
      expect(s.entries.map((e) => e.offset)).toEqual(offsets);
      expect(s.entries.map((e) => e.extra?.length)).toEqual([3, 0, 5]);
      expect("raw" in s).toBe(false);
    }
  });

  it("entries of kinds without extras carry no extra at all", async () => {
    const img = cat(u32(IMG_COMMON_MAGIC, magic("FILES")), entry(msg([1, 1])), entry(msg([1, 2])));
    for (const e of readFramed(img, { name: "files.img" }).entries) expect("extra" in e).toBe(false);
    for (const e of (await readFramedStream([img], { name: "files.img" })).entries) expect("extra" in e).toBe(false);
    const pm = cat(u32(IMG_COMMON_MAGIC, magic("PAGEMAP")), entry(msg([1, 1])), entry(msg([1, 4096], [2, 1])));
    const got = readFramed(pm, { name: "pagemap-1.img" });
    expect(got.entries.map((e) => [e.schema, "extra" in e])).toEqual([
      ["pagemap_head", false],
      ["pagemap_entry", false],
    ]);
  });

  it("the second IPC message's missing msize is reported where that ipc_msg starts, on both readers", async () => {
    const first = msg([1, 1], [2, 3]);
    const img = cat(
      u32(IMG_COMMON_MAGIC, magic("IPCNS_MSG")),
      entry(msg([3, 2])),
      entry(first),
      zeros(8),
      entry(msg([1, 1])),
      zeros(8),
    );
    const at = 8 + 4 + 2 + 4 + first.length + 8 + 4;
    const want = { code: "BAD_ENTRY", offset: at, expected: "an ipc_msg entry with msize" };
    expect(caught(() => readFramed(img, { name: "ipcns-msg-1.img" }))).toMatchObject(want);
    expect(await caughtAsync(() => readFramedStream([img], { name: "ipcns-msg-1.img" }))).toMatchObject(want);
  });

  it("a raw image from a stream is the bytes, whatever the chunks", async () => {
    const raw = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const got = await readFramedStream([raw.subarray(0, 7), raw.subarray(7, 8), raw.subarray(8)], {
      name: "pages-3.img",
    });
    expect(got.kind).toBe("PAGES");
    expect([...(got.raw as Uint8Array)]).toEqual([...raw]);
    expect(got.entries).toEqual([]);
  });
});

describe("stream sources", () => {
  const img = cat(u32(IMG_COMMON_MAGIC, magic("FILES")), entry(msg([1, 1])), entry(msg([1, 2])));
  const sources: [string, () => Parameters<typeof readFramedStream>[0]][] = [
    ["an array", () => [img.subarray(0, 5), img.subarray(5)]],
    [
      "a sync generator",
      () =>
        (function* () {
          yield img.subarray(0, 9);
          yield img.subarray(9);
        })(),
    ],
    [
      "an async generator",
      () =>
        (async function* () {
          yield img.subarray(0, 3);
          yield img.subarray(3);
        })(),
    ],
    [
      "a ReadableStream",
      () =>
        new ReadableStream<Uint8Array>({
          start(ctl) {
            ctl.enqueue(img.subarray(0, 10));
            ctl.enqueue(img.subarray(10));
            ctl.close();
          },
        }),
    ],
  ];
  it("a ReadableStream is released once read", async () => {
    const rs = new ReadableStream<Uint8Array>({
      start(ctl) {
        ctl.enqueue(img);
        ctl.close();
      },
    });
    await readFramedStream(rs, { name: "files.img" });
    expect(rs.locked).toBe(false);
  });

  it.each(sources)("%s", async (_, make) => {
    const got = await readFramedStream(make(), { name: "files.img" });
    expect(got.entries.map((e) => [...e.payload])).toEqual([
      [8, 1],
      [8, 2],
    ]);
  });
});

describe("the streaming writer", () => {
  const tcp = msg([1, 3], [3, 2]);
  const head = (kind: string, format: "v1" | "v1.1" = "v1.1"): ImageHeader => ({
    name: "x.img",
    kind,
    format,
    magic: magic(kind),
  });
  const e = (payload: Uint8Array, extra?: Uint8Array): FramedEntry =>
    extra ? { schema: "", offset: 0, payload, extra } : { schema: "", offset: 0, payload };

  it("writes what writeFramed writes", async () => {
    const entries = [e(msg([2, 3]), zeros(3)), e(msg([2, 0]), zeros(0))];
    const want = writeFramed({ ...head("SK_QUEUES"), entries });
    const got = await collect(writeFramedStream(head("SK_QUEUES"), entries));
    expect(Buffer.compare(got, want)).toBe(0);
    expect(got.length).toBe(8 + 4 + 2 + 3 + 4 + 2);
  });

  it("reports a bad entry at its offset, v1 and v1.1", async () => {
    for (const [format, start] of [
      ["v1.1", 8],
      ["v1", 4],
    ] as const) {
      const err = await caughtAsync(() =>
        collect(writeFramedStream(head("TCP_STREAM", format), [e(tcp, zeros(5)), e(tcp, zeros(4))])),
      );
      expect(err).toMatchObject({
        code: "BAD_EXTRA",
        offset: start + 4 + tcp.length + 5,
        expected: "5 bytes of tcp queue data",
      });
      expect(err.message).toContain("(entry 1 has 4 extra bytes)");
    }
  });

  it("names the second entry's message in pagemaps and ghost files", async () => {
    const pm = await caughtAsync(() =>
      collect(writeFramedStream(head("PAGEMAP"), [e(msg([1, 1])), e(msg([1, 4096]), zeros(1))])),
    );
    expect(pm.expected).toBe("no extra payload after a pagemap_entry entry");
    const sync = caught(() =>
      writeFramed({ ...head("PAGEMAP"), entries: [e(msg([1, 1])), e(msg([1, 4096]), zeros(1))] }),
    );
    expect(sync.expected).toBe("no extra payload after a pagemap_entry entry");
  });

  it("a ghost file's contents must come last; as the last entry they are fine", async () => {
    const blob = e(msg([1, 0]), zeros(6));
    const ok = await collect(writeFramedStream(head("GHOST_FILE"), [blob]));
    expect(ok.length).toBe(8 + 4 + 2 + 6);
    const bad = await caughtAsync(() => collect(writeFramedStream(head("GHOST_FILE"), [blob, e(msg([1, 1]))])));
    expect(bad).toMatchObject({ code: "BAD_EXTRA", offset: 8, expected: "no entry after the ghost file contents" });
  });

  it("raw images pass through; a raw image written whole is its bytes", async () => {
    const raw = bytes(9, 8, 7);
    const h: ImageHeader = { name: "pages-1.img", kind: "PAGES", format: "raw", magic: 0 };
    expect([...(await collect(writeFramedStream(h, [], [raw.subarray(0, 1), raw.subarray(1)])))]).toEqual([9, 8, 7]);
    expect((await collect(writeFramedStream(h, []))).length).toBe(0);
    expect([...writeFramed({ ...h, entries: [], raw })]).toEqual([9, 8, 7]);
    expect(writeFramed({ ...h, entries: [] }).length).toBe(0);
  });

  it("refuses an entry of 4 GiB or more before copying anything", () => {
    const huge = { length: 2 ** 32 } as Uint8Array;
    const err = caught(() => writeFramed({ ...head("FILES"), entries: [e(msg([1, 1])), e(huge)] }));
    expect(err).toMatchObject({ code: "TOO_LARGE", offset: 8 + 4 + 2, expected: "an entry under 4 GiB" });
  });
});

describe("the wire scanner", () => {
  // Why sizes: varints of 1 to 10 bytes need values up to 2^64, which fast-check's bigInt gives uniformly.
  it("reads every varint of up to 10 bytes: the value below 2^53 (Infinity from there), the low 32 bits", () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }), fc.integer({ min: 1, max: 30 }), (v, no) => {
        const buf = bytes(...varint(no * 8), ...varint(v));
        expect(scanVarintField(buf, no)).toBe(v < 1n << 53n ? Number(v) : Number.POSITIVE_INFINITY);
        expect(scanUint32Field(buf, no)).toBe(Number(v & 0xffffffffn));
        expect(scanVarintField(buf, no + 1)).toBeUndefined();
      }),
      { numRuns: 2000 },
    );
  });

  it("edges: 2^53 - 1, 2^53, 2^32 + 1, 2^28, 2^35 + 7, 2^63", () => {
    const v = (x: bigint) => bytes(0x08, ...varint(x));
    expect(scanVarintField(v((1n << 53n) - 1n), 1)).toBe(2 ** 53 - 1);
    expect(scanVarintField(v(1n << 53n), 1)).toBe(Number.POSITIVE_INFINITY);
    expect(scanUint32Field(v((1n << 32n) + 1n), 1)).toBe(1);
    expect(scanVarintField(v(1n << 28n), 1)).toBe(2 ** 28);
    expect(scanVarintField(v((1n << 35n) + 7n), 1)).toBe(2 ** 35 + 7);
    expect(scanUint32Field(v(1n << 63n), 1)).toBe(0);
  });

  it("skips fields of every wire type to find the one asked for; the last one wins", () => {
    const buf = bytes(
      0x09,
      ...zeros(8), // 1: fixed64
      0x15,
      ...zeros(4), // 2: fixed32
      0x1a,
      3,
      7,
      7,
      7, // 3: 3 bytes
      0x20,
      5, // 4: 5
      0x20,
      6, // 4: 6
    );
    expect(scanVarintField(buf, 4)).toBe(6);
    expect(scanVarintField(buf.subarray(0, buf.length - 2), 4)).toBe(5);
  });

  it("refuses what no protobuf encoder writes", () => {
    const reason = (buf: Uint8Array) => {
      try {
        scanVarintField(buf, 1);
      } catch (e) {
        if (e instanceof WireError) return e.message;
        throw e;
      }
      return "accepted";
    };
    expect(reason(bytes(0x80, 0x80, 0x80, 0x80, 0x80, 0x01))).toBe("tag too long");
    expect(reason(bytes(0x0c))).toBe("wire type 4");
    expect(reason(bytes(0x0e))).toBe("wire type 6");
    expect(reason(bytes(0x0f))).toBe("wire type 7");
    expect(reason(bytes(0x07))).toBe("field number 0");
    expect(reason(bytes(0x0a))).toBe("truncated or overlong length");
    expect(reason(bytes(0x0a, 0x80, 0x80, 0x80, 0x80, 0x10))).toBe("field runs past the entry");
    expect(reason(bytes(0x0d, 1, 2, 3))).toBe("field runs past the entry");
    expect(reason(bytes(0x0d, 1, 2, 3, 4))).toBe("accepted");
  });
});
