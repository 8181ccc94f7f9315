/**
 * The generated decoders against fromBinary: whenever the fast path gives a
 * message, it is the message fromBinary gives (same fields, same own
 * properties, same prototype), on the corpus, on every message type of the
 * schema, and on damaged bytes.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type DescMessage, equals, fromBinary, type Message, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { readFramed } from "../../src/framing/index.js";
import { entryDecoders } from "../../src/gen/index.js";
import { fastDecode } from "../../src/image/fast-decode.js";
import { messageSchema, schemaRegistry } from "../../src/image/registry.js";
import { installLosslessText } from "../../src/image/text-codec.js";
import { messageArb } from "../helpers/arbitrary.js";
import { corpusRoot } from "../helpers/corpus.js";

installLosslessText();

/** Own properties, recursively, with values as fromBinary would set them: what a user or a deep comparison sees. */
function shape(v: unknown): unknown {
  if (v instanceof Uint8Array) return { bytes: [...v] };
  if (Array.isArray(v)) return v.map(shape);
  if (typeof v === "object" && v !== null) {
    // The prototype itself (not a copy) and the own keys in their order, as Object.keys and JSON.stringify see them.
    const out: Record<string, unknown> = { proto: Object.getPrototypeOf(v), keys: Object.keys(v) };
    for (const k of Object.keys(v)) out[k] = shape((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Fast and fromBinary agree on `bytes`: the same message, or the fast path gave up. */
function agree(desc: DescMessage, bytes: Uint8Array): "fast" | "fallback" {
  const fast = fastDecode(desc, bytes);
  if (fast === undefined) return "fallback";
  const slow = fromBinary(desc, bytes) as Message;
  expect(equals(desc, fast as never, slow as never)).toBe(true);
  expect(shape(fast)).toStrictEqual(shape(slow));
  expect(Object.getPrototypeOf(fast)).toBe(Object.getPrototypeOf(slow));
  return "fast";
}

const allMessages = [...schemaRegistry()].filter((t): t is DescMessage => t.kind === "message");

// The message types with a generated decoder: those of images with many entries, and what they contain.
const generated = new Set(Object.keys(entryDecoders({ utf8: () => "", proto: () => ({}), make: () => ({}) })));

describe("generated decoders", () => {
  it("give fromBinary's message for every entry of every corpus image", () => {
    let fast = 0;
    let total = 0;
    const walk = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
        d.isDirectory() ? walk(join(dir, d.name)) : d.name.endsWith(".img") ? [join(dir, d.name)] : [],
      );
    for (const file of walk(join(corpusRoot, "images"))) {
      const name = file.split("/").pop() as string;
      let img: ReturnType<typeof readFramed>;
      try {
        img = readFramed(new Uint8Array(readFileSync(file)), { name });
      } catch {
        continue; // not an image the framing reads (tested elsewhere)
      }
      for (const e of img.entries) {
        const way = agree(messageSchema(e.schema), e.payload);
        if (!generated.has(e.schema)) {
          expect(way).toBe("fallback");
          continue;
        }
        total++;
        if (way === "fast") fast++;
      }
    }
    // What CRIU writes is what the fast path is for.
    expect(total).toBeGreaterThan(500);
    expect(fast).toBeGreaterThan(0.95 * total);
  });

  it("are generated for the entries of many-entry images and every message inside them", () => {
    for (const name of ["file_entry", "fdinfo_entry", "pagemap_entry", "inet_sk_entry", "unix_sk_entry", "mm_entry"])
      expect(generated.has(name), name).toBe(true);
    for (const name of generated)
      for (const f of messageSchema(name).fields) if (f.message) expect(generated.has(f.message.typeName)).toBe(true);
    // Images of a few entries are left to fromBinary: every decoder is parsed at import.
    expect(generated.has("core_entry")).toBe(false);
  });

  it("give fromBinary's message for any message of a generated type (fromBinary decodes the others)", () => {
    for (const desc of allMessages) {
      fc.assert(
        fc.property(messageArb(desc), (m) => {
          expect(agree(desc, toBinary(desc, m as never))).toBe(generated.has(desc.typeName) ? "fast" : "fallback");
        }),
        { numRuns: 15 },
      );
    }
  });

  it("give fromBinary's message or give up on damaged bytes, never another message", () => {
    const types = allMessages.filter((d) => d.fields.length > 3 && generated.has(d.typeName));
    fc.assert(
      fc.property(
        fc
          .constantFrom(...types)
          .chain((desc) =>
            fc.tuple(
              fc.constant(desc),
              messageArb(desc),
              fc.array(fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }), { maxLength: 3 }),
              fc.nat(),
            ),
          ),
        ([desc, m, flips, cut]) => {
          const bytes = toBinary(desc, m as never).slice();
          if (bytes.length === 0) return;
          for (const f of flips) bytes[f.at % bytes.length] = (bytes[f.at % bytes.length] as number) ^ f.xor;
          const damaged = bytes.subarray(0, bytes.length - (cut % 3));
          let slow: Message | undefined;
          try {
            slow = fromBinary(desc, damaged) as Message;
          } catch {
            slow = undefined;
          }
          const fast = fastDecode(desc, damaged);
          if (fast === undefined) return;
          expect(slow, "the fast path read bytes fromBinary refuses").toBeDefined();
          expect(equals(desc, fast as never, slow as never)).toBe(true);
          expect(shape(fast)).toStrictEqual(shape(slow));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("need no code compiled at run time: they decode with Function and eval refused (a Content-Security-Policy)", () => {
    const desc = messageSchema("file_entry");
    const realFunction = globalThis.Function;
    const realEval = Reflect.get(globalThis, "eval");
    const refuse = () => {
      throw new EvalError("Refused to evaluate a string as JavaScript");
    };
    globalThis.Function = refuse as unknown as FunctionConstructor;
    Reflect.set(globalThis, "eval", refuse);
    try {
      expect(agree(desc, Uint8Array.of(0x08, 1, 0x10, 7))).toBe("fast");
      expect(agree(messageSchema("inet_sk_entry"), Uint8Array.of(0x08, 1))).toBe("fast");
    } finally {
      globalThis.Function = realFunction;
      Reflect.set(globalThis, "eval", realEval);
    }
  });

  it("leave unknown fields, unknown closed-enum values and repeated singular messages to fromBinary", () => {
    const desc = messageSchema("inet_sk_entry");
    // Field 999, a varint: unknown.
    expect(fastDecode(desc, Uint8Array.of(0xb8, 0x3e, 1))).toBeUndefined();
    expect(fastDecode(desc, Uint8Array.of(0x08, 1))).toBeDefined();
    const file = messageSchema("file_entry");
    // type (field 1, closed enum fd_types) = 99: not a known value.
    expect(fastDecode(file, Uint8Array.of(0x08, 99, 0x10, 1))).toBeUndefined();
    expect(fastDecode(file, Uint8Array.of(0x08, 1, 0x10, 1))).toBeDefined();
    // isk (field 4) twice: the second merges into the first.
    expect(fastDecode(file, Uint8Array.of(0x08, 4, 0x10, 1, 0x22, 0, 0x22, 0))).toBeUndefined();
  });
});
