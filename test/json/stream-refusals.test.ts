/**
 * openCritJsonStream on documents broken one way at a time: each refusal is
 * a CritJsonError saying where and what was expected, the whole document
 * read in one chunk or one byte at a time alike; and JSON's four whitespace
 * characters end a bare value wherever they stand.
 */
import { describe, expect, it } from "vitest";
import { CritJsonError, fromCritJson, openCritJsonStream } from "../../src/json/index.js";
import { asAsync } from "../helpers/corpus.js";

async function read(bytes: Uint8Array, oneByOne = false): Promise<string> {
  const chunks = oneByOne ? Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)) : [bytes];
  try {
    const doc = await openCritJsonStream(asAsync(chunks), { maxEntryChars: 64 });
    let n = 0;
    for await (const _ of doc.entries) n++;
    return `(no error: ${doc.header.kind}, ${n} entries)`;
  } catch (e) {
    expect(e).toBeInstanceOf(CritJsonError);
    return (e as Error).message;
  }
}

/** The refusal of a document, the same whether it arrives whole or a byte at a time. */
async function refusal(text: string | Uint8Array): Promise<string> {
  const bytes = typeof text === "string" ? new TextEncoder().encode(text) : text;
  const whole = await read(bytes);
  expect(await read(bytes, true)).toBe(whole);
  return whole;
}

describe("openCritJsonStream refusals", () => {
  it("of the document's shape", async () => {
    expect(await refusal("[]")).toMatchInlineSnapshot(`"JSON: expected "{" (at character 0)"`);
    expect(await refusal("{}")).toMatchInlineSnapshot(`"JSON: expected "magic" and "entries" (at character 1)"`);
    expect(await refusal('{"magic": "FILES" "entries": []}')).toMatchInlineSnapshot(
      `"JSON: expected "," or "}" (at character 18)"`,
    );
    expect(await refusal('{"magic": "FILES", "entries": [{}, {}}')).toMatchInlineSnapshot(
      `"JSON: expected "," or "]" in the entries (at character 37)"`,
    );
    expect(await refusal('{"magic": "FILES", "entries": []} []')).toMatchInlineSnapshot(
      `"JSON: expected the end of the JSON text (at character 34)"`,
    );
    expect(await refusal('{"magic": "FILES", "entries": [{"id": 1')).toMatchInlineSnapshot(
      `"JSON: expected the rest of a JSON value (at character 31)"`,
    );
  });

  it("of its keys", async () => {
    expect(await refusal('{"magic": "FILES", "entries": [], "extra": 1}')).toMatchInlineSnapshot(
      `"extra: expected "magic" or "entries" (no key "extra" in crit JSON, or given twice)"`,
    );
    expect(await refusal('{"magic": "FILES", "magic": "FILES", "entries": []}')).toMatchInlineSnapshot(
      `"magic: expected "magic" or "entries" (no key "magic" in crit JSON, or given twice)"`,
    );
    expect(await refusal('{"entries": [], "entries": []}')).toMatchInlineSnapshot(
      `"entries: expected "magic" or "entries" (no key "entries" in crit JSON, or given twice)"`,
    );
    expect(await refusal('{"entries": []}')).toMatchInlineSnapshot(
      `"magic: expected an image kind name such as "FILES" (no magic)"`,
    );
    expect(await refusal('{"magic": "FILES"}')).toMatchInlineSnapshot(`"entries: expected a list of entries"`);
    expect(await refusal('{"magic": "FI\\"LES", "entries": []}')).toMatchInlineSnapshot(
      `"magic: expected a CRIU image kind (got "FI"LES")"`,
    );
  });

  it("of bytes that are not UTF-8, an entry longer than allowed, entries that are not objects", async () => {
    const bad = new TextEncoder().encode('{"magic": "FILES", "entries": []}');
    bad[12] = 0xff;
    expect(await read(bad)).toMatchInlineSnapshot(`"JSON: expected UTF-8 text (invalid UTF-8 within bytes 0..33)"`);
    // The chunk it is in, so a byte at a time names the byte.
    expect(await read(bad, true)).toBe("JSON: expected UTF-8 text (invalid UTF-8 within bytes 12..13)");
    expect(await refusal(`{"magic": "FILES", "entries": [{"x": "${"a".repeat(80)}"}]}`)).toMatchInlineSnapshot(
      `"JSON: expected a JSON value (an entry) of at most 64 characters (at character 31)"`,
    );
    expect(await refusal('{"magic": "FILES", "entries": [7]}')).toMatchInlineSnapshot(
      `"entries[0]: expected an object for file_entry"`,
    );
    expect(await refusal('{"magic": "FILES", "entries": [{}, 7]}')).toMatchInlineSnapshot(
      `"entries[1]: expected an object for file_entry"`,
    );
  });
});

describe("openCritJsonStream: more refusals and what it accepts", () => {
  it("an empty key, a magic or entry that is not JSON, each named by its path", async () => {
    expect(await refusal('{"magic": "FILES", "": 1}')).toBe(
      'JSON: expected "magic" or "entries" (no key "" in crit JSON, or given twice)',
    );
    expect(await refusal('{"magic": tru, "entries": []}')).toBe(
      'magic: expected a JSON value (at character 0, near "tru")',
    );
    expect(await refusal('{"magic": "FILES", "entries": [{"id": tru}]}')).toBe(
      'entries[0]: expected a JSON value (at character 7, near "tru}")',
    );
  });

  it("a document cut inside a character or a bare value; an entry of exactly the limit is taken", async () => {
    const cut = new TextEncoder().encode('{"magic": "FILES", "entries": []} \u20ac').subarray(0, -1);
    expect(await read(cut)).toBe(`JSON: expected UTF-8 text (invalid UTF-8 within bytes ${cut.length}..${cut.length})`);
    expect(await refusal('{"magic": "FILES", 1')).toBe('JSON: expected ":" (at character 20)');
    const exact = `{"id": 1, "type": "REG", "x": "${"a".repeat(64 - 33)}"}`;
    expect(exact.length).toBe(64);
    expect(await refusal(`{"magic": "FILES", "entries": [${exact}]}`)).toBe(
      'entries[0].x: expected a field of file_entry (no field "x")',
    );
  });

  it("takes a UTF-8 byte order mark before the document, as a decoder of UTF-8 text does", async () => {
    const doc = new TextEncoder().encode('{"magic": "FILES", "entries": []}');
    expect(await refusal(new Uint8Array([0xef, 0xbb, 0xbf, ...doc]))).toBe("(no error: FILES, 0 entries)");
  });

  it("names positions in the whole document after it has dropped what it read", async () => {
    const head = `{"magic": "FILES", "entries": [${Array.from({ length: 50000 }, () => "{}").join(", ")}]}`;
    expect(head.length).toBeGreaterThan(1 << 17);
    const bytes = new TextEncoder().encode(`${head} x`);
    const chunks = Array.from({ length: Math.ceil(bytes.length / 1000) }, (_, i) =>
      bytes.subarray(i * 1000, i * 1000 + 1000),
    );
    let err: unknown;
    try {
      const doc = await openCritJsonStream(asAsync(chunks));
      for await (const _ of doc.entries);
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toBe(`JSON: expected the end of the JSON text (at character ${head.length + 1})`);
  });

  it("streams: the first entry comes before the last chunk is read", async () => {
    const text = `{"magic": "FILES", "entries": [${Array.from({ length: 50 }, () => "{}").join(", ")}]}`;
    const bytes = new TextEncoder().encode(text);
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < bytes.length; i += 16) {
        pulled++;
        yield bytes.subarray(i, i + 16);
      }
    }
    const doc = await openCritJsonStream(source());
    const it = doc.entries[Symbol.asyncIterator]();
    await it.next();
    expect(pulled).toBeLessThan(Math.ceil(bytes.length / 16) / 2);
    let n = 1;
    while (!(await it.next()).done) n++;
    expect(n).toBe(50);
  });
});

describe("openCritJsonStream between values", () => {
  it("a key or value that is not a string ends at any JSON whitespace, as read whole", async () => {
    for (const ws of [" ", "\t", "\n", "\r"]) {
      const text = `{"magic": "FILES", 1${ws}: 2}`;
      expect(await refusal(text), JSON.stringify(ws)).toBe(
        `1: expected "magic" or "entries" (no key "1" in crit JSON, or given twice)`,
      );
      const spaced = `{${ws}"magic"${ws}:${ws}"FILES"${ws},${ws}"entries"${ws}:${ws}[${ws}]${ws}}${ws}`;
      expect(await refusal(spaced)).toBe("(no error: FILES, 0 entries)");
      expect(() => fromCritJson(spaced)).not.toThrow();
    }
  });

  it("takes no other space character between values, as read whole (Python's json takes none either)", async () => {
    for (const ws of ["\u00a0", "\u2028", "\ufeff", "\u3000", "\v", "\f"]) {
      const text = `{"magic":${ws}"FILES", "entries": []}`;
      expect(await refusal(text), JSON.stringify(ws)).toMatch(/^magic: expected a JSON value/);
      expect(() => fromCritJson(text), JSON.stringify(ws)).toThrow(CritJsonError);
    }
  });
});
