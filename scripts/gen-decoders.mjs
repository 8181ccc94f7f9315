// Writes src/gen/decoders.ts (run by `npm run generate`, after buf generate):
// one decoder per message of the CRIU schema, as plain TypeScript, so that
// no code is compiled at run time (a Content-Security-Policy page runs it
// too). Each decoder is a switch over its message's field numbers (dense,
// so a jump table), reading each field in line and storing it by name;
// src/image/fast-decode.ts says what they give and when they give up to
// fromBinary.
//
//   node scripts/gen-decoders.mjs [OUT_DIR]   (default src/gen; the freshness test passes a temp folder)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { create, createFileRegistry, fromBinary, ScalarType } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const outDir = process.argv[2] ?? join(root, "src", "gen");

/** The schema as buf compiles it from proto/. */
function schema() {
  const tmp = mkdtempSync(join(tmpdir(), "criu-image-fds-"));
  try {
    const file = join(tmp, "schema.binpb");
    execFileSync(join(root, "node_modules", ".bin", "buf"), ["build", "-o", file], { cwd: root, stdio: "pipe" });
    return createFileRegistry(fromBinary(FileDescriptorSetSchema, readFileSync(file)));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const VARINT = 0;
const FIXED64 = 1;
const LEN = 2;

/**
 * The wire type of a scalar, and code that reads one at `p` and leaves its
 * value in the expression it returns (`v` where the code declares it; or
 * returns from the decoder). Only
 * the types CRIU's schema uses: a field of another (float, double, fixed32,
 * sfixed) gets no case, and fromBinary reads it. Small helpers of the
 * generated file (vi, ld, f64) keep each case short: the decoders are parsed
 * whenever the package is imported.
 */
function scalarCode(t) {
  const varint = (value) => [VARINT, "if((p=vi(b,p,end))<0)return;", value];
  // A one-byte varint read in line (most values CRIU writes are under 128:
  // a sixth of decoding went to calls), longer ones by the shared reader.
  const small = (one, value) => [
    VARINT,
    `let v;if(p<end&&(v=b[p] as number)<128){p++;${one}}else{if((p=varint(b,p,end))<0)return;v=${value};}`,
    "v",
  ];
  switch (t) {
    case ScalarType.INT32:
      return small("", "V.lo|0");
    case ScalarType.UINT32:
      // ">>>0" gives a small integer where it fits: stored as it is, where V.lo (a double field) would box every value.
      return small("", "V.lo>>>0");
    case ScalarType.SINT32:
      return varint("(V.lo>>>1)^-(V.lo&1)");
    case ScalarType.BOOL:
      return small("v=v!==0;", "V.lo!==0||V.hi!==0");
    case ScalarType.INT64:
      return small("v=v===0?ZERO:dec(v,0);", "V.lo===0&&V.hi===0?ZERO:dec(V.lo|0,V.hi|0)");
    case ScalarType.UINT64:
      return small("v=v===0?ZERO:uDec(v,0);", "V.lo===0&&V.hi===0?ZERO:uDec(V.lo|0,V.hi|0)");
    case ScalarType.SINT64:
      return varint("z64()");
    case ScalarType.FIXED64:
      return [FIXED64, "if(p+8>end)return;", "f64(r,(p+=8)-8)"];
    case ScalarType.STRING:
      // Strings through the lossless codec, as fromBinary (with it installed) reads them.
      return [LEN, "if((p=ld(b,p,end))<0)return;", "rt.utf8(b.subarray(L.at,p))"];
    case ScalarType.BYTES:
      return [LEN, "if((p=ld(b,p,end))<0)return;", "b.subarray(L.at,p)"];
    default:
      return undefined;
  }
}

/** Names in the generated file, one per message and per closed enum's value set. */
const fnName = (typeName) => `d_${typeName.replace(/\W/g, "_")}`;

/**
 * The cases of one field; `sets` collects the value sets of closed enums,
 * `bit` is the field's bit in `s`, the singular messages already read.
 * Undefined when the field is one the fast path leaves to fromBinary
 * altogether (oneof, map, group).
 */
function fieldCases(f, sets, bit) {
  if (f.oneof || f.fieldKind === "map") return undefined;
  const key = `m[${JSON.stringify(f.localName)}]`;
  const no = f.number;
  if (f.fieldKind === "message" || (f.fieldKind === "list" && f.listKind === "message")) {
    if (f.delimitedEncoding) return undefined;
    const list = f.fieldKind === "list";
    // A second occurrence of a singular message merges into the first: fromBinary's work.
    const once = list
      ? ""
      : bit
        ? `if(s&${bit})return;s|=${bit};`
        : `if(Object.hasOwn(m,${JSON.stringify(f.localName)}))return;`;
    const store = list ? `${key}.push(c)` : `${key}=c`;
    return `case ${no}:{if(w!==${LEN})return;${once}if((p=ld(b,p,end))<0)return;const c=sub(r,L.at,p,${fnName(f.message.typeName)});if(c===undefined)return;${store};break;}`;
  }
  const isEnum = f.fieldKind === "enum" || (f.fieldKind === "list" && f.listKind === "enum");
  const code = scalarCode(isEnum ? ScalarType.INT32 : f.scalar);
  if (!code) return undefined;
  const [wt, read, value] = code;
  // Closed enums keep unknown values among the unknown fields: fromBinary's work.
  let check = "";
  if (isEnum && f.enum && !f.enum.open) {
    const name = `e_${f.enum.typeName.replace(/\W/g, "_")}`;
    sets.set(
      name,
      f.enum.values.map((e) => e.number),
    );
    check = `if(!${name}.has(v))return;`;
  }
  const store = f.fieldKind === "list" ? `${key}.push(v)` : `${key}=v`;
  const take = value === "v" ? "" : `const v=${value};`;
  const one = `if(w===${wt}){${read}${take}${check}${store};break;}`;
  if (f.fieldKind !== "list" || wt === LEN) return `case ${no}:{${one}return;}`;
  // Packed: a length, then values.
  return `case ${no}:{${one}if(w!==${LEN})return;if((p=ld(b,p,end))<0)return;const stop=p;p=L.at;while(p<stop){${read.replace(/\bend\b/g, "stop")}${take}${check}${key}.push(v);}break;}`;
}

/** `this.name`, or `this["name"]` where the name is no identifier. */
const thisKey = (k) => (/^[A-Za-z_$][\w$]*$/.test(k) ? `this.${k}` : `this[${JSON.stringify(k)}]`);

/**
 * Code that makes the empty message `m` as protobuf-es's `create` makes it,
 * read off a message it made: its prototype (looked up at run time, once),
 * and its own properties in order (a fresh array per list, constants).
 * `ctors` collects the constructors it uses.
 */
function makeCode(desc, index, ctors) {
  const typeName = JSON.stringify(desc.typeName);
  const byCreate = `const m=rt.make(${typeName}) as Msg;`;
  const template = create(desc);
  const keys = Object.keys(template);
  if (keys[0] !== "$typeName") return byCreate;
  if (Object.getPrototypeOf(template) === Object.prototype) {
    // No defaults to inherit; no constructor either (CRIU's proto2 schema has no such message).
    return byCreate;
  }
  const lines = [`this.$typeName=${typeName};`];
  for (const k of keys.slice(1)) {
    const v = template[k];
    if (Array.isArray(v) && v.length === 0) lines.push(`${thisKey(k)}=[];`);
    else if (typeof v === "number" || typeof v === "string" || typeof v === "boolean")
      lines.push(`${thisKey(k)}=${JSON.stringify(v)};`);
    // A map or oneof holder, a 64-bit or bytes default (CRIU's proto2 schema has none as own properties).
    else return byCreate;
  }
  // Every field the message can get, assigned in a branch never taken: V8
  // sizes objects by the assignments to `this` it sees in the constructor,
  // so a decoded message holds its fields in itself rather than in a
  // separate, regrown property array (a third less memory per socket kept,
  // and fewer objects for the collector to move).
  const rest = [...desc.fields.filter((f) => !f.oneof).map((f) => f.localName), ...desc.oneofs.map((o) => o.localName)]
    .filter((k) => !keys.includes(k))
    .map((k) => `${thisKey(k)}=undefined;`)
    .join("");
  const name = `c_${desc.typeName.replace(/\W/g, "_")}`;
  ctors.push(`  function ${name}(this:Msg,hint?:boolean){${lines.join("")}if(hint){${rest}}}`);
  return `const m:Msg=new (P[${index}]??=ctor(${name},rt.proto(${typeName})))();`;
}

// CRIU's messages; google.protobuf's descriptor messages (opts.proto extends them) are never entries.
/**
 * The entries of images that hold many of them (files, fds, sockets,
 * pagemaps, VMAs, tasks, queued data), and every message they contain.
 * Every decoder is parsed whenever the package is imported, so images of a
 * few entries (a core per thread, mounts, namespaces) are left to
 * fromBinary: generating all 400 messages cost 38 ms more per import.
 */
const HOT = [
  "file_entry",
  "fdinfo_entry",
  "pagemap_head",
  "pagemap_entry",
  "inet_sk_entry",
  "unix_sk_entry",
  "packet_sock_entry",
  "netlink_sk_entry",
  "tcp_stream_entry",
  "sk_packet_entry",
  "pipe_data_entry",
  "reg_file_entry",
  "mm_entry",
  "pstree_entry",
  "ghost_chunk_entry",
];
const registry = schema();
const reachable = new Map();
const visit = (desc) => {
  if (reachable.has(desc.typeName)) return;
  reachable.set(desc.typeName, desc);
  for (const f of desc.fields) if (f.message) visit(f.message);
};
for (const name of HOT) {
  const desc = registry.getMessage(name);
  if (!desc) throw new Error(`gen-decoders: no message ${name} in the schema`);
  visit(desc);
}
const messages = [...reachable.values()].sort((a, b) => (a.typeName < b.typeName ? -1 : 1));
const sets = new Map();
const ctors = [];
const fns = messages.map((desc, i) => {
  // Singular message fields seen, as bits of a local (Object.hasOwn was a call per field).
  const singular = desc.fields.filter((f) => f.fieldKind === "message");
  const bits = new Map(singular.slice(0, 30).map((f, k) => [f, 1 << k]));
  const seen = bits.size ? "let s=0;" : "";
  // The fields the fast path reads, with their cases.
  const read = desc.fields.map((f) => [f, fieldCases(f, sets, bits.get(f))]).filter(([, c]) => c !== undefined);
  const cases = read.map(([, c]) => c).join("");
  // Lists grown by push hold room for 16 more: kept messages get them at their length.
  const fits = read
    .filter(([f]) => f.fieldKind === "list")
    .map(([f]) => `m[${JSON.stringify(f.localName)}]=fit(m[${JSON.stringify(f.localName)}]);`)
    .join("");
  // fromBinary's recursion limit is 100; past it, let fromBinary say so.
  return `  function ${fnName(desc.typeName)}(r:DecodeReader):Msg|undefined{if(++r.depth>100)return;const b=r.buf;const end=r.end;let p=r.pos;${seen}${makeCode(desc, i, ctors)}while(p<end){let t=b[p] as number;if(t<128)p++;else{if((p=varint(b,p,end))<0||V.hi!==0)return;t=V.lo;}const w=t&7;switch(t>>>3){${cases}default:return;}}${fits}r.pos=p;r.depth--;return m;}`;
});

const text = `// @generated by scripts/gen-decoders.mjs from proto/ (npm run generate); do not edit.
/* eslint-disable */
// biome-ignore-all lint: generated code

import { protoInt64 } from "@bufbuild/protobuf";
import { readVarint as varint, VARINT as V } from "../framing/wire.js";

/** Where a decoder reads: the bytes, a position, the end of the current message, the depth. */
export interface DecodeReader {
  buf: Uint8Array;
  pos: number;
  end: number;
  depth: number;
  view: DataView | undefined;
}

/** What the decoders need from the typed layer: its string codec and protobuf-es's messages. */
export interface DecoderRuntime {
  /** Bytes of a string field to its text, as fromBinary gives it. */
  utf8(bytes: Uint8Array): string;
  /** The prototype protobuf-es gives messages of this type. */
  proto(typeName: string): object;
  /** An empty message of this type, made by protobuf-es. */
  make(typeName: string): object;
}

type Msg = Record<string, any>;

/** A message's decoder: the message, or undefined where only fromBinary can say. */
export type EntryDecoder = (r: DecodeReader) => object | undefined;

const dec = protoInt64.dec;
const uDec = protoInt64.uDec;
/** Zero as a 64-bit value: one for all, where each dec(0, 0) is a new heap object. */
const ZERO = uDec(0, 0);

/** A varint at b[p] into V, one byte in line: the position after it, or -1. */
function vi(b: Uint8Array, p: number, end: number): number {
  if (p < end) {
    const c = b[p] as number;
    if (c < 128) {
      V.lo = c;
      V.hi = 0;
      return p + 1;
    }
  }
  return varint(b, p, end);
}

/** Where a length-delimited value starts, set by \`ld\`. */
const L = { at: 0 };

/** A length-delimited value at b[p]: its start in L.at; its end, or -1 when it runs past \`end\`. */
function ld(b: Uint8Array, p: number, end: number): number {
  p = vi(b, p, end);
  if (p < 0 || V.hi !== 0 || p + V.lo > end) return -1;
  L.at = p;
  return p + V.lo;
}

/** The sint64 (zigzag) in V. */
const z64 = () => dec(((V.lo >>> 1) | ((V.hi & 1) << 31)) ^ -(V.lo & 1), (V.hi >>> 1) ^ -(V.lo & 1));

/** The fixed64 at r.buf[p]. */
function f64(r: DecodeReader, p: number): bigint | string {
  r.view ??= new DataView(r.buf.buffer, r.buf.byteOffset, r.buf.byteLength);
  return uDec(r.view.getInt32(p, true), r.view.getInt32(p + 4, true));
}

/** A constructor of messages that inherit protobuf-es's prototype (its defaults). */
function ctor(f: Function, proto: object): any {
  f.prototype = proto;
  return f;
}

/** A list at its length (a copy), or the empty one as it is. */
const fit = (a: unknown[]) => (a.length === 0 ? a : a.slice());

/** A sub-message in r.buf[at, q), by its decoder: undefined unless it is read to exactly q. */
function sub(r: DecodeReader, at: number, q: number, d: (r: DecodeReader) => Msg | undefined): Msg | undefined {
  const end = r.end;
  r.pos = at;
  r.end = q;
  const c = d(r);
  r.end = end;
  return c !== undefined && r.pos === q ? c : undefined;
}

/** @internal The decoders of every message of the schema, by type name (for criu-image's typed layer). */
export function entryDecoders(rt: DecoderRuntime): Record<string, EntryDecoder> {
  // Constructors, given their prototypes on first use.
  const P: any[] = [];
${[...sets].map(([name, values]) => `  const ${name} = new Set([${values.join(", ")}]);`).join("\n")}

${ctors.join("\n")}

${fns.join("\n\n")}

  return {
${messages.map((d) => `    ${JSON.stringify(d.typeName)}: ${fnName(d.typeName)},`).join("\n")}
  };
}
`;
writeFileSync(join(outDir, "decoders.ts"), text);
