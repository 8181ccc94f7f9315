/**
 * fast-check arbitraries derived from the CRIU schema by reflection: any
 * message of any entry kind, with every field kind the schema uses.
 */
import { create, type DescField, type DescMessage, type Message, ScalarType } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";
import fc from "fast-check";

const U32 = 0xffffffff;
const I32 = 0x7fffffff;

function scalarArb(t: ScalarType): fc.Arbitrary<unknown> {
  switch (t) {
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.oneof(fc.integer({ min: 0, max: 300 }), fc.integer({ min: 0, max: U32 }));
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.integer({ min: -I32 - 1, max: I32 });
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.bigInt({ min: 0n, max: 2n ** 64n - 1n });
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      // Up to 100 code points: past one quoted-printable line (76) and into multi-byte varint lengths.
      return fc.string({ unit: "binary", maxLength: 100 });
    case ScalarType.BYTES:
      // Up to 200 bytes: a length that needs a two-byte varint, and base64 lines of more than 76.
      return fc.uint8Array({ maxLength: 200 });
    case ScalarType.DOUBLE:
      return fc.double({ noNaN: true });
    case ScalarType.FLOAT:
      return fc.float({ noNaN: true });
  }
}

function singleArb(f: DescField, depth: number): fc.Arbitrary<unknown> {
  if (f.fieldKind === "enum" || (f.fieldKind === "list" && f.listKind === "enum")) {
    return fc.constantFrom(...f.enum!.values.map((v) => v.number));
  }
  if (f.fieldKind === "message" || (f.fieldKind === "list" && f.listKind === "message")) {
    return messageInitArb(f.message!, depth + 1);
  }
  const scalar = f.fieldKind === "scalar" ? f.scalar : f.fieldKind === "list" ? f.scalar! : ScalarType.BYTES;
  return scalarArb(scalar);
}

/** Init object for `create(desc, init)`. Depth stops recursive types (cgroup dirs). */
export function messageInitArb(desc: DescMessage, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const parts: Record<string, fc.Arbitrary<unknown>> = {};
  const required: string[] = [];
  for (const f of desc.fields) {
    const deep = depth >= 3;
    if (f.fieldKind === "list") {
      parts[f.localName] = deep ? fc.constant([]) : fc.array(singleArb(f, depth), { maxLength: depth > 0 ? 2 : 40 });
      required.push(f.localName);
    } else if (f.fieldKind === "map") {
    } else if (f.presence === FeatureSet_FieldPresence.LEGACY_REQUIRED) {
      parts[f.localName] = singleArb(f, depth);
      required.push(f.localName);
    } else if (!deep) {
      parts[f.localName] = singleArb(f, depth);
    }
  }
  return fc.record(parts, { requiredKeys: required });
}

export function messageArb(desc: DescMessage): fc.Arbitrary<Message> {
  return messageInitArb(desc).map((init) => create(desc, init as never) as Message);
}
