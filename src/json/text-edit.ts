/**
 * Editing string values of a JSON text in place: every other byte (key
 * order, spacing, escapes, numbers as written) stays as it was. Engines
 * write their metadata with Go's encoding/json; a rewrite that changes one
 * address must not reformat the file around it.
 */

/** Where a value is: object keys and array indexes from the top. */
export type JsonPath = readonly (string | number)[];

/** A string value of a JSON text and where its token (quotes included) is. */
export interface JsonStringAt {
  path: JsonPath;
  start: number;
  end: number;
  value: string;
}

/** Deeper than this, a text is refused (no engine writes it; recursion must stay bounded). */
const MAX_DEPTH = 256;

/**
 * @internal
 * Every string value (not key) of a JSON text whose path `want` accepts.
 * Throws SyntaxError for a text that is not JSON.
 */
export function jsonStrings(text: string, want: (path: JsonPath) => boolean): JsonStringAt[] {
  const out: JsonStringAt[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new SyntaxError(`JSON: ${what} at character ${i}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
  };
  const string = (): { start: number; value: string } => {
    const start = i;
    if (text[i] !== '"') fail("a string");
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    if (i >= text.length) fail("the end of a string");
    i++;
    return { start, value: JSON.parse(text.slice(start, i)) as string };
  };
  const value = (path: (string | number)[]): void => {
    if (path.length > MAX_DEPTH) fail(`at most ${MAX_DEPTH} levels`);
    ws();
    const c = text[i];
    if (c === '"') {
      const s = string();
      if (want(path)) out.push({ path: [...path], start: s.start, end: i, value: s.value });
    } else if (c === "{" || c === "[") {
      const close = c === "{" ? "}" : "]";
      i++;
      ws();
      if (text[i] === close) {
        i++;
        return;
      }
      for (let n = 0; ; n++) {
        if (c === "{") {
          ws();
          const key = string().value;
          ws();
          if (text[i] !== ":") fail('":"');
          i++;
          path.push(key);
        } else path.push(n);
        value(path);
        path.pop();
        ws();
        if (text[i] === ",") i++;
        else if (text[i] === close) {
          i++;
          return;
        } else fail(`"," or "${close}"`);
      }
    } else {
      const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 64));
      if (!m) fail("a value");
      i += (m as RegExpExecArray)[0].length;
    }
  };
  value([]);
  ws();
  if (i !== text.length) fail("the end of the text");
  return out;
}

/** @internal Whether a path matches a pattern of keys, indexes and "*" (any one step). */
export function pathMatches(path: JsonPath, pattern: JsonPath): boolean {
  return path.length === pattern.length && pattern.every((p, k) => p === "*" || p === path[k]);
}

/** @internal A path as text: `a.b[0].c` (keys that are not plain names quoted). */
export function pathText(path: JsonPath): string {
  return path
    .map((p, k) =>
      typeof p === "number"
        ? `[${p}]`
        : /^[A-Za-z_][\w-]*$/.test(p)
          ? `${k === 0 ? "" : "."}${p}`
          : `[${JSON.stringify(p)}]`,
    )
    .join("");
}

/**
 * @internal
 * The text with each string token replaced by the JSON of its new value;
 * everything else as it was. `edit` is applied to the token as written
 * first: when that spells the new value (the edit touched no escape), the
 * token keeps the writer's escapes (Go's \u003c); else it is JSON.stringify's.
 */
export function replaceJsonStrings(
  text: string,
  edits: readonly { start: number; end: number; value: string; edit?: (raw: string) => string }[],
): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start);
  let out = "";
  let at = 0;
  for (const e of sorted) {
    const raw = e.edit?.(text.slice(e.start, e.end));
    let token = JSON.stringify(e.value);
    try {
      if (raw !== undefined && JSON.parse(raw) === e.value) token = raw;
    } catch {
      // The edit broke the token's escapes: the value as JSON.stringify writes it.
    }
    out += text.slice(at, e.start) + token;
    at = e.end;
  }
  return out + text.slice(at);
}
