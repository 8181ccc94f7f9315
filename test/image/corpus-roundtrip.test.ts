import { equals } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  messageSchema,
  openImageStream,
  readFramed,
  readFramedStream,
  readImage,
  writeFramed,
  writeImage,
  writeImageStream,
} from "../../src/index.js";
import { asAsync, chunkAt, corpusImages } from "../helpers/corpus.js";

const images = corpusImages();

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const c of chunks) parts.push(c);
  return Buffer.concat(parts);
}

describe("every image of the shared corpus", () => {
  it("is there at all", () => {
    expect(images.length).toBeGreaterThan(150);
  });

  it("round-trips byte for byte through readImage / writeImage", () => {
    let entries = 0;
    for (const img of images) {
      const decoded = readImage(img.bytes, { name: img.name });
      entries += decoded.entries.length;
      expect(Buffer.compare(writeImage(decoded), img.bytes), `${img.scenario}/${img.name}`).toBe(0);
    }
    console.log(`corpus round trip: ${images.length} images, ${entries} entries`);
    expect(entries).toBeGreaterThan(500);
  });

  it("round-trips byte for byte through the framing layer alone", () => {
    for (const img of images) {
      const framed = readFramed(img.bytes, { name: img.name });
      expect(Buffer.compare(writeFramed(framed), img.bytes), `${img.scenario}/${img.name}`).toBe(0);
    }
  });

  it("reads the same through the streaming reader, in one chunk and byte by byte", async () => {
    for (const img of images) {
      const sync = readFramed(img.bytes, { name: img.name });
      for (const chunks of [
        [img.bytes],
        chunkAt(
          img.bytes,
          Array.from({ length: Math.min(img.bytes.length, 4096) }, (_, i) => i),
        ),
      ]) {
        const s = await readFramedStream(asAsync(chunks), { name: img.name });
        expect(s.kind).toBe(sync.kind);
        expect(s.entries.length).toBe(sync.entries.length);
        const again = writeFramed(s);
        expect(Buffer.compare(again, img.bytes), `${img.scenario}/${img.name}`).toBe(0);
      }
    }
  });

  it("decodes typed entries from a stream and writes them back as a stream", async () => {
    for (const img of images) {
      const sync = readImage(img.bytes, { name: img.name });
      const s = await openImageStream(asAsync(chunkAt(img.bytes, [5, 9, 100, 1000])), { name: img.name });
      const got: { message: import("@bufbuild/protobuf").Message; extra?: unknown }[] = [];
      for await (const e of s.entries) got.push(e);
      expect(got.length).toBe(sync.entries.length);
      got.forEach((e, i) => {
        const m = sync.entries[i] as import("@bufbuild/protobuf").Message;
        expect(equals(messageSchema(m.$typeName), e.message as never, m as never)).toBe(true);
      });
      if (s.header.format === "raw") continue;
      const out = await collect(writeImageStream(s.header, got));
      expect(Buffer.compare(out, img.bytes), `${img.scenario}/${img.name}`).toBe(0);
    }
  });

  it("streams the same entries whatever the chunking (random cuts)", async () => {
    const big = images.filter((i) => i.bytes.length > 16).slice(0, 60);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: big.length - 1 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        async (k, rawCuts) => {
          const img = big[k]!;
          const cuts = rawCuts.map((c) => c % (img.bytes.length + 1));
          const s = await readFramedStream(asAsync(chunkAt(img.bytes, cuts)), { name: img.name });
          const again = writeFramed(s);
          expect(Buffer.compare(again, img.bytes)).toBe(0);
        },
      ),
      { numRuns: 300, seed: 42 },
    );
  });
});
