import { equals, type Message } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type CriuImage,
  CriuImageError,
  messageSchema,
  openImageStream,
  readImage,
  writeImage,
} from "../../src/index.js";
import { asAsync, chunkAt } from "../helpers/corpus.js";
import { ENTRY_KINDS, imageArb } from "../helpers/images.js";

const RUNS = Number(process.env.CRIU_IMAGE_PROPERTY_RUNS ?? 25);
const counts = { roundTrip: 0, chunking: 0, truncation: 0, truncationCases: 0 };

function expectSameImage(a: CriuImage, b: CriuImage) {
  expect(a.kind).toBe(b.kind);
  expect(a.entries.length).toBe(b.entries.length);
  a.entries.forEach((m, i) => {
    const n = b.entries[i] as Message;
    expect(equals(messageSchema((m as Message).$typeName), m as never, n as never), `entry ${i}`).toBe(true);
  });
  expect(a.extras ?? []).toEqual(b.extras ?? []);
}

describe.each(ENTRY_KINDS.map((k) => [k.kind, k] as const))("%s images", (_name, kind) => {
  it("write → read gives the same image, and writes the same bytes again", () => {
    fc.assert(
      fc.property(imageArb(kind), (img) => {
        counts.roundTrip++;
        const bytes = writeImage(img);
        const back = readImage(bytes);
        expectSameImage(back, img);
        expect(Buffer.compare(writeImage(back), bytes)).toBe(0);
      }),
      { numRuns: RUNS, seed: 1 },
    );
  });

  it("reads the same over any chunking of the stream", async () => {
    await fc.assert(
      fc.asyncProperty(imageArb(kind), fc.array(fc.nat(), { maxLength: 20 }), async (img, cuts) => {
        counts.chunking++;
        const bytes = writeImage(img);
        const s = await openImageStream(
          asAsync(
            chunkAt(
              bytes,
              cuts.map((c) => c % (bytes.length + 1)),
            ),
          ),
        );
        const messages: Message[] = [];
        const extras: unknown[] = [];
        for await (const e of s.entries) {
          messages.push(e.message);
          extras.push(e.extra);
        }
        const back = { ...s.header, entries: messages, ...(img.extras ? { extras } : {}) } as unknown as CriuImage;
        expectSameImage(back, img);
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: 2 },
    );
  });

  it("fails every truncation with CriuImageError, unless the cut leaves a valid shorter image", () => {
    fc.assert(
      fc.property(imageArb(kind), (img) => {
        counts.truncation++;
        const bytes = writeImage(img);
        // Entry boundaries, computed by writing each prefix of the entry list.
        const boundaries = new Set<number>();
        for (let j = 0; j <= img.entries.length; j++) {
          const prefix = {
            ...img,
            entries: img.entries.slice(0, j),
            ...(img.extras ? { extras: img.extras.slice(0, j) } : {}),
          };
          boundaries.add(writeImage(prefix as CriuImage).length);
        }
        for (let k = 0; k < bytes.length; k++) {
          counts.truncationCases++;
          const cut = bytes.subarray(0, k);
          let result: CriuImage | undefined;
          try {
            result = readImage(cut);
          } catch (e) {
            if (!(e instanceof CriuImageError)) throw e;
            expect(e.offset).toBeLessThanOrEqual(k);
            continue;
          }
          // A ghost file's unchunked contents run to EOF, so any cut in them is valid.
          if (kind.extra !== "ghost-file") expect(boundaries.has(k), `cut at ${k} parsed`).toBe(true);
          expect(Buffer.compare(writeImage(result), cut)).toBe(0);
        }
      }),
      { numRuns: Math.ceil(RUNS / 2), seed: 3 },
    );
  });
});

describe("property run counts", () => {
  it("ran every property for every kind", () => {
    console.log(`property runs: ${JSON.stringify(counts)} over ${ENTRY_KINDS.length} kinds`);
    expect(counts.roundTrip).toBe(RUNS * ENTRY_KINDS.length);
  });
});
