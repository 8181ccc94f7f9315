/**
 * The fast path of entry decoding: protobuf bytes straight into protobuf-es
 * messages, by a decoder generated once per message type (a switch over
 * its tags, each reading its field in line and storing it by name). It
 * gives exactly what fromBinary gives: the message is made as protobuf-es's
 * `create` makes it, strings by the same lossless codec, 64-bit values by
 * `protoInt64`. It takes the bytes CRIU writes: known fields with their own
 * wire types, known values of closed enums, each singular message once. On
 * anything else it gives up (undefined) and fromBinary decodes the entry,
 * unknown fields, merges and errors included. Where code cannot be
 * generated (a Content-Security-Policy without 'unsafe-eval'), fromBinary
 * decodes everything.
 *
 * Why generated: fromBinary's readers are closures shared by all fields, so
 * every call and store in its loop sees many shapes; here each field has
 * its own call sites. A files.img of 200k sockets decodes in well under
 * half the time (docs/performance.md).
 */
import { create, type DescField, type DescMessage, type Message, protoInt64, ScalarType } from "@bufbuild/protobuf";
import { decodeUtf8Lossless } from "./text-codec.js";

/** Where the generated decoders read: the bytes, a position, the end of the current message, the depth. */
interface Reader {
  buf: Uint8Array;
  pos: number;
  end: number;
  depth: number;
  view: DataView | undefined;
}

type Decode = (r: Reader) => Message | undefined;

/** The halves of the last varint read by `varint`. */
const V = { lo: 0, hi: 0 };

/** Reads the varint at b[p] (at most 10 bytes, at most 64 bits) into V; the position after it, or -1. */
function varint(b: Uint8Array, p: number, end: number): number {
  let lo = 0;
  let hi = 0;
  for (let i = 0; i < 10; i++) {
    if (p >= end) return -1;
    const c = b[p++] as number;
    if (i < 4) lo |= (c & 0x7f) << (7 * i);
    else if (i === 4) {
      lo |= (c & 0x0f) << 28;
      hi = (c & 0x7f) >> 4;
    } else if (i < 9) hi |= (c & 0x7f) << (7 * i - 32);
    // The tenth byte holds one bit; more is not a varint that protobuf-es reads the same way.
    else if (c > 1) return -1;
    else hi |= c << 31;
    if (c < 0x80) {
      V.lo = lo >>> 0;
      V.hi = hi >>> 0;
      return p;
    }
  }
  return -1;
}

const dv = (r: Reader): DataView => {
  if (!r.view) r.view = new DataView(r.buf.buffer, r.buf.byteOffset, r.buf.byteLength);
  return r.view;
};

/** What the generated code may call, by name. */
const RUNTIME = { V, varint, decodeUtf8Lossless, dv, dec: protoInt64.dec, uDec: protoInt64.uDec };

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;

/**
 * The wire type of a scalar, and code that reads one at `p` into `v` (or
 * returns undefined). Only the types CRIU's schema uses: a field of another
 * (float, double, fixed32, sfixed) gets no case, and fromBinary reads it.
 */
function scalarCode(t: ScalarType): [number, string] | undefined {
  // Every varint: one byte in line, longer ones through varint().
  const vi = (value: string) =>
    `{ const c = b[p]; if (p < end && c < 128) { p++; V.lo = c; V.hi = 0; } else { p = varint(b, p, end); if (p < 0) return undefined; } v = ${value}; }`;
  switch (t) {
    case ScalarType.INT32:
      return [VARINT, vi("V.lo | 0")];
    case ScalarType.UINT32:
      return [VARINT, vi("V.lo")];
    case ScalarType.SINT32:
      return [VARINT, vi("(V.lo >>> 1) ^ -(V.lo & 1)")];
    case ScalarType.BOOL:
      return [VARINT, vi("V.lo !== 0 || V.hi !== 0")];
    case ScalarType.INT64:
      return [VARINT, vi("dec(V.lo | 0, V.hi | 0)")];
    case ScalarType.UINT64:
      return [VARINT, vi("uDec(V.lo | 0, V.hi | 0)")];
    case ScalarType.SINT64:
      return [VARINT, vi("dec(((V.lo >>> 1) | ((V.hi & 1) << 31)) ^ -(V.lo & 1), (V.hi >>> 1) ^ -(V.lo & 1))")];
    case ScalarType.FIXED64:
      return [
        FIXED64,
        "if (p + 8 > end) return undefined; v = uDec(dv(r).getInt32(p, true), dv(r).getInt32(p + 4, true)); p += 8;",
      ];
    case ScalarType.STRING:
    case ScalarType.BYTES: {
      // Strings through the lossless codec, as fromBinary (with it installed) reads them.
      const value = t === ScalarType.STRING ? "decodeUtf8Lossless(b.subarray(p, q))" : "b.subarray(p, q)";
      return [
        LEN,
        `{ p = varint(b, p, end); if (p < 0 || V.hi !== 0 || p + V.lo > end) return undefined; const q = p + V.lo; v = ${value}; p = q; }`,
      ];
    }
    default:
      return undefined;
  }
}

/** The varint of a tag in the code's switch. */
const tagOf = (no: number, wt: number) => no * 8 + wt;

/**
 * The cases of one field; `refs` collects what the code refers to (child
 * decoders, enum value sets) by index. Undefined when the field is one the
 * fast path leaves to fromBinary altogether (oneof, map, group).
 */
function fieldCases(f: DescField, refs: unknown[], childRefs: number[]): string | undefined {
  if (f.oneof || f.fieldKind === "map") return undefined;
  const key = JSON.stringify(f.localName);
  const no = f.number;
  if (f.fieldKind === "message" || (f.fieldKind === "list" && f.listKind === "message")) {
    if (f.delimitedEncoding) return undefined;
    const child = refs.push(f.message) - 1;
    childRefs.push(child);
    const list = f.fieldKind === "list";
    // A second occurrence of a singular message merges into the first: fromBinary's work.
    return `case ${tagOf(no, LEN)}: {
      ${list ? "" : `if (Object.hasOwn(m, ${key})) return undefined;`}
      p = varint(b, p, end); if (p < 0 || V.hi !== 0 || p + V.lo > end) return undefined;
      const q = p + V.lo; r.pos = p; r.end = q;
      const c = decoders[${child}](r);
      r.end = end;
      if (c === undefined || r.pos !== q) return undefined;
      p = q;
      ${list ? `m[${key}].push(c);` : `m[${key}] = c;`}
      break;
    }`;
  }
  const isEnum = f.fieldKind === "enum" || (f.fieldKind === "list" && f.listKind === "enum");
  const code = scalarCode(isEnum ? ScalarType.INT32 : (f.scalar as ScalarType));
  if (!code) return undefined;
  const [wt, read] = code;
  // Closed enums keep unknown values among the unknown fields: fromBinary's work.
  let check = "";
  if (isEnum && f.enum && !f.enum.open) {
    const set = refs.push(new Set(f.enum.values.map((e) => e.number))) - 1;
    check = `if (!refs[${set}].has(v)) return undefined;`;
  }
  if (f.fieldKind !== "list") return `case ${tagOf(no, wt)}: { let v; ${read} ${check} m[${key}] = v; break; }`;
  const one = `case ${tagOf(no, wt)}: { let v; ${read} ${check} m[${key}].push(v); break; }`;
  if (wt === LEN) return one;
  // Packed: a length, then values.
  return `${one}
    case ${tagOf(no, LEN)}: {
      p = varint(b, p, end); if (p < 0 || V.hi !== 0 || p + V.lo > end) return undefined;
      const stop = p + V.lo; const items = m[${key}];
      { const end = stop; while (p < end) { let v; ${read} ${check} items.push(v); } }
      break;
    }`;
}

/**
 * Code that makes the empty message `m` as protobuf-es's `create` makes it:
 * read off a message it made (its prototype, and its own properties in
 * order: a fresh array per list, shared constants). Done in line, a call of `create` per message was a
 * seventh of the time.
 */
function makeCode(desc: DescMessage, refs: unknown[]): string {
  // Anything this code does not know how to make: protobuf-es makes the message.
  const byCreate = () => `const m = refs[${refs.push(() => create(desc)) - 1}]();`;
  const template = create(desc) as unknown as Record<string, unknown>;
  const proto = Object.getPrototypeOf(template);
  const keys = Object.keys(template);
  if (keys[0] !== "$typeName") return byCreate();
  const lines: string[] = [];
  if (proto === Object.prototype) lines.push(`const m = { $typeName: ${JSON.stringify(desc.typeName)} };`);
  else
    lines.push(
      `const m = Object.create(refs[${refs.push(proto) - 1}]); m.$typeName = ${JSON.stringify(desc.typeName)};`,
    );
  for (const k of keys.slice(1)) {
    const v = template[k];
    const key = JSON.stringify(k);
    if (Array.isArray(v) && v.length === 0) lines.push(`m[${key}] = [];`);
    else if (typeof v !== "object" || v === null) lines.push(`m[${key}] = refs[${refs.push(v) - 1}];`);
    // A map or oneof holder (CRIU's schema has none).
    else return byCreate();
  }
  return lines.join(" ");
}

/** Decoders by message type: null where code cannot be generated. */
let decoders = new WeakMap<DescMessage, Decode | null>();
let canGenerate = true;

/**
 * @internal Forgets every generated decoder (tests: a decoder is generated
 * once per process, so code generation runs again only after this).
 */
export function resetFastDecoders(): void {
  decoders = new WeakMap();
  canGenerate = true;
}

function decoderOf(desc: DescMessage): Decode | null {
  let d = decoders.get(desc);
  if (d !== undefined) return d;
  if (!canGenerate) return null;
  const refs: unknown[] = [];
  const childRefs: number[] = [];
  const cases = desc.fields.map((f) => fieldCases(f, refs, childRefs) ?? "").join("\n");
  const body = `return function decode(r) {
    // fromBinary's recursion limit is 100; past it, let fromBinary say so.
    if (++r.depth > 100) return undefined;
    const b = r.buf; const end = r.end; let p = r.pos;
    ${makeCode(desc, refs)}
    while (p < end) {
      let t = b[p];
      if (t < 128) p++;
      else { p = varint(b, p, end); if (p < 0 || V.hi !== 0) return undefined; t = V.lo; }
      switch (t) {
        ${cases}
        default: return undefined;
      }
    }
    r.pos = p; r.depth--;
    return m;
  };`;
  let factory: (...a: unknown[]) => Decode;
  try {
    factory = new Function("decoders", "refs", ...Object.keys(RUNTIME), body) as typeof factory;
  } catch {
    canGenerate = false;
    return null;
  }
  // Children are looked up when first called: message types can contain themselves.
  const children: Decode[] = [];
  for (const i of childRefs)
    children[i] = (r) => {
      const c = decoderOf(refs[i] as DescMessage);
      return c ? c(r) : undefined;
    };
  d = factory(children, refs, ...Object.values(RUNTIME));
  decoders.set(desc, d);
  // Later calls go straight to each child's decoder.
  for (const i of childRefs) {
    const c = decoderOf(refs[i] as DescMessage);
    if (c) children[i] = c;
  }
  return d;
}

/** One reader for every call (decoding is synchronous): nothing is allocated per entry but the message. */
const reader: Reader = { buf: new Uint8Array(0), pos: 0, end: 0, depth: 0, view: undefined };

/** The message in `bytes`, exactly as fromBinary gives it, or undefined where only fromBinary can say. */
export function fastDecode(desc: DescMessage, bytes: Uint8Array): Message | undefined {
  const d = decoderOf(desc);
  if (!d) return undefined;
  const r = reader;
  r.buf = bytes;
  r.pos = 0;
  r.end = bytes.length;
  r.depth = 0;
  r.view = undefined;
  const m = d(r);
  // Not kept: the bytes belong to the caller.
  r.buf = EMPTY;
  r.view = undefined;
  return m;
}

const EMPTY = new Uint8Array(0);
