/**
 * In-place edits of JSON text against JSON.parse: every string value is
 * found with its path and token, replacing any of them changes exactly
 * those values, and every other byte stays as written.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type JsonPath, jsonStrings, pathMatches, pathText, replaceJsonStrings } from "../../src/json/text-edit.js";

/** Every string value of a parsed document with its path, in document order. */
function walk(v: unknown, path: (string | number)[] = [], out: [JsonPath, string][] = []): [JsonPath, string][] {
  if (typeof v === "string") out.push([[...path], v]);
  else if (Array.isArray(v)) for (const [i, x] of v.entries()) walk(x, [...path, i], out);
  else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...path, k], out);
  return out;
}
/** The document with the string at each path replaced. */
function replaced(v: unknown, edits: Map<string, string>, path: (string | number)[] = []): unknown {
  if (typeof v === "string") return edits.get(JSON.stringify(path)) ?? v;
  if (Array.isArray(v)) return v.map((x, i) => replaced(x, edits, [...path, i]));
  if (v && typeof v === "object")
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, replaced(x, edits, [...path, k])]));
  return v;
}
// Objects whose keys JSON.parse keeps in writing order (no integer-like keys, no repeats).
const doc = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.string(),
    fc.integer(),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.boolean(),
    fc.constant(null),
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.string().map((k) => `k${k}`),
      tie("value"),
      { maxKeys: 4 },
    ),
  ),
})).value;

describe("jsonStrings and replaceJsonStrings", () => {
  it("find every string value with its path and its token as written (property)", () => {
    fc.assert(
      fc.property(doc, fc.constantFrom(0, 2, "\t"), (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        const found = jsonStrings(text, () => true);
        expect(found.map((s) => [s.path, s.value])).toEqual(walk(v));
        for (const s of found) expect(JSON.parse(text.slice(s.start, s.end))).toBe(s.value);
        // Line ends as Windows writes them: \r is whitespace too.
        const crlf = text.replace(/\n/g, "\r\n");
        expect(jsonStrings(crlf, () => true).map((s) => [s.path, s.value])).toEqual(walk(v));
        // Only the wanted paths.
        const top = jsonStrings(text, (p) => p.length === 1);
        expect(top.map((s) => s.path)).toEqual(
          walk(v)
            .filter(([p]) => p.length === 1)
            .map(([p]) => p),
        );
      }),
      { numRuns: 300, seed: 51 },
    );
  });

  it("replace exactly the strings edited, leaving every other byte (property)", () => {
    fc.assert(
      fc.property(doc, fc.array(fc.tuple(fc.nat(), fc.string()), { maxLength: 4 }), (v, picks) => {
        const text = JSON.stringify(v, null, 1);
        const all = jsonStrings(text, () => true);
        if (all.length === 0) return;
        const chosen = new Map(picks.map(([n, s]) => [all[n % all.length] as (typeof all)[number], s]));
        const edits = [...chosen].map(([at, value]) => ({ start: at.start, end: at.end, value }));
        const out = replaceJsonStrings(text, edits.reverse());
        expect(JSON.parse(out)).toEqual(
          replaced(v, new Map([...chosen].map(([at, s]) => [JSON.stringify(at.path), s]))),
        );
        // Outside the edited tokens, the text is as it was.
        let from = 0;
        let o = 0;
        for (const [at, s] of [...chosen].sort((a, b) => a[0].start - b[0].start)) {
          expect(out.slice(o, o + (at.start - from))).toBe(text.slice(from, at.start));
          o += at.start - from + JSON.stringify(s).length;
          from = at.end;
        }
        expect(out.slice(o)).toBe(text.slice(from));
      }),
      { numRuns: 300, seed: 52 },
    );
  });

  it("keeps the writer's escapes when the edit spells the new value, else writes JSON.stringify's", () => {
    const text = '{"a": "10.0.0.1\\u003c", "b": "x"}';
    const [a] = jsonStrings(text, (p) => p[0] === "a");
    if (!a) throw new Error("a");
    const kept = replaceJsonStrings(text, [
      { ...a, value: "10.0.0.2<", edit: (raw) => raw.replace("10.0.0.1", "10.0.0.2") },
    ]);
    expect(kept).toBe('{"a": "10.0.0.2\\u003c", "b": "x"}');
    const broken = replaceJsonStrings(text, [{ ...a, value: "y<", edit: () => '"\\u00' }]);
    expect(broken).toBe('{"a": "y<", "b": "x"}');
    const wrong = replaceJsonStrings(text, [{ ...a, value: "z", edit: (raw) => raw }]);
    expect(wrong).toBe('{"a": "z", "b": "x"}');
  });

  it("refuses texts that are not JSON, and nesting past 256 levels, saying where", () => {
    for (const [bad, what] of [
      ['{"a" 1}', 'JSON: ":" at character 5'],
      ['{"a": 1 "b"}', 'JSON: "," or "}" at character 8'],
      ["[1 2]", 'JSON: "," or "]" at character 3'],
      ['"abc', "JSON: the end of a string at character 4"],
      ["{1: 2}", "JSON: a string at character 1"],
      ["[tru]", "JSON: a value at character 1"],
      ["1 2", "JSON: the end of the text at character 2"],
    ] as const)
      expect(() => jsonStrings(bad, () => true), bad).toThrow(new SyntaxError(what));
    expect(() => jsonStrings(`${"[".repeat(258)}${"]".repeat(258)}`, () => true)).toThrow(/at most 256 levels/);
    expect(jsonStrings(`${"[".repeat(256)}"s"${"]".repeat(256)}`, () => true)).toHaveLength(1);
    expect(jsonStrings(" [ ] ", () => true)).toEqual([]);
    expect(jsonStrings("{}", () => true)).toEqual([]);
    expect(jsonStrings('"\\"q\\\\"', () => true)).toEqual([{ path: [], start: 0, end: 7, value: '"q\\' }]);
  });

  it("a bare value starts where it stands: a literal later in the text is not taken for it", () => {
    expect(() => jsonStrings("[x1]", () => true)).toThrow("JSON: a value at character 1");
    expect(() => jsonStrings('{"a": -}', () => true)).toThrow("JSON: a value at character 6");
    // An edit without a function writes the new value as JSON.stringify does.
    const text = '{"a": "\\u003c"}';
    const [a] = jsonStrings(text, () => true);
    if (!a) throw new Error("a");
    expect(replaceJsonStrings(text, [{ ...a, value: "<b" }])).toBe('{"a": "<b"}');
  });

  it("matches paths with wildcards and writes them as text", () => {
    expect(pathMatches(["a", 0, "b"], ["a", "*", "b"])).toBe(true);
    expect(pathMatches(["a", 0, "b"], ["a", 1, "b"])).toBe(false);
    expect(pathMatches(["a", 0], ["a", 0, "b"])).toBe(false);
    expect(pathMatches(["a", 0, "b"], ["a", 0])).toBe(false);
    expect(pathMatches(["a", 0, "b"], ["*", "*", "*"])).toBe(true);
    expect(pathText(["spec", "process", "env", 3])).toBe("spec.process.env[3]");
    expect(pathText(["io.podman/x", 0, "a-b", "1x"])).toBe('["io.podman/x"][0].a-b["1x"]');
    expect(pathText([0, "a"])).toBe("[0].a");
  });
});
