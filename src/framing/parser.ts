/**
 * The entry parser, written once as a generator that asks for bytes, so the
 * sync reader (which has them all) and the streaming reader (which waits for
 * chunks) share every rule and every error.
 */
import { CriuImageError } from "./errors.js";
import type { ImageKindInfo } from "./kinds.js";
import { entrySchema, msgTextSize, newRuleState, planExtra, type RuleState, roundUp } from "./rules.js";
import type { FramedEntry } from "./types.js";
import type { WireError } from "./wire.js";

/**
 * Exactly `n` bytes; `boundary` means EOF here is the normal end. `what`
 * names them for a TRUNCATED error; an entry's payload is named by its
 * `schema` instead (see whatOf), so that nothing is built per entry.
 */
export interface ReadRequest {
  readonly type: "read";
  readonly n: number;
  readonly what: string | undefined;
  readonly schema: string;
  readonly boundary: boolean;
}

/** What a read request asks for, in an error's words. */
export const whatOf = (r: ReadRequest): string => r.what ?? `${r.n} bytes of a ${r.schema} entry`;

/** Asks the driver for bytes: a read, or every remaining byte. */
export type ParserRequest = ReadRequest | { readonly type: "rest" };

/** What the parser yields: a request for bytes, or a finished entry. */
export type ParserStep = ParserRequest | { readonly type: "entry"; readonly entry: FramedEntry };

/**
 * The answer to a request: the bytes, or undefined at EOF on a boundary.
 * Drivers throw TRUNCATED themselves when a non-boundary read hits EOF.
 */
export type ParserInput = Uint8Array | undefined;

const u32le = (b: Uint8Array) =>
  ((b[0] as number) | ((b[1] as number) << 8) | ((b[2] as number) << 16) | ((b[3] as number) << 24)) >>> 0;

function concat(parts: Uint8Array[], total: number): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const NO_PAYLOAD = new Uint8Array(0);

export function* entryParser(
  kind: ImageKindInfo,
  name: string | undefined,
  start: number,
): Generator<ParserStep, void, ParserInput> {
  let pos = start;
  const state: RuleState = newRuleState();
  // The two reads of every entry, one object each: the driver is done with
  // a request before the parser resumes.
  const sizeRequest: ReadRequest = { type: "read", n: 4, what: "a 4-byte entry size", schema: "", boundary: true };
  const payloadRequest = { type: "read" as const, n: 0, what: undefined, schema: "", boundary: false };
  const entryStep: { type: "entry"; entry: FramedEntry } = {
    type: "entry",
    entry: { schema: "", payload: NO_PAYLOAD },
  };
  for (;;) {
    const schema = entrySchema(kind, state.index);
    const sizeBytes = yield sizeRequest;
    if (sizeBytes === undefined) return;
    const offset = pos;
    const size = u32le(sizeBytes);
    pos += 4;
    payloadRequest.n = size;
    payloadRequest.schema = schema;
    const payload = (yield payloadRequest) as Uint8Array;
    pos += size;
    const plan = planExtra(kind, payload, state, name, offset);
    let extra: Uint8Array | undefined;
    let last = false;
    switch (plan.type) {
      case "none":
        break;
      case "bytes":
        extra = (yield {
          type: "read",
          n: plan.length,
          what: `${plan.length} bytes of ${plan.what}`,
          schema,
          boundary: false,
        }) as Uint8Array;
        pos += plan.length;
        break;
      case "rest":
        extra = (yield { type: "rest" }) as Uint8Array;
        pos += extra.length;
        last = true;
        break;
      case "msg-records": {
        const parts: Uint8Array[] = [];
        let total = 0;
        for (let i = 0; i < plan.count; i++) {
          const sz = (yield {
            type: "read",
            n: 4,
            what: `the size of IPC message ${i + 1} of ${plan.count}`,
            schema,
            boundary: false,
          }) as Uint8Array;
          const hdrLen = u32le(sz);
          const hdr = (yield {
            type: "read",
            n: hdrLen,
            what: `${hdrLen} bytes of an ipc_msg entry`,
            schema,
            boundary: false,
          }) as Uint8Array;
          let msize: number;
          try {
            msize = msgTextSize(hdr);
          } catch (e) {
            throw new CriuImageError(
              "BAD_ENTRY",
              name,
              pos + 4,
              "an ipc_msg entry with msize",
              (e as WireError).message,
            );
          }
          const padded = roundUp(msize, 8);
          const text = (yield {
            type: "read",
            n: padded,
            what: `${padded} bytes of IPC message text`,
            schema,
            boundary: false,
          }) as Uint8Array;
          parts.push(sz, hdr, text);
          total += 4 + hdrLen + padded;
          pos += 4 + hdrLen + padded;
        }
        extra = concat(parts, total);
        break;
      }
    }
    entryStep.entry = extra ? { schema, payload, extra, offset } : { schema, payload, offset };
    yield entryStep;
    state.index++;
    if (last) return;
  }
}
