/**
 * crit JSON in is taken as crit writes it: true or false only for bools, no
 * bool for an integer, each refused with the JSON path; and an entry too
 * big to be any CRIU image's is refused with a typed error, not a V8 crash.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CriuImageError, writeImage } from "../../src/index.js";
import { CritJsonError, critJsonToImage, fromCritJson, openCritJsonStream } from "../../src/json/index.js";
import { corpusRoot } from "../helpers/corpus.js";

const golden = readFileSync(join(corpusRoot, "crit", "tcp4", "inventory.img.json"), "utf8");

async function* chunks(text: string, size = 1 << 16): AsyncGenerator<Uint8Array> {
  const b = new TextEncoder().encode(text);
  for (let at = 0; at < b.length; at += size) yield b.subarray(at, at + size);
}

describe("strict crit JSON", () => {
  it("the golden itself encodes", () => {
    expect(writeImage(fromCritJson(golden)).length).toBeGreaterThan(0);
  });

  it("refuses a bool for an integer and a number for a bool, naming the field's path", () => {
    const cases: [string, string, RegExp][] = [
      ['"img_version": 2', '"img_version": true', /entries\[0\]\.img_version.*an integer for img_version/],
      ['"fdinfo_per_id": true', '"fdinfo_per_id": 1', /entries\[0\]\.fdinfo_per_id.*true or false for fdinfo_per_id/],
      ['"vm_id": 1', '"vm_id": false', /entries\[0\]\.root_ids\.vm_id/],
    ];
    for (const [from, to, message] of cases) {
      const text = golden.replace(from, to);
      expect(text).not.toBe(golden);
      let e: unknown;
      try {
        fromCritJson(text);
      } catch (x) {
        e = x;
      }
      expect(e, to).toBeInstanceOf(CritJsonError);
      expect((e as Error).message, to).toMatch(message);
    }
  });

  it("refuses the same in a stream", async () => {
    const text = golden.replace('"fdinfo_per_id": true', '"fdinfo_per_id": 0');
    await expect(
      critJsonToImage(chunks(text)).then(async (g) => {
        for await (const _ of g);
      }),
    ).rejects.toBeInstanceOf(CritJsonError);
  });

  it("an entry bigger than the bound is a typed error, read no further", async () => {
    const big = golden.replace('"dump_criu_run_id": "', `"dump_criu_run_id": "${"x".repeat(300_000)}`);
    let e: unknown;
    try {
      const doc = await openCritJsonStream(chunks(big, 4096), { maxEntryChars: 100_000 });
      for await (const _ of doc.entries);
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(CriuImageError);
    expect((e as Error).message).toMatch(/a JSON value \(an entry\) of at most 100000 characters/);
    // Within the bound, the same document encodes.
    const ok = await openCritJsonStream(chunks(big, 4096), { maxEntryChars: 400_000 });
    let n = 0;
    for await (const _ of ok.entries) n++;
    expect(n).toBe(1);
  });
});
