/**
 * A strict JSON parser for crit JSON. It differs from JSON.parse where crit
 * JSON needs it to:
 * - numbers stay text (JsonNumber), so 64-bit values are exact;
 * - objects have no prototype, so a "__proto__" key is an ordinary key
 *   (and then an unknown field), never a way to change an object;
 * - a lone surrogate escape is refused unless it is U+DC80..U+DCFF, which
 *   is how this library writes a byte of a path that is not UTF-8;
 * - nesting is limited, so hostile input cannot overflow the stack.
 */
import { CritJsonError, JsonNumber } from "./errors.js";

const MAX_DEPTH = 200;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** A parsed JSON value; numbers keep their text (`JsonNumber`), so 64-bit integers are exact. */
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | { [key: string]: JsonValue };

/** JSON's whitespace (space, tab, LF, CR), as Python's json module takes it; no other space character. */
export function isJsonSpace(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

class Parser {
  pos = 0;
  constructor(
    readonly text: string,
    readonly path: string,
  ) {}

  fail(expected: string): never {
    const near = JSON.stringify(this.text.slice(this.pos, this.pos + 20));
    throw new CritJsonError(this.path, expected, `at character ${this.pos}, near ${near}`);
  }

  ws(): void {
    const t = this.text;
    let c = t.charCodeAt(this.pos);
    while (isJsonSpace(c)) c = t.charCodeAt(++this.pos);
  }

  /** A value inside `depth` objects and arrays; one more of them would be nested `depth + 1` deep. */
  value(depth: number): JsonValue {
    this.ws();
    const c = this.text[this.pos];
    if ((c === "{" || c === "[") && depth >= MAX_DEPTH) this.fail(`JSON nested at most ${MAX_DEPTH} deep`);
    if (c === "{") return this.object(depth);
    if (c === "[") return this.array(depth);
    if (c === '"') return this.string();
    if (c === "t" && this.text.startsWith("true", this.pos)) {
      this.pos += 4;
      return true;
    }
    if (c === "f" && this.text.startsWith("false", this.pos)) {
      this.pos += 5;
      return false;
    }
    if (c === "n" && this.text.startsWith("null", this.pos)) {
      this.pos += 4;
      return null;
    }
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (m) {
      this.pos += m[0].length;
      return new JsonNumber(m[0]);
    }
    return this.fail("a JSON value");
  }

  object(depth: number): JsonValue {
    const out: Record<string, JsonValue> = Object.create(null);
    this.pos++;
    this.ws();
    if (this.text[this.pos] === "}") {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.text[this.pos] !== '"') this.fail("a key in quotes");
      const key = this.string();
      if (Object.hasOwn(out, key)) this.fail(`no repeated key ("${key}" is given twice)`);
      this.ws();
      if (this.text[this.pos] !== ":") this.fail('":"');
      this.pos++;
      out[key] = this.value(depth + 1);
      this.ws();
      const c = this.text[this.pos++];
      if (c === "}") return out;
      if (c !== ",") {
        this.pos--;
        this.fail('"," or "}"');
      }
    }
  }

  array(depth: number): JsonValue {
    const out: JsonValue[] = [];
    this.pos++;
    this.ws();
    if (this.text[this.pos] === "]") {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.text[this.pos++];
      if (c === "]") return out;
      if (c !== ",") {
        this.pos--;
        this.fail('"," or "]"');
      }
    }
  }

  string(): string {
    const t = this.text;
    let i = ++this.pos;
    let out = "";
    let from = i;
    for (;;) {
      const c = t.charCodeAt(i);
      if (Number.isNaN(c)) {
        this.pos = i;
        this.fail("the end of a string");
      }
      if (c === 34) break;
      if (c < 0x20) {
        this.pos = i;
        this.fail("no control character inside a string");
      }
      if (c !== 92) {
        i++;
        continue;
      }
      out += t.slice(from, i);
      const e = t[i + 1];
      i += 2;
      if (e === "u") {
        const hex = t.slice(i, i + 4);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
          this.pos = i;
          this.fail("four hex digits after \\u");
        }
        out += String.fromCharCode(Number.parseInt(hex, 16));
        i += 4;
      } else {
        const map: Record<string, string> = {
          '"': '"',
          "\\": "\\",
          "/": "/",
          b: "\b",
          f: "\f",
          n: "\n",
          r: "\r",
          t: "\t",
        };
        const r = e === undefined ? undefined : map[e];
        if (r === undefined) {
          this.pos = i - 1;
          this.fail("a valid escape");
        }
        out += r;
      }
      from = i;
    }
    out += t.slice(from, i);
    this.pos = i + 1;
    checkSurrogates(out, this);
    return out;
  }
}

/** Lone surrogates are refused, but for U+DC80..U+DCFF: a byte that is not UTF-8 (see text-codec). */
function checkSurrogates(s: string, p: Parser): void {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xd800 || c > 0xdfff) continue;
    if (c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++;
        continue;
      }
    } else if (c >= 0xdc80 && c <= 0xdcff) continue;
    p.fail(
      `no lone surrogate in a string (U+${c.toString(16).toUpperCase()} would be lost; only U+DC80..U+DCFF, escaped bytes, are kept)`,
    );
  }
}

/** Parses one complete JSON text strictly (see the file comment). `path` names it in errors. */
export function parseJson(text: string, path = ""): JsonValue {
  const p = new Parser(text, path);
  const v = p.value(0);
  p.ws();
  if (p.pos !== text.length) p.fail("the end of the JSON text");
  return v;
}
