/** Field-by-field differences of plain values (crit's JSON forms), as paths. */
import type { Message } from "@bufbuild/protobuf";
import { JsonNumber } from "../json/errors.js";
import { parseJson } from "../json/parse.js";
import { CritJsonWriter } from "../json/to-crit.js";

/** One value that differs, by its JSON path. */
export interface FieldChange {
  /** A JSON path: entries[3].isk.src_addr, or processes[29313].cmdline[1]. */
  path: string;
  old: unknown;
  new: unknown;
}

/** A JSON value with numbers as numbers when they are exact, else as their text. */
function plain(v: unknown): unknown {
  if (v instanceof JsonNumber) {
    const n = Number(v.text);
    return Number.isSafeInteger(n) || !/^-?\d+$/.test(v.text) ? n : v.text;
  }
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = plain(x);
    return out;
  }
  return v;
}

/** One entry in crit's JSON value form (what `crit decode` shows for it). */
export function entryJson(kind: string, message: Message, extra: unknown): unknown {
  // --pretty forms: addresses as text, flags by name, as people read them.
  const w = new CritJsonWriter(kind, { pretty: true });
  w.head();
  w.entry(message, extra);
  w.tail();
  const doc = plain(parseJson(w.out.text())) as { entries: unknown[] };
  return doc.entries[0];
}

const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** Every leaf that differs between two values, by path; arrays of other lengths differ as a whole. */
export function diffValues(a: unknown, b: unknown, path: string, out: FieldChange[]): void {
  if (isObj(a) && isObj(b)) {
    for (const k of new Set([...Object.keys(a), ...Object.keys(b)]))
      diffValues(a[k], b[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b) && a.length === b.length) {
    for (let i = 0; i < a.length; i++) diffValues(a[i], b[i], `${path}[${i}]`, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, old: a, new: b });
}
