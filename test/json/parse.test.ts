/**
 * parseJson against the platform's JSON.parse and Python's json module: the
 * same values for every JSON text (numbers kept as their text), the same
 * texts refused, and the documented differences (repeated keys, lone
 * surrogates but U+DC80..U+DCFF, nesting past 200, "__proto__" as a key).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CritJsonError, JsonNumber, type JsonValue, parseJson } from "../../src/json/index.js";
import { py, python } from "../helpers/python.js";

/** A parsed value with numbers as JSON.parse gives them. */
function plain(v: JsonValue): unknown {
  if (v instanceof JsonNumber) return JSON.parse(v.text);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}
const message = (text: string) => {
  try {
    parseJson(text, "doc");
  } catch (e) {
    expect(e).toBeInstanceOf(CritJsonError);
    return (e as Error).message;
  }
  return "";
};

// Whitespace JSON allows, put between every token by re-spacing JSON.stringify's output.
const spaced = (v: unknown, ws: string) => JSON.stringify(v, null, ws.includes("\n") ? ws : undefined);

describe("parseJson", () => {
  it("reads every JSON text as JSON.parse does, numbers as their exact text (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ noUnicodeString: false }), fc.constantFrom("", "\n\t ", "\r\n  "), (v, ws) => {
        const text = spaced(v, ws);
        const got = parseJson(text);
        expect(plain(got)).toEqual(JSON.parse(text));
        // Prototype-free objects: nothing inherited, whatever the keys.
        if (got && typeof got === "object" && !Array.isArray(got) && !(got instanceof JsonNumber))
          expect(Object.getPrototypeOf(got)).toBeNull();
      }),
      { numRuns: 300, seed: 41 },
    );
  });

  it("refuses what JSON.parse refuses (property over mangled texts)", () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.nat(),
        fc.constantFrom("", "}", "]", ",", ":", "\\", '"', "x", "\u0001", "-", "."),
        (v, at, junk) => {
          const base = JSON.stringify(v);
          const i = at % (base.length + 1);
          const text = base.slice(0, i) + junk + base.slice(i + (junk ? 0 : 1));
          let platform = true;
          try {
            JSON.parse(text);
          } catch {
            platform = false;
          }
          let ours = true;
          try {
            parseJson(text);
          } catch (e) {
            expect(e).toBeInstanceOf(CritJsonError);
            ours = false;
          }
          // Ours refuses more (repeated keys from the mangling, lone surrogates), never less.
          if (!platform) expect(ours, text).toBe(false);
        },
      ),
      { numRuns: 400, seed: 42 },
    );
  });

  it.runIf(python)("keeps 64-bit and long numbers exactly as Python's json reads them", () => {
    const texts = [
      "18446744073709551615",
      "-9223372036854775808",
      "1e400",
      "0.1000000000000000055511151231257827",
      "[1E+2, -0.0]",
    ];
    const fromPython = py(
      "import json, sys; print(json.dumps([repr(json.loads(t)) for t in json.load(sys.stdin)]))",
      texts,
    ) as string[];
    expect(fromPython[0]).toBe("18446744073709551615");
    for (const t of texts.slice(0, 2)) expect((parseJson(t) as JsonNumber).text).toBe(t);
    expect((parseJson("1e400") as JsonNumber).text).toBe("1e400");
    expect(plain(parseJson("[1E+2, -0.0]"))).toEqual([100, -0]);
  });

  it("says where and what, for each way a text can be wrong", () => {
    expect(message("")).toBe('doc: expected a JSON value (at character 0, near "")');
    expect(message("[1,]")).toBe('doc: expected a JSON value (at character 3, near "]")');
    expect(message("[1 2]")).toBe('doc: expected "," or "]" (at character 3, near "2]")');
    expect(message('{"a" 1}')).toBe('doc: expected ":" (at character 5, near "1}")');
    expect(message('{"a":1 "b":2}')).toBe('doc: expected "," or "}" (at character 7, near "\\"b\\":2}")');
    expect(message("{a:1}")).toBe('doc: expected a key in quotes (at character 1, near "a:1}")');
    expect(message('{"a":1,"a":2}')).toBe(
      'doc: expected no repeated key ("a" is given twice) (at character 10, near ":2}")',
    );
    expect(message('"abc')).toBe('doc: expected the end of a string (at character 4, near "")');
    expect(message('"a\u0001"')).toBe(
      'doc: expected no control character inside a string (at character 2, near "\\u0001\\"")',
    );
    expect(message('"\\x"')).toBe('doc: expected a valid escape (at character 2, near "x\\"")');
    expect(message('"\\u12g4"')).toBe('doc: expected four hex digits after \\u (at character 3, near "12g4\\"")');
    expect(message("1 2")).toBe('doc: expected the end of the JSON text (at character 2, near "2")');
    expect(message("tru")).toBe('doc: expected a JSON value (at character 0, near "tru")');
    expect(message('"\\ud800"')).toBe(
      'doc: expected no lone surrogate in a string (U+D800 would be lost; only U+DC80..U+DCFF, escaped bytes, are kept) (at character 8, near "")',
    );
    expect(message(`${"[".repeat(201)}${"]".repeat(201)}`)).toMatch(/^doc: expected JSON nested at most 200 deep/);
    expect(message(`${"[".repeat(200)}${"]".repeat(200)}`)).toBe("");
    expect(message("[1]")).toBe("");
    const objects = (n: number) => `${'{"a":'.repeat(n)}1${"}".repeat(n)}`;
    expect(message(objects(201))).toMatch(/^doc: expected JSON nested at most 200 deep/);
    expect(message(objects(200))).toBe("");
    for (const t of ["f", "fals", "n", "nul", "t"])
      expect(message(t), t).toBe(`doc: expected a JSON value (at character 0, near ${JSON.stringify(t)})`);
    // Without a path, errors name the document.
    expect(() => parseJson("x")).toThrow('JSON: expected a JSON value (at character 0, near "x")');
  });

  it("keeps escaped bytes (U+DC80..U+DCFF) and surrogate pairs; every escape JSON has", () => {
    expect(parseJson('"\\udc80\\udcff"')).toBe("\udc80\udcff");
    expect(parseJson('"\\ud83d\\ude00"')).toBe("😀");
    expect(message('"\\udc7f"')).toMatch(/U\+DC7F would be lost/);
    expect(message('"\\ude00"')).toMatch(/U\+DE00 would be lost/);
    expect(message('"\\ud83d x"')).toMatch(/U\+D83D would be lost/);
    expect(message('"\\ud83d\\ue000"')).toMatch(/U\+D83D would be lost/);
    expect(message('"\\udfff"')).toMatch(/U\+DFFF would be lost/);
    expect(parseJson('"\\"\\\\\\/\\b\\f\\n\\r\\t\\u0041"')).toBe('"\\/\b\f\n\r\tA');
    const o = parseJson('{"__proto__": {"x": 1}, "constructor": 2}') as Record<string, JsonValue>;
    expect(Object.keys(o)).toEqual(["__proto__", "constructor"]);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
    expect(parseJson(" true ")).toBe(true);
    expect(parseJson("false")).toBe(false);
    expect(parseJson("null")).toBeNull();
    expect(parseJson("{ }")).toEqual({});
    expect(parseJson("[ ]")).toEqual([]);
  });
});
