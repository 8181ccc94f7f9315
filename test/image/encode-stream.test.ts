/**
 * crit JSON in, streaming and strict: the same image as the whole-text
 * parser for any chunking, and nothing changed silently (invalid UTF-8,
 * lone surrogates, "__proto__").
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readImage } from "../../src/image/read.js";
import { writeImage } from "../../src/index.js";
import { openCritJsonStream } from "../../src/json/from-crit-stream.js";
import { CritJsonError, fromCritJson } from "../../src/json/index.js";
import { runCli } from "../helpers/cli.js";
import { asAsync, chunkAt, corpusRoot, critDir, goldenFiles } from "../helpers/corpus.js";

const enc = new TextEncoder();
const filesJson = readFileSync(join(corpusRoot, "crit", "tcp4", "files.img.json"), "utf8");

async function encodeStreaming(chunks: Uint8Array[]): Promise<Uint8Array> {
  const doc = await openCritJsonStream(asAsync(chunks));
  const entries = [];
  const extras = [];
  for await (const e of doc.entries) {
    entries.push(e.message);
    extras.push(e.extra);
  }
  return writeImage({ ...doc.header, entries, extras } as never);
}

describe("streaming crit JSON in", () => {
  const goldens = goldenFiles([".json"]).filter(([, f]) => !f.endsWith(".info.json"));
  it("gives the bytes fromCritJson gives, for every golden, in random chunks", async () => {
    // Chunks as small as one byte: every boundary falls inside a token somewhere.
    expect(goldens.length).toBeGreaterThanOrEqual(354);
    let n = 0;
    for (const [scenario, f] of goldens) {
      const text = readFileSync(join(critDir(scenario), f), "utf8");
      const bytes = enc.encode(text);
      const want = writeImage(fromCritJson(text));
      const cuts = Array.from({ length: 8 }, (_, i) => Math.floor(((i + 1) * bytes.length) / 9) + (i % 3));
      expect(Buffer.compare(await encodeStreaming(chunkAt(bytes, cuts)), want), `${scenario}/${f}`).toBe(0);
      n++;
    }
    expect(n).toBe(goldens.length);
  });

  it("any chunking of a document with multi-byte UTF-8 and escapes (property, up to 400 cuts)", async () => {
    const text = filesJson.replace('"name": "', '"name": "d\\u00e9j\\u00e0 \u00e9t\u00e9 \\"q\\" ');
    const bytes = enc.encode(text);
    const want = writeImage(fromCritJson(text));
    // maxLength 400: enough cuts to split most multi-byte characters and escapes.
    await fc.assert(
      fc.asyncProperty(fc.array(fc.nat(bytes.length), { maxLength: 400 }), async (cuts) => {
        expect(Buffer.compare(await encodeStreaming(chunkAt(bytes, cuts)), want)).toBe(0);
      }),
      { numRuns: 40, seed: 7 },
    );
  });

  it("accepts entries before magic", async () => {
    const doc = JSON.parse(filesJson);
    const text = JSON.stringify({ entries: doc.entries, magic: doc.magic });
    const out = await encodeStreaming([enc.encode(text)]);
    expect(Buffer.compare(out, readFileSync(join(corpusRoot, "images", "tcp4", "files.img")))).toBe(0);
  });
});

describe("nothing is changed silently", () => {
  it("invalid UTF-8 in the JSON is refused", async () => {
    const bytes = enc.encode(filesJson);
    const bad = new Uint8Array([...bytes.subarray(0, 40), 0xff, ...bytes.subarray(40)]);
    const r = await runCli(["encode"], bad);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^criu-image: JSON: expected UTF-8 text \(invalid UTF-8 within bytes/);
    expect(r.stdout.length).toBe(0);
  });

  it("a lone surrogate is refused; U+DC80..U+DCFF (a non-UTF-8 byte of a path) is kept as that byte", async () => {
    const i = filesJson.indexOf('"name": "') + 9;
    const lone = `${filesJson.slice(0, i)}\\ud800${filesJson.slice(i)}`;
    expect(() => fromCritJson(lone)).toThrow(/no lone surrogate in a string \(U\+D800 would be lost/);
    const r = await runCli(["encode"], enc.encode(lone));
    expect(r.code).toBe(1);
    const escaped = `${filesJson.slice(0, i)}\\udcff${filesJson.slice(i)}`;
    const img = readImage(writeImage(fromCritJson(escaped)), { name: "files.img" });
    if (img.kind !== "FILES") throw new Error("kind");
    const name = img.entries.find((f) => f.reg)?.reg?.name as string;
    expect(name.charCodeAt(0)).toBe(0xdcff);
  });

  it('"__proto__" is an unknown key like any other, in entries and at the top', () => {
    const inEntry = filesJson.replace('{"id": ', '{"__proto__": {"id": 5}, "id": ');
    expect(inEntry).not.toBe(filesJson);
    expect(() => fromCritJson(inEntry)).toThrow(CritJsonError);
    expect(() => fromCritJson(inEntry)).toThrow(/no field "__proto__"/);
    const top = filesJson.replace('{"magic"', '{"__proto__": {}, "magic"');
    expect(() => fromCritJson(top)).toThrow(/no key "__proto__" in crit JSON/);
  });

  it("a repeated key is refused rather than one of the values dropped", () => {
    const dup = filesJson.replace('{"id": ', '{"id": 1, "id": ');
    expect(() => fromCritJson(dup)).toThrow(/no repeated key \("id" is given twice\)/);
  });

  it("deep nesting is an error, not a stack overflow", () => {
    const deep = `{"magic": "FILES", "entries": [${"[".repeat(100000)}${"]".repeat(100000)}]}`;
    expect(() => fromCritJson(deep)).toThrow(/nested at most 200 deep/);
  });
});

describe("readImageEntries", () => {
  it("yields, chunk by chunk, the entries readImage decodes, for every image of a dump", async () => {
    const { readImageEntries, readImage, messageSchema, kindByName } = await import("../../src/index.js");
    const { toBinary } = await import("@bufbuild/protobuf");
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { corpusRoot } = await import("../helpers/corpus.js");
    const dir = join(corpusRoot, "images", "tcp4");
    let checked = 0;
    for (const name of readdirSync(dir)) {
      const bytes = new Uint8Array(readFileSync(join(dir, name)));
      const img = readImage(bytes, { name });
      if (img.format === "raw") continue;
      async function* chunks() {
        for (let i = 0; i < bytes.length; i += 7) yield bytes.subarray(i, i + 7);
      }
      const streamed = [];
      for await (const e of readImageEntries(chunks(), { name })) streamed.push(e);
      expect(streamed.length, name).toBe(img.entries.length);
      const info = kindByName(img.kind);
      streamed.forEach((e, i) => {
        const schema = messageSchema(i > 0 && info?.schemaRest ? info.schemaRest : (info?.schema as string));
        expect(toBinary(schema, e.message as never)).toEqual(toBinary(schema, img.entries[i] as never));
      });
      checked++;
    }
    expect(checked).toBeGreaterThan(10);
  });
});
