// Writes src/gen/decoders.ts (run by `npm run generate`, after buf generate):
// one decoder per message of the CRIU schema, as plain TypeScript, so that
// no code is compiled at run time (a Content-Security-Policy page runs it
// too). Each decoder is a switch over its message's tags, reading each field
// in line and storing it by name; src/image/fast-decode.ts says what they
// give and when they give up to fromBinary.
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
 * The wire type of a scalar, and code that reads one at `p` into `v` (or
 * returns undefined). Only the types CRIU's schema uses: a field of another
 * (float, double, fixed32, sfixed) gets no case, and fromBinary reads it.
 */
function scalarCode(t) {
  // Every varint: one byte in line, longer ones through the one varint reader.
  const vi = (value) =>
    `{ const c = b[p] as number; if (p < end && c < 128) { p++; V.lo = c; V.hi = 0; } else { p = varint(b, p, end); if (p < 0) return undefined; } v = ${value}; }`;
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
        "if (p + 8 > end) return undefined; v = uDec(view(r).getInt32(p, true), view(r).getInt32(p + 4, true)); p += 8;",
      ];
    case ScalarType.STRING:
    case ScalarType.BYTES: {
      // Strings through the lossless codec, as fromBinary (with it installed) reads them.
      const value = t === ScalarType.STRING ? "rt.utf8(b.subarray(p, q))" : "b.subarray(p, q)";
      return [
        LEN,
        `{ p = varint(b, p, end); if (p < 0 || V.hi !== 0 || p + V.lo > end) return undefined; const q = p + V.lo; v = ${value}; p = q; }`,
      ];
    }
    default:
      return undefined;
  }
}

const tagOf = (no, wt) => no * 8 + wt;

/** Names in the generated file, one per message and per closed enum's value set. */
const fnName = (typeName) => `d_${typeName.replace(/\W/g, "_")}`;

/**
 * The cases of one field; `sets` collects the value sets of closed enums.
 * Undefined when the field is one the fast path leaves to fromBinary
 * altogether (oneof, map, group).
 */
function fieldCases(f, sets) {
  if (f.oneof || f.fieldKind === "map") return undefined;
  const key = JSON.stringify(f.localName);
  const no = f.number;
  if (f.fieldKind === "message" || (f.fieldKind === "list" && f.listKind === "message")) {
    if (f.delimitedEncoding) return undefined;
    const list = f.fieldKind === "list";
    // A second occurrence of a singular message merges into the first: fromBinary's work.
    return `case ${tagOf(no, LEN)}: {
        ${list ? "" : `if (Object.hasOwn(m, ${key})) return undefined;`}
        p = varint(b, p, end); if (p < 0 || V.hi !== 0 || p + V.lo > end) return undefined;
        const q = p + V.lo; r.pos = p; r.end = q;
        const c = ${fnName(f.message.typeName)}(r);
        r.end = end;
        if (c === undefined || r.pos !== q) return undefined;
        p = q;
        ${list ? `m[${key}].push(c);` : `m[${key}] = c;`}
        break;
      }`;
  }
  const isEnum = f.fieldKind === "enum" || (f.fieldKind === "list" && f.listKind === "enum");
  const code = scalarCode(isEnum ? ScalarType.INT32 : f.scalar);
  if (!code) return undefined;
  const [wt, read] = code;
  // Closed enums keep unknown values among the unknown fields: fromBinary's work.
  let check = "";
  if (isEnum && f.enum && !f.enum.open) {
    const name = `e_${f.enum.typeName.replace(/\W/g, "_")}`;
    sets.set(
      name,
      f.enum.values.map((e) => e.number),
    );
    check = `if (!${name}.has(v)) return undefined;`;
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
 * Code that makes the empty message `m` as protobuf-es's `create` makes it,
 * read off a message it made: its prototype (looked up at run time, once),
 * and its own properties in order (a fresh array per list, constants).
 */
function makeCode(desc, index) {
  const typeName = JSON.stringify(desc.typeName);
  const byCreate = `const m = rt.make(${typeName}) as Msg;`;
  const template = create(desc);
  const keys = Object.keys(template);
  if (keys[0] !== "$typeName") return byCreate;
  const lines = [
    Object.getPrototypeOf(template) === Object.prototype
      ? `const m: Msg = { $typeName: ${typeName} };`
      : `const m: Msg = Object.create((P[${index}] ??= rt.proto(${typeName}))); m.$typeName = ${typeName};`,
  ];
  for (const k of keys.slice(1)) {
    const v = template[k];
    const key = JSON.stringify(k);
    if (Array.isArray(v) && v.length === 0) lines.push(`m[${key}] = [];`);
    else if (typeof v === "number" || typeof v === "string" || typeof v === "boolean")
      lines.push(`m[${key}] = ${JSON.stringify(v)};`);
    // A map or oneof holder, a 64-bit or bytes default (CRIU's proto2 schema has none as own properties).
    else return byCreate;
  }
  return lines.join(" ");
}

// CRIU's messages; google.protobuf's descriptor messages (opts.proto extends them) are never entries.
const messages = [...schema()]
  .filter((t) => t.kind === "message" && !t.typeName.startsWith("google.protobuf."))
  .sort((a, b) => (a.typeName < b.typeName ? -1 : 1));
const sets = new Map();
const fns = messages.map((desc, i) => {
  const cases = desc.fields
    .map((f) => fieldCases(f, sets))
    .filter((c) => c !== undefined)
    .join("\n      ");
  return `  function ${fnName(desc.typeName)}(r: DecodeReader): Msg | undefined {
    // fromBinary's recursion limit is 100; past it, let fromBinary say so.
    if (++r.depth > 100) return undefined;
    const b = r.buf; const end = r.end; let p = r.pos;
    ${makeCode(desc, i)}
    while (p < end) {
      let t = b[p] as number;
      if (t < 128) p++;
      else { p = varint(b, p, end); if (p < 0 || V.hi !== 0) return undefined; t = V.lo; }
      switch (t) {
      ${cases}
      default: return undefined;
      }
    }
    r.pos = p; r.depth--;
    return m;
  }`;
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
const view = (r: DecodeReader): DataView => (r.view ??= new DataView(r.buf.buffer, r.buf.byteOffset, r.buf.byteLength));

/** @internal The decoders of every message of the schema, by type name (for criu-image's typed layer). */
export function entryDecoders(rt: DecoderRuntime): Record<string, EntryDecoder> {
  // Prototypes, looked up on first use.
  const P: object[] = [];
${[...sets].map(([name, values]) => `  const ${name} = new Set([${values.join(", ")}]);`).join("\n")}

${fns.join("\n\n")}

  return {
${messages.map((d) => `    ${JSON.stringify(d.typeName)}: ${fnName(d.typeName)},`).join("\n")}
  };
}
`;
writeFileSync(join(outDir, "decoders.ts"), text);
