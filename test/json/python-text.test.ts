/**
 * The JSON text against Python's json module, which writes crit's: random
 * images of every kind are rendered as crit JSON (compact and --pretty),
 * and Python reads each and writes it again with crit's own calls
 * (json.dumps(obj) and json.dumps(obj, indent=4)), keys in order. The text
 * must come back unchanged: separators, indentation, escapes (ensure_ascii),
 * integers of any size, floats as Python's repr, empty lists and objects.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { toCritJson } from "../../src/json/index.js";
import { ENTRY_KINDS, imageArb } from "../helpers/images.js";
import { py, python } from "../helpers/python.js";

const RENDER = `
import sys, json
out = []
for text, pretty in json.load(sys.stdin):
    obj = json.loads(text)
    out.append(json.dumps(obj, indent=4) if pretty else json.dumps(obj))
json.dump(out, sys.stdout)
`;

describe.skipIf(!python)("crit JSON text against Python's json.dumps", () => {
  it("every entry kind, compact and --pretty, random images: Python writes the same text back", () => {
    const texts: [string, boolean][] = [];
    for (const kind of ENTRY_KINDS) {
      for (const img of fc.sample(imageArb(kind), { numRuns: 4, seed: 41 })) {
        for (const pretty of [false, true]) {
          let text: string;
          try {
            text = toCritJson(img, { pretty });
          } catch {
            continue; // Images the JSON writer refuses (bad enums in pretty mode) are checked elsewhere.
          }
          texts.push([text.replace(/\n$/, ""), pretty]);
        }
      }
    }
    expect(texts.length).toBeGreaterThan(ENTRY_KINDS.length * 4);
    const back = py(RENDER, texts) as string[];
    texts.forEach(([text, pretty], i) => {
      expect(back[i], `${pretty ? "pretty" : "compact"} ${text.slice(0, 60)}`).toBe(text);
    });
  });

  it("strings with every kind of character: controls, quotes, backslashes, non-ASCII, astral, lone surrogates", () => {
    const texts: [string, boolean][] = [];
    const char = fc.oneof(
      fc.constantFrom('"', "\\", "\n", "\u0000", "\u001f", "\u007f", "é", "€", "\u2028"),
      fc.string({ unit: "binary", minLength: 1, maxLength: 1 }),
      fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)),
    );
    const strings = fc.sample(fc.string({ unit: char, maxLength: 20 }), { numRuns: 300, seed: 5 });
    for (const s of strings) {
      const img = {
        kind: "UTSNS",
        format: "v1.1",
        entries: [{ $typeName: "utsns_entry", nodename: s, domainname: "d" }],
      };
      for (const pretty of [false, true]) {
        try {
          texts.push([toCritJson(img as never, { pretty }).replace(/\n$/, ""), pretty]);
        } catch {
          // Not an image the writer takes: covered by the strict tests.
        }
      }
    }
    expect(texts.length).toBe(600);
    const back = py(RENDER, texts) as string[];
    texts.forEach(([text], i) => {
      expect(back[i]).toBe(text);
    });
  });
});
