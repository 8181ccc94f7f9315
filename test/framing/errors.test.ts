import { describe, expect, it } from "vitest";
import {
  CriuImageError,
  IMG_COMMON_MAGIC,
  kindByName,
  readFramed,
  readFramedStream,
  readImage,
} from "../../src/index.js";
import { u32 } from "../helpers/bytes.js";
import { asAsync } from "../helpers/corpus.js";

const FILES = kindByName("FILES")!.magic;
const TCP = kindByName("TCP_STREAM")!.magic;

function caught(f: () => unknown): CriuImageError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CriuImageError);
    return e as CriuImageError;
  }
  throw new Error("did not throw");
}

describe("bad input gives a CriuImageError with image, offset and expectation", () => {
  it("an empty or short file", () => {
    const e = caught(() => readImage(new Uint8Array(0), { name: "files.img" }));
    expect(e.code).toBe("TRUNCATED");
    expect(e.image).toBe("files.img");
    expect(e.offset).toBe(0);
    expect(e.message).toMatch(/files\.img: at byte 0: expected a 4-byte image magic/);
    expect(caught(() => readImage(u32(IMG_COMMON_MAGIC), { name: "files.img" })).offset).toBe(4);
  });

  it("an unknown magic", () => {
    const e = caught(() => readImage(u32(IMG_COMMON_MAGIC, 0x12345678), { name: "x.img" }));
    expect(e.code).toBe("BAD_MAGIC");
    expect(e.offset).toBe(4);
    expect(e.message).toContain("0x12345678");
  });

  it("a magic that does not belong to the file name", () => {
    const e = caught(() => readImage(u32(IMG_COMMON_MAGIC, TCP), { name: "files.img" }));
    expect(e.code).toBe("BAD_MAGIC");
    expect(e.expected).toContain("FILES");
  });

  it("an entry size that runs past the end", () => {
    const e = caught(() =>
      readImage(new Uint8Array([...u32(IMG_COMMON_MAGIC, FILES, 10), 1, 2]), { name: "files.img" }),
    );
    expect(e.code).toBe("TRUNCATED");
    expect(e.offset).toBe(12);
    expect(e.expected).toBe("10 bytes of a file_entry entry");
  });

  it("a partial size word", () => {
    const e = caught(() => readImage(new Uint8Array([...u32(IMG_COMMON_MAGIC, FILES), 1, 0]), { name: "files.img" }));
    expect(e.offset).toBe(8);
    expect(e.expected).toBe("a 4-byte entry size");
  });

  it("an entry whose protobuf bytes are garbage", () => {
    const e = caught(() =>
      readImage(new Uint8Array([...u32(IMG_COMMON_MAGIC, FILES, 2), 0xff, 0xff]), { name: "files.img" }),
    );
    expect(e.code).toBe("BAD_ENTRY");
    expect(e.offset).toBe(12);
  });

  it("hostile sizes: 0xFFFFFFFF fails fast and allocates nothing near it", () => {
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 1000; i++) {
      const e = caught(() => readImage(u32(IMG_COMMON_MAGIC, FILES, 0xffffffff), { name: "files.img" }));
      expect(e.code).toBe("TRUNCATED");
    }
    // 1000 × 4 GiB would be unmissable; allow noise only.
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
  });

  it("hostile sizes on a stream fail at the end of the input, holding only the bytes that came", async () => {
    const before = process.memoryUsage().arrayBuffers;
    for (let i = 0; i < 200; i++) {
      const b = u32(IMG_COMMON_MAGIC, FILES, 0xffffffff, 1, 2, 3);
      await expect(
        readFramedStream(asAsync([b.subarray(0, 5), b.subarray(5)]), { name: "files.img" }),
      ).rejects.toMatchObject({
        code: "TRUNCATED",
        offset: 12,
      });
    }
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 << 20);
  });

  it("hostile extra lengths (tcp queues of 4 GiB) fail as truncated", () => {
    // tcp_stream_entry with inq_len = outq_len = 0x7fffffff and nothing after it.
    const payload = [
      0x08, 0xff, 0xff, 0xff, 0xff, 0x07, 0x10, 0x01, 0x18, 0xff, 0xff, 0xff, 0xff, 0x07, 0x20, 0x01, 0x28, 0x00, 0x30,
      0x00, 0x38, 0x00,
    ];
    const b = new Uint8Array([...u32(IMG_COMMON_MAGIC, TCP, payload.length), ...payload]);
    const e = caught(() => readImage(b, { name: "tcp-stream-1.img" }));
    expect(e.code).toBe("TRUNCATED");
    expect(e.expected).toMatch(/4294967294 bytes of tcp queue data/);
  });

  it("the streaming reader reports the same errors at the same offsets", async () => {
    const b = new Uint8Array([...u32(IMG_COMMON_MAGIC, FILES, 10), 1, 2]);
    const sync = caught(() => readFramed(b, { name: "files.img" }));
    await expect(
      readFramedStream(asAsync([b.subarray(0, 3), b.subarray(3)]), { name: "files.img" }),
    ).rejects.toMatchObject({
      code: sync.code,
      offset: sync.offset,
      expected: sync.expected,
    });
  });

  it("raw images by name are carried untouched, whatever they hold", () => {
    const junk = new Uint8Array([1, 2, 3]);
    const img = readImage(junk, { name: "pages-1.img" });
    expect(img.kind).toBe("PAGES");
    expect(img.format).toBe("raw");
    if (img.kind === "PAGES") expect(img.raw).toBe(junk);
  });
});

describe("scanFramed", () => {
  it("agrees with readFramed on every corpus image and every truncation of a few", async () => {
    const { corpusImages } = await import("../helpers/corpus.js");
    const { readFramed, scanFramed } = await import("../../src/index.js");
    const images = corpusImages();
    for (const img of images) {
      expect(scanFramed(img.bytes, { name: img.name }).entries).toBe(
        readFramed(img.bytes, { name: img.name }).entries.length,
      );
    }
    for (const img of images
      .filter((i) => /ipcns|ghost|tcp-stream|sk-queues|files|pagemap/.test(i.name))
      .slice(0, 12)) {
      for (let k = 0; k < Math.min(img.bytes.length, 3000); k++) {
        const cut = img.bytes.subarray(0, k);
        let a: string;
        let b: string;
        try {
          a = String(readFramed(cut, { name: img.name }).entries.length);
        } catch (e) {
          a = `${(e as CriuImageError).code}@${(e as CriuImageError).offset}`;
        }
        try {
          b = String(scanFramed(cut, { name: img.name }).entries);
        } catch (e) {
          b = `${(e as CriuImageError).code}@${(e as CriuImageError).offset}`;
        }
        expect(b, `${img.name} cut at ${k}`).toBe(a);
      }
    }
  });
});

describe("one error family", () => {
  it("refused rewrites, bad crit JSON, raw images given to crit JSON and bad patterns are CriuImageErrors with a code", async () => {
    const { TcpRewriteError, parseAddressRule } = await import("../../src/tcp/index.js");
    const { CritJsonError, fromCritJson, toCritJson } = await import("../../src/json/index.js");
    const { patternBytes } = await import("../../src/memory/index.js");
    const { readImage } = await import("../../src/index.js");
    const cases: [() => unknown, string, string][] = [
      [() => parseAddressRule("1.2.3.4=not-an-address"), "TcpRewriteError", "REFUSED"],
      [() => fromCritJson('{"magic": "INVENTORY", "entries": [{"img_version": "x"}]}'), "CritJsonError", "BAD_JSON"],
      [() => toCritJson(readImage(new Uint8Array(4096), { name: "pages-1.img" })), "CriuImageError", "UNSUPPORTED"],
      [() => patternBytes("abc", "hex"), "CriuImageError", "INVALID"],
    ];
    for (const [run, name, code] of cases) {
      let caught: unknown;
      try {
        run();
      } catch (e) {
        caught = e;
      }
      expect(caught, name).toBeInstanceOf(CriuImageError);
      expect((caught as CriuImageError).name).toBe(name);
      expect((caught as CriuImageError).code).toBe(code);
    }
    expect(new TcpRewriteError(["a", "b"]).message).toBe("a\nb");
    expect(new CritJsonError("entries[0].x", "a number").message).toBe("entries[0].x: expected a number");
  });
});
