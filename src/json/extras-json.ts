/**
 * JSON shapes of extra payloads, as crit writes them: base64 strings, TCP
 * queues as {inq, outq}, semaphores as a list, IPC messages as a flat list
 * of (ipc_msg, base64) pairs. One row per framing rule.
 */
import { type Message, toBinary } from "@bufbuild/protobuf";
import type { ExtraRule } from "../framing/kinds.js";
import type { ipc_msg, ipc_sem_entry, pipe_data_entry, sk_packet_entry, tcp_stream_entry } from "../gen/index.js";
import type { IpcMessage, SemValues, ShmContents, TcpQueues } from "../image/kind-types.js";
import { messageSchema } from "../image/registry.js";
import { decodeMimeBase64, encodeMimeBase64 } from "./base64.js";
import { JsonNumber } from "./errors.js";
import { messageJson } from "./message-json.js";
import { pyContainer, pyString } from "./python-json.js";

export interface ExtraJson {
  /** Rendered JSON, or undefined when the entry has no payload to show. */
  toJson(msg: Message, extra: unknown, pretty: boolean, depth: number): string | undefined;
  /** Payload size for --nopl, or undefined when crit shows no "extra". */
  size(msg: Message, extra: unknown): number | undefined;
  /** The typed extra from parsed JSON (undefined when the key was absent). */
  fromJson(msg: Message, value: unknown, ctx: FromJsonContext): unknown;
}

export interface FromJsonContext {
  /** Builds a message of `type` from crit's dict form. */
  message(type: string, value: unknown, path: string): Message;
  fail(path: string, expected: string): never;
  path: string;
}

const b64 = (b: Uint8Array | undefined) => pyString(encodeMimeBase64(b ?? new Uint8Array(0)));

function bytesFrom(value: unknown, ctx: FromJsonContext, path: string): Uint8Array {
  if (typeof value !== "string") ctx.fail(path, "a base64 string");
  return decodeMimeBase64(value);
}

const blob = (size: (m: Message) => number): ExtraJson => ({
  toJson: (_m, extra) => (extra === undefined ? undefined : b64(extra as Uint8Array)),
  size: (m) => size(m),
  fromJson: (_m, value, ctx) => (value === undefined ? undefined : bytesFrom(value, ctx, `${ctx.path}.extra`)),
});

/** The value of a parsed JSON number. */
function intOf(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  if (v instanceof JsonNumber) return Number(v.text);
  return undefined;
}

export const EXTRA_JSON: Partial<Record<ExtraRule, ExtraJson>> = {
  "pipe-data": blob((m) => (m as pipe_data_entry).bytes),
  "sk-queue": blob((m) => (m as sk_packet_entry).length),
  "bpfmap-data": blob((m) => {
    const e = m as unknown as { keysBytes: number; valuesBytes: number };
    return e.keysBytes + e.valuesBytes;
  }),
  "ghost-file": {
    toJson: (_m, extra) => (extra === undefined ? undefined : b64(extra as Uint8Array)),
    // crit shows no "extra" for ghost files without payload.
    size: () => undefined,
    fromJson: (_m, value, ctx) => (value === undefined ? undefined : bytesFrom(value, ctx, `${ctx.path}.extra`)),
  },
  "tcp-stream": {
    toJson(_m, extra, pretty, depth) {
      const q = extra as TcpQueues;
      return pyContainer("{", "}", [`"inq": ${b64(q.inq)}`, `"outq": ${b64(q.outq)}`], pretty, depth);
    },
    size: (m) => (m as tcp_stream_entry).inqLen + (m as tcp_stream_entry).outqLen,
    fromJson(_m, value, ctx) {
      if (value === undefined) return undefined;
      if (!value || typeof value !== "object") ctx.fail(`${ctx.path}.extra`, "an object with inq and outq");
      const v = value as { inq?: unknown; outq?: unknown };
      return {
        inq: bytesFrom(v.inq ?? "", ctx, `${ctx.path}.extra.inq`),
        outq: bytesFrom(v.outq ?? "", ctx, `${ctx.path}.extra.outq`),
      };
    },
  },
  "ipc-sem": {
    toJson: (_m, extra, pretty, depth) => pyContainer("[", "]", (extra as SemValues).values.map(String), pretty, depth),
    size: (m) => 2 * (m as ipc_sem_entry).nsems,
    fromJson(_m, value, ctx) {
      if (value === undefined) return undefined;
      if (!Array.isArray(value)) ctx.fail(`${ctx.path}.extra`, "a list of semaphore values");
      return {
        values: (value as unknown[]).map((x, i) => {
          const n = intOf(x);
          if (n === undefined || !Number.isInteger(n) || n < 0 || n > 0xffff)
            ctx.fail(`${ctx.path}.extra[${i}]`, "a u16");
          return n as number;
        }),
      } satisfies SemValues;
    },
  },
  "ipc-shm": {
    toJson: (_m, extra) => (extra === undefined ? undefined : b64((extra as ShmContents).data)),
    size: (_m, extra) => (extra === undefined ? undefined : (extra as ShmContents).data.length),
    fromJson: (_m, value, ctx) =>
      value === undefined ? undefined : { data: bytesFrom(value, ctx, `${ctx.path}.extra`) },
  },
  "ipc-msg": {
    toJson(_m, extra, pretty, depth) {
      const desc = messageSchema("ipc_msg");
      const items: string[] = [];
      for (const x of extra as IpcMessage[]) {
        // crit renders the message headers without --pretty conversions even in pretty mode.
        items.push(messageJson(x.msg, desc, { layout: pretty, convert: false }, depth + 1), b64(x.data));
      }
      return pyContainer("[", "]", items, pretty, depth);
    },
    size: (_m, extra) =>
      // As crit counts it: each ipc_msg's encoded size plus its text, without prefixes or padding.
      (extra as IpcMessage[]).reduce((s, x) => s + toBinary(messageSchema("ipc_msg"), x.msg).length + x.msg.msize, 0),
    fromJson(_m, value, ctx) {
      if (value === undefined) return undefined;
      if (!Array.isArray(value) || value.length % 2 !== 0)
        ctx.fail(`${ctx.path}.extra`, "a list of (ipc_msg, data) pairs");
      const list = value as unknown[];
      const out: IpcMessage[] = [];
      for (let i = 0; i < list.length; i += 2) {
        const msg = ctx.message("ipc_msg", list[i], `${ctx.path}.extra[${i}]`) as ipc_msg;
        const data = bytesFrom(list[i + 1], ctx, `${ctx.path}.extra[${i + 1}]`);
        // crit writes only msize bytes of the text, whatever the data holds.
        out.push({ msg, data: data.length > msg.msize ? data.subarray(0, msg.msize) : data });
      }
      return out;
    },
  },
};
