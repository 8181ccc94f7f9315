/** The generated schema is built on first use, a file and its imports at a time, and behaves as protobuf-es's own. */
import { create, createRegistry, equals, fromBinary, isMessage, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { enumSchemas, file_entrySchema, inventory_entrySchema, messageSchemas } from "../../src/gen/index.js";
import { hydrated } from "../../src/gen-lazy/codegen.js";
import { enumValueName, messageSchema, schemaRegistry } from "../../src/index.js";

describe("lazy schema", () => {
  it("each generated descriptor stands in for the hydrated one, which protobuf-es builds on first use", () => {
    // Vitest resolves src/gen's codegenv2 import as the bundles do (vitest.config.ts).
    expect(hydrated(file_entrySchema)).not.toBe(file_entrySchema);
    expect(hydrated(hydrated(file_entrySchema))).toBe(hydrated(file_entrySchema));
    expect(file_entrySchema.typeName).toBe("file_entry");
    expect(file_entrySchema.kind).toBe("message");
    expect(file_entrySchema.fields.map((f) => f.name)).toEqual(hydrated(file_entrySchema).fields.map((f) => f.name));
    expect("fields" in file_entrySchema).toBe(true);
    expect(Object.keys(file_entrySchema)).toEqual(Object.keys(hydrated(file_entrySchema)));
  });

  it("works with protobuf-es: create, toBinary, fromBinary, equals, isMessage, registries", () => {
    const m = create(inventory_entrySchema, { imgVersion: 2, fdinfoPerId: true, dumpCriuRunId: "x" });
    const bytes = toBinary(inventory_entrySchema, m);
    const back = fromBinary(inventory_entrySchema, bytes);
    expect(equals(inventory_entrySchema, m, back)).toBe(true);
    expect(isMessage(back, inventory_entrySchema)).toBe(true);
    expect(toBinary(hydrated(inventory_entrySchema), back)).toEqual(bytes);
    expect(createRegistry(inventory_entrySchema).getMessage("inventory_entry")?.typeName).toBe("inventory_entry");
  });

  it("names every message and enum of the schema, and finds them as the whole registry does", () => {
    const reg = schemaRegistry();
    let messages = 0;
    for (const t of reg) {
      if (t.kind === "message") {
        expect(messageSchema(t.typeName)).toBe(t);
        messages++;
      }
      if (t.kind === "enum") expect(hydrated(enumSchemas[t.typeName])).toBe(t);
    }
    expect(Object.keys(messageSchemas).length).toBe(messages);
    expect(messages).toBeGreaterThan(100); // CRIU 4.2's schema has about 150
    expect(enumValueName("fd_types", 5)).toBe(reg.getEnum("fd_types")?.values.find((v) => v.number === 5)?.name);
  });
});

describe("enumValueName", () => {
  it("takes the enum's schema or its proto name, with the same answers", async () => {
    const { fd_typesSchema } = await import("../../src/gen/index.js");
    for (const v of hydrated(fd_typesSchema).values) {
      expect(enumValueName(fd_typesSchema, v.number)).toBe(v.name);
      expect(enumValueName("fd_types", v.number)).toBe(v.name);
    }
    expect(enumValueName(fd_typesSchema, 9999)).toBeUndefined();
  });
});
