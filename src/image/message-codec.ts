/**
 * Protobuf decode/encode of single entries, made lossless: a decoded message
 * remembers the bytes it came from, and encoding a message that still equals
 * them returns those bytes. Unknown fields, unknown closed-enum values (which
 * protobuf-es moves to the end as unknown fields), non-canonical varints and
 * field order therefore all survive an unchanged round trip.
 */
import {
  create,
  createRegistry,
  type DescMessage,
  equals,
  fromBinary,
  type Message,
  mergeFromBinary,
  toBinary,
} from "@bufbuild/protobuf";
import { CriuImageError } from "../framing/errors.js";
import { fastDecode } from "./fast-decode.js";
import { installLosslessText } from "./text-codec.js";

/** A base whose constructor returns its argument, so a subclass adds its private fields to any object. */
class Returns {
  constructor(o: object) {
    // biome-ignore lint/correctness/noConstructorReturn: the point: fields land on `o`
    return o;
  }
}

/**
 * Where a decoded message keeps the bytes it came from: a private field,
 * added by constructing over the message. Nothing else sees it (keys,
 * symbols, spread, logs, deep equality, structuredClone), protobuf-es
 * ignores it (toBinary, equals; a clone is a new message without it), and
 * it costs next to nothing per message, where a non-enumerable symbol
 * property (Object.defineProperty) took a sixth of readImage's time and a
 * WeakMap of hundreds of thousands of entries slows every collection.
 */
class Original extends Returns {
  // The view's parts rather than the view: a typed array per message was a
  // tenth of what readImage kept per socket.
  #buffer: ArrayBufferLike;
  #offset: number;
  #length: number;
  constructor(msg: object, bytes: Uint8Array) {
    super(msg);
    this.#buffer = bytes.buffer;
    this.#offset = bytes.byteOffset;
    this.#length = bytes.byteLength;
  }
  /** The bytes `msg` was decoded from (a view of the same memory), or undefined. */
  static of(msg: object): Uint8Array | undefined {
    return #buffer in msg
      ? new Uint8Array((msg as Original).#buffer, (msg as Original).#offset, (msg as Original).#length)
      : undefined;
  }
}

/** equals() looks types up only for Any and extensions, which CRIU's messages do not have. */
const NO_TYPES = createRegistry();

/** Where a message sits, for errors. */
export interface Where {
  readonly image: string | undefined;
  readonly offset: number;
}

/** fromBinary, keeping every unknown value (see below). Throws what protobuf-es throws. */
function parse(desc: DescMessage, bytes: Uint8Array): Message {
  const fast = fastDecode(desc, bytes);
  if (fast) return fast;
  const msg = fromBinary(desc, bytes) as Message;
  // protobuf-es 2.17 keeps unknown closed-enum values in a second $unknown
  // array that the message reader then overwrites when the same message also
  // has unknown fields. Only then (rare) decode again from a shared array.
  if ((msg as { $unknown?: unknown[] }).$unknown === undefined) return msg;
  const target = create(desc) as Message & { $unknown?: unknown[] };
  target.$unknown = [];
  return mergeFromBinary(desc, target, bytes) as Message;
}

export function decodeMessage<T extends Message>(desc: DescMessage, bytes: Uint8Array, where: Where): T {
  installLosslessText();
  let msg: T;
  try {
    msg = parse(desc, bytes) as unknown as T;
  } catch (e) {
    throw entryError("BAD_ENTRY", where, `a valid ${desc.typeName} entry`, e);
  }
  new Original(msg, bytes);
  return msg;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

export function encodeMessage(desc: DescMessage, msg: Message, where: Where): Uint8Array {
  installLosslessText();
  const orig = Original.of(msg);
  let bytes: Uint8Array | undefined;
  let failure: Error | undefined;
  try {
    bytes = toBinary(desc, msg as never);
  } catch (e) {
    failure = e as Error;
  }
  if (orig) {
    if (bytes && sameBytes(bytes, orig)) return orig;
    // Not canonical, or incomplete (missing required fields): still ours to
    // write unchanged if the message equals what we decoded.
    try {
      const again = parse(desc, orig);
      if (equals(desc, again as never, msg as never, { registry: NO_TYPES, unknown: true })) return orig;
    } catch {
      // fall through to the encoder's verdict
    }
  }
  if (bytes) return bytes;
  throw entryError("INVALID", where, `a complete ${desc.typeName} entry`, failure);
}

/** The error of an entry that protobuf-es could not decode or encode, at its place in the image. */
function entryError(code: "BAD_ENTRY" | "INVALID", where: Where, expected: string, cause: unknown): CriuImageError {
  return new CriuImageError(code, where.image, where.offset, expected, (cause as Error).message);
}
