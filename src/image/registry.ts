import { createRegistry, type DescMessage, type Registry } from "@bufbuild/protobuf";
import { allSchemaFiles } from "../gen/index.js";

/** The whole CRIU schema as one registry, built on first use. */
let registry: Registry | undefined;

export function schemaRegistry(): Registry {
  registry ??= createRegistry(...allSchemaFiles);
  return registry;
}

const cache = new Map<string, DescMessage>();

/** The message descriptor of a CRIU message name, e.g. "file_entry". */
export function messageSchema(name: string): DescMessage {
  let d = cache.get(name);
  if (!d) {
    d = schemaRegistry().getMessage(name);
    if (!d) throw new Error(`criu-image: no message ${name} in the schema`);
    cache.set(name, d);
  }
  return d;
}
