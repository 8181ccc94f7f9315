/**
 * One protobuf message as crit's pb2dict renders it, written straight to
 * JSON text (no intermediate objects: this is the hot path of decode).
 */
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { encodeMimeBase64 } from "./base64.js";
import { type FieldPlan, planOf } from "./field-plan.js";
import { formatAddress, wordsToBytes } from "./ip.js";
import { DICT_MAPS, FLAG_MAPS, showDev, showFlags } from "./pretty-maps.js";
import { pyContainer, pyString } from "./python-json.js";
import { encodeUnixName } from "./quopri.js";
import { unknownOf, unknownToBytes } from "./unknown.js";

/** How to render: `layout` is json.dump's indent, `convert` pb2dict's pretty conversions. */
export interface RenderMode {
  readonly layout: boolean;
  readonly convert: boolean;
}

const hasOwn = Object.prototype.hasOwnProperty;

function hexOf(v: number | bigint): string {
  const b = BigInt(v);
  return b < 0n ? `-0x${(-b).toString(16)}` : `0x${b.toString(16)}`;
}

/** One integer the way pb2dict shows it in pretty mode. */
function prettyInt(f: FieldPlan, v: number | bigint, isHex: boolean): string {
  if (isHex) return `"${hexOf(v)}"`;
  if (f.dev) return `"${showDev(BigInt(v), f.odev)}"`;
  if (f.flags) {
    const map = FLAG_MAPS[f.flags];
    return `"${map ? showFlags(BigInt(v), map) : hexOf(v)}"`;
  }
  if (f.dict) {
    const name = DICT_MAPS[f.dict]?.[f.name]?.[Number(v)];
    if (name !== undefined) return pyString(name);
  }
  return String(v);
}

function scalarValue(f: FieldPlan, v: unknown, mode: RenderMode, isHex: boolean, depth: number): string {
  switch (f.kind) {
    case "message":
      return messageJson(v as Message, f.message as DescMessage, mode, depth, isHex);
    case "enum": {
      const name = f.enumDesc?.value[v as number]?.name;
      return name !== undefined ? pyString(name) : String(v);
    }
    default:
      if (f.integer) return mode.convert ? prettyInt(f, v as number | bigint, isHex) : String(v);
      if (typeof v === "boolean") return v ? "true" : "false";
      if (typeof v === "string") return pyString(v);
      if (v instanceof Uint8Array) return pyString(f.conv === "unix_name" ? encodeUnixName(v) : encodeMimeBase64(v));
      return String(v);
  }
}

/** Unknown values of known enum fields, which protobuf-es keeps with the unknown fields. */
function splitUnknown(msg: Message, desc: DescMessage) {
  const all = unknownOf(msg);
  if (!all) return undefined;
  const plan = planOf(desc);
  const enums = new Map<number, number[]>();
  const rest = [];
  for (const u of all) {
    const f = plan.byNumber.get(u.no);
    if (f && f.kind === "enum" && u.wireType === 0) {
      let v = 0;
      let mul = 1;
      for (const b of u.data) {
        v += (b & 0x7f) * mul;
        mul *= 128;
      }
      const list = enums.get(u.no) ?? [];
      list.push(v | 0);
      enums.set(u.no, list);
    } else rest.push(u);
  }
  return { enums, rest };
}

/** A message as pb2dict renders it, JSON text at nesting `depth`. */
export function messageJson(
  msg: Message,
  desc: DescMessage,
  mode: RenderMode,
  depth: number,
  hexInherited = false,
): string {
  const pretty = mode.layout;
  const plan = planOf(desc);
  const members: string[] = [];
  const unknown = splitUnknown(msg, desc);
  const m = msg as unknown as Record<string, unknown>;
  for (const f of plan.fields) {
    const isHex = hexInherited || f.hex;
    const extraEnums = unknown?.enums.get(f.number);
    if (f.repeated) {
      const list = m[f.localName] as unknown[];
      if (list.length === 0 && !extraEnums) continue;
      let items: string[];
      if (mode.convert && f.ipadd && (list.length === 1 || list.length === 4)) {
        items = [pyString(formatAddress(wordsToBytes(list as number[])))];
      } else {
        items = list.map((v) => scalarValue(f, v, mode, isHex, depth + 2));
      }
      if (extraEnums) items.push(...extraEnums.map(String));
      members.push(`${f.key}: ${pyContainer("[", "]", items, pretty, depth + 1)}`);
      continue;
    }
    if (f.kind === "message") {
      const v = m[f.localName];
      if (v === undefined) continue;
      members.push(`${f.key}: ${messageJson(v as Message, f.message as DescMessage, mode, depth + 1, isHex)}`);
      continue;
    }
    if (!hasOwn.call(m, f.localName)) {
      // A closed enum whose value the schema does not know: show the number.
      if (extraEnums) members.push(`${f.key}: ${extraEnums[extraEnums.length - 1]}`);
      continue;
    }
    members.push(`${f.key}: ${scalarValue(f, m[f.localName], mode, isHex, depth + 1)}`);
  }
  if (unknown && unknown.rest.length > 0) {
    members.push(`"$unknown": ${pyString(encodeMimeBase64(unknownToBytes(unknown.rest)))}`);
  }
  return pyContainer("{", "}", members, pretty, depth);
}
