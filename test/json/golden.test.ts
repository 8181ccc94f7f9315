import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readImage, writeImage } from "../../src/index.js";
import { critInfo, fromCritJson, toCritJson } from "../../src/json/index.js";
import { corpusImages, critDir, goldenFiles } from "../helpers/corpus.js";

const images = corpusImages().filter((i) => readImage(i.bytes, { name: i.name }).format !== "raw");
const golden = (scenario: string, file: string) => {
  const p = join(critDir(scenario), file);
  return existsSync(p) ? readFileSync(p, "utf8") : undefined;
};

describe("crit 4.2 golden files", () => {
  it("toCritJson / critInfo give every .json, .pretty.json and .info.json byte for byte", () => {
    let compared = 0;
    for (const img of images) {
      const decoded = readImage(img.bytes, { name: img.name });
      const cases: [string, () => string][] = [
        [".json", () => toCritJson(decoded)],
        [".pretty.json", () => toCritJson(decoded, { pretty: true })],
        [".info.json", () => critInfo(decoded)],
      ];
      for (const [suffix, render] of cases) {
        const want = golden(img.scenario, img.name + suffix);
        if (want === undefined) continue;
        expect(render(), `${img.scenario}/${img.name}${suffix}`).toBe(want);
        compared++;
      }
    }
    // Every golden file on disk was compared: none was passed over unseen.
    expect(compared).toBe(goldenFiles([".json"]).length);
    // The corpus only grows: 514 goldens when this test was written.
    expect(compared).toBeGreaterThanOrEqual(514);
  });

  it("fromCritJson of every golden .json and .pretty.json writes the original image", () => {
    let encoded = 0;
    for (const img of images) {
      for (const suffix of [".json", ".pretty.json"]) {
        const text = golden(img.scenario, img.name + suffix);
        if (text === undefined) continue;
        const bytes = writeImage(fromCritJson(text, { name: img.name }));
        expect(Buffer.compare(bytes, img.bytes), `${img.scenario}/${img.name}${suffix}`).toBe(0);
        encoded++;
      }
    }
    expect(encoded).toBe(goldenFiles([".json"]).filter(([, f]) => !f.endsWith(".info.json")).length);
    expect(encoded).toBeGreaterThanOrEqual(354);
  });

  it("our own JSON of every entry image (ipcns-shm included) encodes back to it, both forms", () => {
    for (const img of images) {
      const decoded = readImage(img.bytes, { name: img.name });
      for (const pretty of [false, true]) {
        const bytes = writeImage(fromCritJson(toCritJson(decoded, { pretty })));
        expect(Buffer.compare(bytes, img.bytes), `${img.scenario}/${img.name} pretty=${pretty}`).toBe(0);
      }
    }
  });
});
