/**
 * The fast path of entry decoding: protobuf bytes straight into protobuf-es
 * messages, by decoders generated from the schema at `npm run generate`
 * time (src/gen/decoders.ts, by scripts/gen-decoders.mjs): a switch over
 * each message's field numbers, each field read in line and stored by name. Nothing
 * is compiled at run time, so a page with a Content-Security-Policy runs
 * them too.
 *
 * They give exactly what fromBinary gives: the message is made as
 * protobuf-es's `create` makes it, strings by the same lossless codec,
 * 64-bit values by `protoInt64`. They take the bytes CRIU writes: known
 * fields with their own wire types, known values of closed enums, each
 * singular message once. On anything else they give up (undefined) and
 * fromBinary decodes the entry, unknown fields, merges and errors included.
 *
 * Why generated: fromBinary's readers are closures shared by all fields, so
 * every call and store in its loop sees many shapes; here each field has
 * its own call sites. A files.img of 200k sockets decodes in well under
 * half the time (docs/performance.md).
 */
import { create, type DescMessage, type Message } from "@bufbuild/protobuf";
import { type DecodeReader, type EntryDecoder, entryDecoders } from "../gen/index.js";
import { messageSchema } from "./registry.js";
import { decodeUtf8Lossless } from "./text-codec.js";

/** The generated decoders, bound to this layer's codec and protobuf-es's messages on first use. */
let decoders: Record<string, EntryDecoder> | undefined;

function decoderOf(desc: DescMessage): EntryDecoder | undefined {
  decoders ??= entryDecoders({
    utf8: decodeUtf8Lossless,
    proto: (typeName) => Object.getPrototypeOf(create(messageSchema(typeName))),
    make: (typeName) => create(messageSchema(typeName)) as unknown as Record<string, unknown>,
  });
  return Object.hasOwn(decoders, desc.typeName) ? decoders[desc.typeName] : undefined;
}

/** One reader for every call (decoding is synchronous): nothing is allocated per entry but the message. */
const reader: DecodeReader = { buf: new Uint8Array(0), pos: 0, end: 0, depth: 0, view: undefined };

const EMPTY = new Uint8Array(0);

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
  const m = d(r) as Message | undefined;
  // Not kept: the bytes belong to the caller.
  r.buf = EMPTY;
  r.view = undefined;
  return m;
}
