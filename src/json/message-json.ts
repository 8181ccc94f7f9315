/**
 * One protobuf message as crit's pb2dict renders it, written straight to
 * JSON text. This is the hot path of decode: no intermediate objects, no
 * arrays of members, one growing string.
 */
import type { DescMessage, Message } from "@bufbuild/protobuf";
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { formatAddress, wordsToBytes } from "../image/address.js";
import { encodeMimeBase64 } from "./base64.js";
import { type FieldPlan, planOf } from "./field-plan.js";
import { pyString } from "./python-json.js";
import { layout, type RenderMode, scalarText } from "./render.js";
import { unknownOf, unknownToBytes } from "./unknown.js";

const hasOwn = Object.prototype.hasOwnProperty;

/** Unknown values of known enum fields, which protobuf-es keeps with the unknown fields. */
function splitUnknown(msg: Message, desc: DescMessage) {
  const all = unknownOf(msg);
  if (!all) return undefined;
  const plan = planOf(desc);
  const enums = new Map<number, number[]>();
  const rest = [];
  for (const u of all) {
    const f = plan.byNumber.get(u.no);
    // Only singular fields: protobuf-es keeps a list's unknown values in the list (where they render as numbers).
    if (f && f.kind === "enum" && !f.repeated && u.wireType === 0) {
      const list = enums.get(u.no) ?? [];
      list.push(new BinaryReader(u.data).int32());
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
  const parts: string[] = [];
  writeMessage(parts, msg, desc, mode, depth, hexInherited);
  return parts.join("");
}

// Pushing small strings and joining once per entry keeps V8 from building
// and flattening deep string ropes.
function writeMessage(
  out: string[],
  msg: Message,
  desc: DescMessage,
  mode: RenderMode,
  depth: number,
  hexInherited: boolean,
): void {
  const pretty = mode.layout;
  const plan = planOf(desc);
  const unknown = (msg as { $unknown?: unknown[] }).$unknown ? splitUnknown(msg, desc) : undefined;
  const m = msg as unknown as Record<string, unknown>;
  // Members are separated by ", " or ",\n<indent>"; the first one follows the opening.
  const sep = layout(pretty, "sep", depth);
  const start = out.length;
  out.push(layout(pretty, "open", depth));
  let first = true;
  const fields = plan.fields;
  for (let k = 0; k < fields.length; k++) {
    const f = fields[k] as FieldPlan;
    const v = m[f.localName];
    const extraEnums = unknown?.enums.get(f.number);
    if (f.repeated) {
      const list = v as unknown[];
      if (list.length === 0) continue;
      const isHex = hexInherited || f.hex;
      if (first) first = false;
      else out.push(sep);
      out.push(f.key, ": ");
      if (mode.convert && f.ipadd && (list.length === 1 || list.length === 4)) {
        const addr = pyString(formatAddress(wordsToBytes(list as number[])));
        out.push(layout(pretty, "lopen", depth), addr, layout(pretty, "lclose", depth));
        continue;
      }
      const isep = layout(pretty, "lsep", depth);
      out.push(layout(pretty, "lopen", depth));
      for (let i = 0; i < list.length; i++) {
        if (i > 0) out.push(isep);
        if (f.kind === "message")
          writeMessage(out, list[i] as Message, f.message as DescMessage, mode, depth + 2, isHex);
        else out.push(scalarText(f, list[i], mode, isHex));
      }
      out.push(layout(pretty, "lclose", depth));
      continue;
    }
    if (f.kind === "message") {
      if (v === undefined) continue;
      if (first) first = false;
      else out.push(sep);
      out.push(f.key, ": ");
      writeMessage(out, v as Message, f.message as DescMessage, mode, depth + 1, hexInherited || f.hex);
      continue;
    }
    let value: string;
    if (hasOwn.call(m, f.localName)) value = scalarText(f, v, mode, hexInherited || f.hex);
    // A closed enum whose value the schema does not know: show the number.
    else if (extraEnums) value = String(extraEnums[extraEnums.length - 1]);
    else continue;
    if (first) first = false;
    else out.push(sep);
    out.push(f.key, ": ", value);
  }
  if (unknown && unknown.rest.length > 0) {
    if (!first) out.push(sep);
    first = false;
    out.push(`"$unknown": ${pyString(encodeMimeBase64(unknownToBytes(unknown.rest)))}`);
  }
  if (first) {
    out.length = start;
    out.push("{}");
    return;
  }
  out.push(layout(pretty, "close", depth));
}
