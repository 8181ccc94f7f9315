/**
 * Pretty JSON written as it is made. JSON.stringify of a report of 10k
 * sockets is one string of tens of MiB, then as much again in UTF-8 for the
 * write; walking the top levels here keeps one element at a time. The text
 * is exactly JSON.stringify(value, bigints as strings, 2), where a lazy list
 * (an iterable in the top levels) is written as the array it would make.
 */
import { writeStdout } from "./io.js";

/** Arrays and objects at most this deep are walked; below, JSON.stringify does the work. */
const WALK_DEPTH = 3;

/**
 * A list, written as an array one element at a time: an array or a lazy
 * list (any other iterable but bytes, a boxed string, a Map or a Set, which
 * JSON.stringify does not write as arrays).
 */
const isList = (v: object): v is Iterable<unknown> =>
  !ArrayBuffer.isView(v) &&
  !(v instanceof String) &&
  !(v instanceof Map) &&
  !(v instanceof Set) &&
  typeof (v as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";

/**
 * Bigints as their digits, and a lazy list below the walked levels as the
 * array it makes (JSON.stringify has called any toJSON before this sees
 * the value).
 */
const replacer = (_k: string, v: unknown) =>
  typeof v === "bigint"
    ? String(v)
    : typeof v === "object" && v !== null && !Array.isArray(v) && isList(v)
      ? [...v]
      : v;

const isWalkable = (v: unknown): v is object =>
  typeof v === "object" &&
  v !== null &&
  typeof (v as { toJSON?: unknown }).toJSON !== "function" &&
  (isList(v) || Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null);

/** JSON.stringify of a leaf at this indent; undefined where JSON.stringify leaves the value out. */
function leaf(value: unknown, indent: string): string | undefined {
  const s = JSON.stringify(value, replacer, 2);
  return s?.replace(/\n/g, `\n${indent}`);
}

function* pieces(value: object, indent: string, depth: number): Generator<string> {
  const inner = `${indent}  `;
  const walk = (v: unknown): v is object => depth + 1 < WALK_DEPTH && isWalkable(v);
  if (isList(value)) {
    let first = true;
    for (const v of value) {
      yield `${first ? "[" : ","}\n${inner}`;
      first = false;
      if (walk(v)) yield* pieces(v, inner, depth + 1);
      else yield leaf(v, inner) ?? "null";
    }
    return yield first ? "[]" : `\n${indent}]`;
  }
  let first = true;
  for (const [k, v] of Object.entries(value)) {
    const deep = walk(v);
    const text = deep ? undefined : leaf(v, inner);
    if (!deep && text === undefined) continue;
    yield `${first ? "{" : ","}\n${inner}${JSON.stringify(k)}: `;
    first = false;
    if (deep) yield* pieces(v, inner, depth + 1);
    else yield text as string;
  }
  yield first ? "{}" : `\n${indent}}`;
}

/** The JSON text of a value in pieces (joined, they are JSON.stringify(value, bigints as strings, 2)). */
export function* jsonPieces(value: unknown): Generator<string> {
  if (isWalkable(value)) yield* pieces(value, "", 0);
  else yield leaf(value, "") ?? "";
}

/** Writes a value as pretty JSON and a newline, in slices of about 64 KiB. */
export async function writeJson(value: unknown): Promise<void> {
  let buf = "";
  for (const p of jsonPieces(value)) {
    buf += p;
    if (buf.length >= 1 << 16) {
      await writeStdout(buf);
      buf = "";
    }
  }
  await writeStdout(`${buf}\n`);
}
