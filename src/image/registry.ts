import { createRegistry, type DescEnum, type DescMessage, type Registry } from "@bufbuild/protobuf";
import { CriuImageError } from "../framing/errors.js";
import { allSchemaFiles, enumSchemas, hydrated, messageSchemas } from "../gen/index.js";

/** The whole CRIU schema as one registry, built on first use (it builds every file of the schema). */
let registry: Registry | undefined;

/** A protobuf-es registry of the whole CRIU schema (for `toJson`, `Any` and the like), built on first call; `messageSchema` is cheaper when one message is enough. */
export function schemaRegistry(): Registry {
  registry ??= createRegistry(...allSchemaFiles.map(hydrated));
  return registry;
}

/**
 * The message descriptor of a CRIU message name, e.g. "file_entry". Only
 * its file and the files that file imports are built, not the whole schema
 * (and each only once: the generated descriptors build themselves on first use).
 */
export function messageSchema(name: string): DescMessage {
  const lazy = Object.hasOwn(messageSchemas, name) ? messageSchemas[name] : undefined;
  if (!lazy) throw new CriuImageError("INVALID", undefined, 0, "a message of the CRIU schema", `no message ${name}`);
  return hydrated(lazy);
}

/** The enum descriptor of a CRIU enum name, e.g. "fd_types", or undefined. */
export function enumSchema(name: string): DescEnum | undefined {
  const lazy = Object.hasOwn(enumSchemas, name) ? enumSchemas[name] : undefined;
  return lazy ? hydrated(lazy) : undefined;
}
