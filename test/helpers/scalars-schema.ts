/**
 * A message of every scalar type, for renderers that must handle types
 * CRIU's schema does not use today (double, float, fixed32, sfixed32,
 * sfixed64) and (criu) options on fields of any type. Built at run time
 * from a descriptor, with CRIU's own option extension.
 */
import { create, createFileRegistry, type DescMessage, setExtension } from "@bufbuild/protobuf";
import {
  FieldDescriptorProtoSchema,
  FieldOptionsSchema,
  FileDescriptorProtoSchema,
  FieldDescriptorProto_Label as Label,
  FieldDescriptorProto_Type as Type,
} from "@bufbuild/protobuf/wkt";
import { CRIU_OptsSchema, criu, file_opts } from "../../src/gen/opts_pb.js";

/** Field number, name, type, label, and (criu) options. */
const FIELDS: [number, string, Type, Label, Record<string, unknown>?][] = [
  [1, "d", Type.DOUBLE, Label.OPTIONAL],
  [2, "f", Type.FLOAT, Label.OPTIONAL],
  [3, "i32", Type.INT32, Label.OPTIONAL],
  [4, "i64", Type.INT64, Label.OPTIONAL],
  [5, "u32", Type.UINT32, Label.OPTIONAL],
  [6, "u64", Type.UINT64, Label.OPTIONAL],
  [7, "s32", Type.SINT32, Label.OPTIONAL],
  [8, "s64", Type.SINT64, Label.OPTIONAL],
  [9, "fx32", Type.FIXED32, Label.OPTIONAL],
  [10, "fx64", Type.FIXED64, Label.OPTIONAL],
  [11, "sfx32", Type.SFIXED32, Label.OPTIONAL],
  [12, "b", Type.BOOL, Label.OPTIONAL],
  [13, "s", Type.STRING, Label.OPTIONAL],
  [14, "sfx64", Type.SFIXED64, Label.OPTIONAL],
  [15, "by", Type.BYTES, Label.OPTIONAL],
  [16, "list", Type.UINT32, Label.REPEATED],
  [17, "sub", Type.MESSAGE, Label.OPTIONAL],
  [18, "e", Type.ENUM, Label.OPTIONAL],
  [19, "addr", Type.UINT32, Label.REPEATED, { ipadd: true }],
  [20, "hx", Type.UINT64, Label.OPTIONAL, { hex: true }],
  [21, "fx64hex", Type.FIXED64, Label.REPEATED, { hex: true }],
  [22, "dev", Type.UINT32, Label.OPTIONAL, { dev: true }],
  [23, "prot", Type.UINT32, Label.OPTIONAL, { flags: "mmap.prot" }],
  [24, "subs", Type.MESSAGE, Label.REPEATED],
  [25, "es", Type.ENUM, Label.REPEATED],
  [26, "shx", Type.INT64, Label.OPTIONAL, { hex: true }],
  // crit's dict tables are keyed by field name: this one is pstree's task state.
  [27, "task_state", Type.UINT32, Label.OPTIONAL, { dict: "gen" }],
  [28, "nodict", Type.UINT32, Label.OPTIONAL, { dict: "nope" }],
];

let made: DescMessage | undefined;

/** The message `t.Scalars`: fields above, `sub` and `subs` of its own type, `e` and `es` of enum `t.E` (A 0, B 1, C 7, D 65534). */
export function scalarsSchema(): DescMessage {
  if (made) return made;
  const file = create(FileDescriptorProtoSchema, {
    name: "t.proto",
    package: "t",
    syntax: "proto2",
    dependency: ["opts.proto"],
    messageType: [
      {
        name: "Scalars",
        field: FIELDS.map(([number, name, type, label, opts]) => {
          const options = create(FieldOptionsSchema);
          if (opts) setExtension(options, criu, create(CRIU_OptsSchema, opts));
          return create(FieldDescriptorProtoSchema, {
            number,
            name,
            type,
            label,
            jsonName: name,
            ...(type === Type.MESSAGE ? { typeName: ".t.Scalars" } : {}),
            ...(type === Type.ENUM ? { typeName: ".t.E" } : {}),
            ...(opts ? { options } : {}),
          });
        }),
      },
    ],
    enumType: [
      {
        name: "E",
        value: [
          { name: "A", number: 0 },
          { name: "B", number: 1 },
          { name: "C", number: 7 },
          // Past the renderers' table of names by number, as fd_types' CTL_TTY is.
          { name: "D", number: 65534 },
        ],
      },
    ],
  });
  const registry = createFileRegistry(file, (name) => (name === "opts.proto" ? file_opts : undefined));
  made = registry.getMessage("t.Scalars");
  if (!made) throw new Error("t.Scalars not in the registry");
  return made;
}
