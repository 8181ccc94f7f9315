/**
 * What the two crit-JSON renderers share: the layout (json.dump's brackets
 * and separators, compact or indented) and the text of every scalar as
 * pb2dict shows it. message-json.ts takes values from protobuf-es messages,
 * wire-json.ts straight from the wire; both write what is here.
 */
import { encodeMimeBase64 } from "./base64.js";
import type { FieldPlan } from "./field-plan.js";
import { FLAG_MAPS, showDev, showFlags } from "./pretty-maps.js";
import { indent, pyString } from "./python-json.js";
import { encodeUnixName } from "./quopri.js";

/** How to render: `layout` is json.dump's indent, `convert` pb2dict's pretty conversions. */
export interface RenderMode {
  readonly layout: boolean;
  readonly convert: boolean;
}

/**
 * The punctuation of a message at `depth`: its object's opening, member
 * separator and closing, and the same for the list of a repeated member.
 */
export type Layout = "open" | "sep" | "close" | "lopen" | "lsep" | "lclose";

function layoutText(pretty: boolean, what: Layout, depth: number): string {
  if (!pretty) return { open: "{", sep: ", ", close: "}", lopen: "[", lsep: ", ", lclose: "]" }[what];
  return {
    open: `{\n${indent(depth + 1)}`,
    sep: `,\n${indent(depth + 1)}`,
    close: `\n${indent(depth)}}`,
    lopen: `[\n${indent(depth + 2)}`,
    lsep: `,\n${indent(depth + 2)}`,
    lclose: `\n${indent(depth + 1)}]`,
  }[what];
}

const LAYOUTS: Record<Layout, string[]>[] = [0, 1].map(() => ({
  open: [],
  sep: [],
  close: [],
  lopen: [],
  lsep: [],
  lclose: [],
}));

/** The text of one piece of layout, made once per depth. */
export function layout(pretty: boolean, what: Layout, depth: number): string {
  const row = (LAYOUTS[pretty ? 1 : 0] as Record<Layout, string[]>)[what];
  let s = row[depth];
  if (s === undefined) {
    s = layoutText(pretty, what, depth);
    row[depth] = s;
  }
  return s;
}

/** Python's "0x%x" % v, which puts a negative's sign after the prefix ("0x-5"). */
function hexOf(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}

/** One integer the way pb2dict shows it in pretty mode. */
function prettyInt(f: FieldPlan, v: number | bigint, isHex: boolean): string {
  if (isHex) return `"${hexOf(v)}"`;
  if (f.plain) return String(v);
  if (f.dev) return `"${showDev(BigInt(v), f.odev)}"`;
  if (f.flags) {
    const map = FLAG_MAPS[f.flags];
    return `"${map ? showFlags(BigInt(v), map) : hexOf(v)}"`;
  }
  const name = f.dictMap?.[Number(v)];
  return name !== undefined ? pyString(name) : String(v);
}

/** One value of a scalar or enum field as JSON text. */
export function scalarText(f: FieldPlan, v: unknown, mode: RenderMode, isHex: boolean): string {
  if (f.integer) return mode.convert ? prettyInt(f, v as number | bigint, isHex) : String(v);
  if (f.kind === "enum") {
    const name = f.enumDesc?.value[v as number]?.name;
    return name !== undefined ? pyString(name) : String(v);
  }
  if (typeof v === "string") return pyString(v);
  if (v instanceof Uint8Array) return pyString(f.conv === "unix_name" ? encodeUnixName(v) : encodeMimeBase64(v));
  return String(v);
}
