/**
 * Per-message plans for crit JSON: fields in number order (what protobuf's
 * ListFields gives crit) with the (criu) options that change how they show.
 */
import {
  type DescEnum,
  type DescField,
  type DescMessage,
  getExtension,
  hasExtension,
  ScalarType,
} from "@bufbuild/protobuf";
import { criu } from "../gen/opts_pb.js";
import { asciiBytes } from "./byte-out.js";
import { DICT_MAPS } from "./pretty-maps.js";
import { pyString } from "./python-json.js";

export interface FieldPlan {
  readonly field: DescField;
  readonly name: string;
  readonly localName: string;
  /** The field name as a JSON key, rendered once. */
  readonly key: string;
  /** `"name": ` as ASCII bytes, for the byte writer. */
  readonly keyBytes: Uint8Array;
  /** `, "name": `: the compact separator and the key, as one. */
  readonly compactSepKey: Uint8Array;
  readonly number: number;
  readonly repeated: boolean;
  /** "scalar" | "enum" | "message" for the field or its list elements. */
  readonly kind: "scalar" | "enum" | "message";
  readonly scalar: ScalarType | undefined;
  readonly enumDesc: DescEnum | undefined;
  readonly message: DescMessage | undefined;
  readonly hex: boolean;
  readonly ipadd: boolean;
  readonly flags: string | undefined;
  readonly dev: boolean;
  readonly odev: boolean;
  readonly dict: string | undefined;
  readonly conv: string | undefined;
  /** Integer scalar types, which the pretty conversions apply to. */
  readonly integer: boolean;
  /** No dev, flags or dict option: pretty mode shows it as a number (unless hex). */
  readonly plain: boolean;
  /** The (criu).dict table for this field, if any. */
  readonly dictMap: Readonly<Record<number, string>> | undefined;
  /** The same names as JSON string bytes, by value. */
  readonly dictBytes: readonly (Uint8Array | undefined)[] | undefined;
  /** An enum field's value names as JSON string bytes, by number. */
  readonly enumBytes: readonly (Uint8Array | undefined)[] | undefined;
}

export interface MessagePlan {
  readonly fields: readonly FieldPlan[];
  readonly byName: ReadonlyMap<string, FieldPlan>;
  readonly byNumber: ReadonlyMap<number, FieldPlan>;
  /** Fields indexed by number (sparse), for the hot path. */
  readonly numbered: readonly (FieldPlan | undefined)[];
}

const NON_INTEGER = new Set([
  ScalarType.BOOL,
  ScalarType.STRING,
  ScalarType.BYTES,
  ScalarType.DOUBLE,
  ScalarType.FLOAT,
]);

const plans = new WeakMap<DescMessage, MessagePlan>();

function planField(f: DescField): FieldPlan {
  const opts = f.proto.options && hasExtension(f.proto.options, criu) ? getExtension(f.proto.options, criu) : undefined;
  const repeated = f.fieldKind === "list";
  // A field (or list) of enums has its enum, of messages its message; a scalar one has its scalar type. CRIU has no maps.
  const kind = f.enum ? "enum" : f.message ? "message" : "scalar";
  const scalar = (f as { scalar?: ScalarType }).scalar;
  return {
    field: f,
    name: f.name,
    localName: f.localName,
    key: pyString(f.name),
    keyBytes: asciiBytes(`${pyString(f.name)}: `),
    compactSepKey: asciiBytes(`, ${pyString(f.name)}: `),
    number: f.number,
    repeated,
    kind,
    // Every plan has every property, so the renderers' loops see one object shape.
    scalar,
    enumDesc: f.enum,
    message: f.message,
    hex: opts?.hex ?? false,
    ipadd: opts?.ipadd ?? false,
    flags: opts?.flags || undefined,
    dev: opts?.dev ?? false,
    odev: opts?.odev ?? false,
    dict: opts?.dict || undefined,
    conv: opts?.conv || undefined,
    integer: scalar !== undefined && !NON_INTEGER.has(scalar),
    plain: !opts?.dev && !opts?.flags && !opts?.dict,
    ...dictOf(opts?.dict, f.name),
    enumBytes: f.enum ? enumBytesOf(f.enum) : undefined,
  };
}

function enumBytesOf(e: DescEnum): (Uint8Array | undefined)[] {
  // Indexed by number, big ones (fd_types' CTL_TTY, 65534) included: V8 keeps such an array sparse.
  const out: (Uint8Array | undefined)[] = [];
  for (const v of e.values) out[v.number] = asciiBytes(pyString(v.name));
  return out;
}

function dictOf(
  dict: string | undefined,
  field: string,
): { dictMap: Readonly<Record<number, string>> | undefined; dictBytes: (Uint8Array | undefined)[] | undefined } {
  const map = dict ? DICT_MAPS[dict]?.[field] : undefined;
  if (!map) return { dictMap: undefined, dictBytes: undefined };
  const bytes: (Uint8Array | undefined)[] = [];
  for (const [k, name] of Object.entries(map)) bytes[Number(k)] = asciiBytes(pyString(name));
  return { dictMap: map, dictBytes: bytes };
}

function numberedOf(fields: FieldPlan[]): (FieldPlan | undefined)[] {
  const out: (FieldPlan | undefined)[] = [];
  for (const f of fields) out[f.number] = f;
  return out;
}

export function planOf(desc: DescMessage): MessagePlan {
  let p = plans.get(desc);
  if (!p) {
    const fields = [...desc.fields].sort((a, b) => a.number - b.number).map(planField);
    p = {
      fields,
      byName: new Map(fields.map((f) => [f.name, f])),
      byNumber: new Map(fields.map((f) => [f.number, f])),
      numbered: numberedOf(fields),
    };
    plans.set(desc, p);
  }
  return p;
}
