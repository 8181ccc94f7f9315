/**
 * Arbitrary whole images of every entry kind, with extras that agree with
 * their entries the way CRIU writes them.
 */
import { clone, type Message } from "@bufbuild/protobuf";
import fc from "fast-check";
import { type CriuImage, IMAGE_KINDS, type ImageKindInfo, messageSchema } from "../../src/index.js";
import { messageArb } from "./arbitrary.js";

export const ENTRY_KINDS = IMAGE_KINDS.filter((k) => !k.raw);

type M = Message & Record<string, unknown>;

// Extras up to 300 bytes: past every padding (4, 8) and past one byte of length.
const bytesArb = fc.uint8Array({ maxLength: 300 });

/** Entries and extras for one kind; `fix` makes each entry announce its extra. */
function entriesArb(kind: ImageKindInfo): fc.Arbitrary<{ entries: M[]; extras?: unknown[] }> {
  const first = messageArb(messageSchema(kind.schema)) as fc.Arbitrary<M>;
  const rest = messageArb(messageSchema(kind.schemaRest ?? kind.schema)) as fc.Arbitrary<M>;
  const list = (n: number) => fc.tuple(first, fc.array(rest, { maxLength: n }));
  switch (kind.extra) {
    case "none":
    case "pagemap":
      return list(4).map(([a, b]) => ({ entries: [a, ...b] }));
    case "ghost-file":
      return fc.oneof(
        fc.tuple(first, bytesArb).map(([generated, blob]) => {
          const h = clone(messageSchema(kind.schema), generated as never) as M;
          h.chunks = false;
          return { entries: [h], extras: [blob] };
        }),
        fc.tuple(first, fc.array(fc.tuple(rest, bytesArb), { maxLength: 3 })).map(([generated, chunks]) => {
          const h = clone(messageSchema(kind.schema), generated as never) as M;
          h.chunks = true;
          const copies = chunks.map(([c, d]) => {
            const cc = clone(messageSchema(kind.schemaRest as string), c as never) as M;
            cc.len = BigInt(d.length);
            return cc;
          });
          return { entries: [h, ...copies], extras: [undefined, ...chunks.map((c) => c[1])] };
        }),
      );
    default: {
      const one = fc.tuple(
        first,
        bytesArb,
        bytesArb,
        // Semaphore sets up to 40: blocks that need padding and ones that do not.
        fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 }),
        fc.boolean(),
        fc.array(fc.tuple(messageArb(messageSchema("ipc_msg")) as fc.Arbitrary<M>, bytesArb), { maxLength: 3 }),
      );
      return fc.array(one, { minLength: 1, maxLength: 3 }).map((items) => {
        const entries: M[] = [];
        const extras: unknown[] = [];
        for (const [generated, a, b, sems, inPagemaps, msgs] of items) {
          // fast-check may hand the same generated object to several runs while
          // shrinking: change copies, never the generated messages themselves.
          const m = clone(messageSchema(kind.schema), generated as never) as M;
          const copies = msgs.map(
            ([msg, data]) => [clone(messageSchema("ipc_msg"), msg as never) as M, data] as [M, Uint8Array],
          );
          entries.push(m);
          extras.push(fixExtra(kind, m, a, b, sems, inPagemaps, copies));
        }
        return { entries, extras };
      });
    }
  }
}

function fixExtra(
  kind: ImageKindInfo,
  m: M,
  a: Uint8Array,
  b: Uint8Array,
  sems: number[],
  inPagemaps: boolean,
  msgs: [M, Uint8Array][],
): unknown {
  switch (kind.extra) {
    case "pipe-data":
      m.bytes = a.length;
      return a;
    case "sk-queue":
      m.length = a.length;
      return a;
    case "bpfmap-data":
      m.keysBytes = a.length;
      m.valuesBytes = b.length;
      return Uint8Array.from([...a, ...b]);
    case "tcp-stream":
      m.inqLen = a.length;
      m.outqLen = b.length;
      return { inq: a, outq: b };
    case "ipc-sem":
      m.nsems = sems.length;
      return { values: sems };
    case "ipc-shm":
      m.inPagemaps = inPagemaps;
      if (inPagemaps) return undefined;
      m.size = BigInt(a.length);
      return { data: a };
    case "ipc-msg":
      m.qnum = msgs.length;
      return msgs.map(([msg, data]) => {
        msg.msize = data.length;
        return { msg, data };
      });
    default:
      throw new Error(`no extra model for ${kind.extra}`);
  }
}

/** An arbitrary image of this kind, in v1 or v1.1 format. */
export function imageArb(kind: ImageKindInfo): fc.Arbitrary<CriuImage> {
  return fc.tuple(entriesArb(kind), fc.boolean()).map(
    ([e, v1]) =>
      ({
        kind: kind.kind,
        format: v1 ? "v1" : "v1.1",
        magic: kind.magic,
        entries: e.entries,
        ...(e.extras ? { extras: e.extras } : {}),
      }) as unknown as CriuImage,
  );
}
