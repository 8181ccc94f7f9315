/**
 * crit JSON read as it streams in, against the same text read whole: any
 * cut into chunks (through multi-byte UTF-8 characters too), compact or
 * pretty, "entries" before "magic", documents large enough that the
 * reader drops what it has consumed, give the same image bytes.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { writeImage } from "../../src/index.js";
import { critJsonToImage, fromCritJson } from "../../src/json/index.js";
import { asAsync, chunkAt, critDir } from "../helpers/corpus.js";

const collect = async (chunks: AsyncIterable<Uint8Array>) => {
  const out: Uint8Array[] = [];
  for await (const c of chunks) out.push(c);
  return Buffer.concat(out);
};

const golden = (scenario: string, file: string) => readFileSync(join(critDir(scenario), file), "utf8");

/** crit's compact text with "entries" first: the order crit never writes, which the reader must hold entries for. */
const entriesFirst = (compact: string) => {
  const m = /^\{"magic": "([A-Z0-9_]+)", "entries": (.*)\}\s*$/s.exec(compact);
  if (!m) throw new Error("not crit's compact form");
  return `{"entries": ${m[2]}, "magic": "${m[1]}"}`;
};

/** A files.img document of many entries (over the 64 KiB the reader keeps before dropping), one name in UTF-8. */
const big = (() => {
  const compact = golden("many-fds", "files.img.json");
  const m = /^\{"magic": "FILES", "entries": \[(.*)\]\}\s*$/s.exec(compact);
  if (!m) throw new Error("files.img.json");
  const body = (m[1] as string).replace('"name": "/dev/null"', '"name": "/dev/nüll ✓ 𝄞"');
  return `{"magic": "FILES", "entries": [${Array.from({ length: 40 }, () => body).join(", ")}]}`;
})();

const documents: [name: string, text: string][] = [
  ["files.img", golden("many-fds", "files.img.json")],
  ["files.img", golden("many-fds", "files.img.pretty.json")],
  ["files.img", entriesFirst(golden("many-fds", "files.img.json"))],
  ["pagemap-11670.img", golden("many-fds", "pagemap-11670.img.json")],
  ["inventory.img", golden("many-fds", "inventory.img.pretty.json")],
  ["files.img", big],
];

describe("crit JSON streaming in", () => {
  it("gives the bytes of the text read whole, however it is cut (property)", async () => {
    expect(big.length).toBeGreaterThan(3 << 16);
    const wanted = documents.map(([name, text]) => writeImage(fromCritJson(text, { name })));
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: documents.length - 1 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 7 }),
        async (d, cuts, small) => {
          const [name, text] = documents[d] as [string, string];
          const bytes = new TextEncoder().encode(text);
          // Random cuts, and a run of small chunks somewhere (through multi-byte characters where there are some).
          const at = Math.floor((cuts[0] ?? 0.5) * bytes.length);
          const points = [
            ...cuts.map((c) => Math.floor(c * bytes.length)),
            ...Array.from({ length: 8 }, (_, i) => at + i * small),
          ];
          const out = await collect(await critJsonToImage(asAsync(chunkAt(bytes, points)), { name }));
          expect(out.equals(Buffer.from(wanted[d] as Uint8Array)), `${name} #${d}`).toBe(true);
        },
      ),
      { numRuns: 60, seed: 41 },
    );
  });

  it("cut one byte at a time, even where a character takes four", async () => {
    // The first entries, up to the one with the name in UTF-8.
    const text = `${big.slice(0, big.indexOf("}}, {", big.indexOf("nüll")) + 2)}]}`;
    expect(text).toContain("𝄞");
    const bytes = new TextEncoder().encode(text);
    const want = writeImage(fromCritJson(text, { name: "files.img" }));
    const ones = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    const out = await collect(await critJsonToImage(asAsync(ones), { name: "files.img" }));
    expect(out.equals(Buffer.from(want))).toBe(true);
  });
});
