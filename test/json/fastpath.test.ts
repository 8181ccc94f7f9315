/**
 * The decode fast path (wire bytes straight to JSON) must give exactly what
 * the general path (protobuf-es messages to JSON) gives, on real images and
 * on arbitrary messages of every kind.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type CriuImage, readImage, writeImage } from "../../src/index.js";
import { toCritJson } from "../../src/json/index.js";
import { corpusImages } from "../helpers/corpus.js";
import { viaFramed } from "../helpers/crit-json.js";
import { ENTRY_KINDS, imageArb } from "../helpers/images.js";

describe("decode fast path", () => {
  it("matches the general path on every corpus image, both forms", () => {
    for (const img of corpusImages()) {
      const decoded = readImage(img.bytes, { name: img.name });
      if (decoded.format === "raw") continue;
      for (const pretty of [false, true]) {
        expect(viaFramed(img.bytes, img.name, pretty), `${img.scenario}/${img.name}`).toBe(
          toCritJson(decoded, { pretty }),
        );
      }
    }
  });

  it("matches the general path on arbitrary images of every kind", () => {
    for (const kind of ENTRY_KINDS) {
      fc.assert(
        fc.property(imageArb(kind), fc.boolean(), (img: CriuImage, pretty) => {
          const bytes = writeImage(img);
          expect(viaFramed(bytes, undefined, pretty)).toBe(toCritJson(readImage(bytes), { pretty }));
        }),
        { numRuns: 10, seed: 21 },
      );
    }
  });
});
