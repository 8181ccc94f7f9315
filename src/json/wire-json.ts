/**
 * The fast path of decode: protobuf wire bytes straight to crit JSON, with
 * no message objects at all. It handles what CRIU writes (fields in number
 * order, known fields, known enum values) and gives up (returns false) on
 * anything else, leaving the general path (protobuf-es decode, then
 * messageJson) to render it. Both give the same text.
 */
import type { DescMessage } from "@bufbuild/protobuf";
import { ScalarType } from "@bufbuild/protobuf";
import { WireCursor as Cursor } from "../framing/wire.js";
import { formatAddress, wordsToBytes } from "../image/address.js";
import { decodeUtf8Lossless } from "../image/text-codec.js";
import { asciiBytes, type ByteOut } from "./byte-out.js";
import { type FieldPlan, type MessagePlan, planOf } from "./field-plan.js";
import { pyString } from "./python-json.js";
import { type Layout, layout, type RenderMode, scalarText } from "./render.js";

const TWO32 = 4294967296;

function u64(lo: number, hi: number): number | bigint {
  return hi < 0x200000 ? hi * TWO32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
}

function i64(lo: number, hi: number): number | bigint {
  if (hi & 0x80000000) {
    // Two's complement negative.
    const v = (BigInt(hi) << 32n) | BigInt(lo);
    const n = v - (1n << 64n);
    return n >= -9007199254740991n ? Number(n) : n;
  }
  return u64(lo, hi);
}

function zigzag64(lo: number, hi: number): number | bigint {
  const v = (BigInt(hi) << 32n) | BigInt(lo);
  const n = (v >> 1n) ^ -(v & 1n);
  return n >= -9007199254740991n && n <= 9007199254740991n ? Number(n) : n;
}

/** The value of a varint scalar, or undefined when the wire type does not fit. */
function varintValue(t: ScalarType, lo: number, hi: number): number | bigint | boolean | undefined {
  switch (t) {
    case ScalarType.UINT32:
      return lo;
    case ScalarType.INT32:
      return lo | 0;
    case ScalarType.SINT32:
      return (lo >>> 1) ^ -(lo & 1);
    case ScalarType.UINT64:
      return u64(lo, hi);
    case ScalarType.INT64:
      return i64(lo, hi);
    case ScalarType.SINT64:
      return zigzag64(lo, hi);
    case ScalarType.BOOL:
      return lo !== 0 || hi !== 0;
    default:
      return undefined;
  }
}

function fixedValue(t: ScalarType, c: Cursor, wt: number): number | bigint | undefined {
  const b = c.buf;
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  if (wt === 5) {
    if (c.pos + 4 > c.end) return undefined;
    const p = c.pos;
    c.pos += 4;
    if (t === ScalarType.FIXED32) return view.getUint32(p, true);
    if (t === ScalarType.SFIXED32) return view.getInt32(p, true);
    return undefined; // float: CRIU has none
  }
  if (c.pos + 8 > c.end) return undefined;
  const p = c.pos;
  c.pos += 8;
  if (t === ScalarType.FIXED64) return u64(view.getUint32(p, true), view.getUint32(p + 4, true));
  if (t === ScalarType.SFIXED64) return i64(view.getUint32(p, true), view.getUint32(p + 4, true));
  return undefined; // double: CRIU has none
}

/** A depth's separators and brackets, as bytes. */
type LayoutBytes = Record<Layout, Uint8Array>;

const LAYOUT_NAMES: readonly Layout[] = ["open", "sep", "close", "lopen", "lsep", "lclose"];

/** By pretty (0, 1) and depth: looked up once per message, not once per separator. */
const layoutBytes: LayoutBytes[][] = [[], []];
function layAt(pretty: boolean, depth: number): LayoutBytes {
  const row = layoutBytes[pretty ? 1 : 0] as LayoutBytes[];
  let b = row[depth];
  if (b === undefined) {
    b = Object.fromEntries(LAYOUT_NAMES.map((w) => [w, asciiBytes(layout(pretty, w, depth))])) as LayoutBytes;
    row[depth] = b;
  }
  return b;
}

const TRUE = asciiBytes("true");
const FALSE = asciiBytes("false");
const EMPTY_OBJ = asciiBytes("{}");

/** Writes one element of field `f` at the cursor (tag already read); false = give up. */
function writeScalar(out: ByteOut, f: FieldPlan, c: Cursor, wt: number, mode: RenderMode, isHex: boolean): boolean {
  if (f.kind === "enum") {
    if (wt !== 0 || !c.varint()) return false;
    // A value the schema does not name is the message renderer's (protobuf-es keeps it elsewhere).
    const known = f.enumBytes?.[c.lo | 0];
    if (known === undefined) return false;
    out.bytes(known);
    return true;
  }
  const t = f.scalar as ScalarType;
  let v: number | bigint | boolean | undefined;
  if (wt === 0) {
    if (!c.varint()) return false;
    if (t === ScalarType.UINT32 && (!mode.convert || (f.plain && !isHex))) {
      out.uint(c.lo);
      return true;
    }
    v = varintValue(t, c.lo, c.hi);
  } else if (wt === 2) {
    if (!c.varint() || c.hi !== 0) return false;
    const len = c.lo;
    if (c.pos + len > c.end) return false;
    const at = c.pos;
    c.pos += len;
    if (t === ScalarType.STRING) {
      if (!out.asciiString(c.buf, at, at + len))
        out.ascii(scalarText(f, decodeUtf8Lossless(c.buf.subarray(at, at + len)), mode, isHex));
      return true;
    }
    if (t === ScalarType.BYTES) {
      out.ascii(scalarText(f, c.buf.subarray(at, at + len), mode, isHex));
      return true;
    }
    return false; // packed repeated scalars: CRIU writes none
  } else if (wt === 1 || wt === 5) {
    v = fixedValue(t, c, wt);
  }
  if (v === undefined) return false;
  if (typeof v === "boolean") out.bytes(v ? TRUE : FALSE);
  else if (mode.convert && isHex && typeof v === "number" && v >= 0) out.hexString(v);
  else if (mode.convert && f.dictBytes && typeof v === "number" && f.dictBytes[v])
    out.bytes(f.dictBytes[v] as Uint8Array);
  else if (!mode.convert && typeof v === "number" && v >= 0 && v <= Number.MAX_SAFE_INTEGER) out.uint(v);
  else out.ascii(scalarText(f, v, mode, isHex));
  return true;
}

/**
 * Renders the message in buf[start, end) into `out`. Returns false (with
 * `out` possibly holding partial output, which the caller discards) when
 * the bytes are not in the plain form this path handles.
 */
export function wireMessageJson(
  out: ByteOut,
  buf: Uint8Array,
  start: number,
  end: number,
  desc: DescMessage,
  mode: RenderMode,
  depth: number,
  hexInherited: boolean,
): boolean {
  const c = cursor;
  c.buf = buf;
  c.pos = start;
  c.end = end;
  const ok = writeMessage(out, c, planOf(desc), mode, depth, hexInherited);
  c.buf = NO_BYTES; // not kept: the bytes are the caller's
  return ok;
}

const NO_BYTES = new Uint8Array(0);
/** One cursor for every call (rendering is synchronous): nothing is allocated per entry. */
const cursor = new Cursor(NO_BYTES, 0, 0);

/** Plans of nested message fields, looked up once per field. */
const subPlans = new WeakMap<FieldPlan, MessagePlan>();
function subPlan(f: FieldPlan): MessagePlan {
  let p = subPlans.get(f);
  if (!p) {
    p = planOf(f.message as DescMessage);
    subPlans.set(f, p);
  }
  return p;
}

/** Writes the message between c.pos and c.end; nested messages narrow c.end and restore it. */
function writeMessage(
  out: ByteOut,
  c: Cursor,
  plan: MessagePlan,
  mode: RenderMode,
  depth: number,
  hexInherited: boolean,
): boolean {
  const pretty = mode.layout;
  const end = c.end;
  const buf = c.buf;
  const mark = out.pos;
  const l = layAt(pretty, depth);
  const sep = l.sep;
  const lsep = l.lsep;
  const lopen = l.lopen;
  out.bytes(l.open);
  const numbered = plan.numbered;
  let first = true;
  let lastNo = 0;
  // The repeated field being collected; address words for pretty ipadd lists.
  let list: FieldPlan | undefined;
  let count = 0;
  let words: number[] | undefined;
  while (c.pos < end) {
    // Tags of CRIU's fields fit in one or two bytes.
    const t0 = buf[c.pos] as number;
    let tag: number;
    if (t0 < 0x80) {
      tag = t0;
      c.pos++;
    } else {
      if (!c.varint() || c.hi !== 0) return false;
      tag = c.lo;
    }
    const no = tag >>> 3;
    const wt = tag & 7;
    const f = numbered[no];
    if (f === undefined || no < lastNo || (no === lastNo && !f.repeated)) return false;
    if (list !== undefined && no !== lastNo) {
      closeList(out, words, pretty, depth);
      list = undefined;
    }
    const isHex = hexInherited || f.hex;
    if (no !== lastNo) {
      if (first) {
        first = false;
        out.bytes(f.keyBytes);
      } else if (pretty) {
        out.bytes(sep);
        out.bytes(f.keyBytes);
      } else out.bytes(f.compactSepKey); // one copy for the separator and key
      if (f.repeated) {
        list = f;
        count = 0;
        if (mode.convert && f.ipadd) words = [];
        else {
          words = undefined;
          out.bytes(lopen);
        }
      }
      lastNo = no;
    }
    if (list !== undefined) {
      if (words !== undefined) {
        if (wt !== 0 || !c.varint()) return false;
        words.push(c.lo);
        continue;
      }
      if (count++ > 0) out.bytes(lsep);
    }
    if (f.kind === "message") {
      if (wt !== 2 || !c.varint() || c.hi !== 0 || c.pos + c.lo > end) return false;
      c.end = c.pos + c.lo;
      const ok = writeMessage(out, c, subPlan(f), mode, depth + (f.repeated ? 2 : 1), isHex);
      if (!ok || c.pos !== c.end) return false;
      c.end = end;
      continue;
    }
    if (!writeScalar(out, f, c, wt, mode, isHex)) return false;
  }
  if (list !== undefined) closeList(out, words, pretty, depth);
  if (first) {
    out.pos = mark;
    out.bytes(EMPTY_OBJ);
    return true;
  }
  out.bytes(l.close);
  return true;
}

/** Ends a repeated field; pretty address lists are written only now, whole. */
function closeList(out: ByteOut, words: number[] | undefined, pretty: boolean, depth: number): void {
  const l = layAt(pretty, depth);
  if (!words) {
    out.bytes(l.lclose);
    return;
  }
  out.bytes(l.lopen);
  if (words.length === 1 || words.length === 4) out.ascii(pyString(formatAddress(wordsToBytes(words))));
  else {
    // Not an address crit can show: plain numbers.
    words.forEach((w, i) => {
      if (i > 0) out.bytes(l.lsep);
      out.uint(w);
    });
  }
  out.bytes(l.lclose);
}
