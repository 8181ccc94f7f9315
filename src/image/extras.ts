/**
 * Typed views of extra payloads, one codec per framing rule. Decoding keeps
 * every byte (non-zero padding included); encoding checks that the value
 * agrees with the lengths its entry announces, since CRIU trusts them.
 */
import type { Message } from "@bufbuild/protobuf";
import { CriuImageError } from "../framing/errors.js";
import type { ExtraRule } from "../framing/kinds.js";
import { splitMsgRecords } from "../framing/msg-records.js";
import { roundUp } from "../framing/rules.js";
import type { ipc_msg, ipc_msg_entry, ipc_sem_entry, ipc_shm_entry, tcp_stream_entry } from "../gen/index.js";
import type { IpcMessage, SemValues, ShmContents, TcpQueues } from "./kind-types.js";
import { decodeMessage, encodeMessage, type Where } from "./message-codec.js";
import { messageSchema } from "./registry.js";

export interface ExtraCodec {
  decode(msg: Message, extra: Uint8Array | undefined, where: Where): unknown;
  encode(msg: Message, value: unknown, where: Where): Uint8Array | undefined;
}

const EMPTY = new Uint8Array(0);

function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** Data plus its padding: the padding is kept only when it is not zero. */
function padded(data: Uint8Array, padding: Uint8Array): { data: Uint8Array; padding?: Uint8Array } {
  return allZero(padding) ? { data } : { data, padding };
}

function withPadding(data: Uint8Array, padding: Uint8Array | undefined, to: number, where: Where, what: string) {
  const total = roundUp(data.length, to);
  if (padding && padding.length !== total - data.length) {
    throw new CriuImageError(
      "INVALID",
      where.image,
      where.offset,
      `${total - data.length} padding bytes after ${what}`,
      `got ${padding.length}`,
    );
  }
  const out = new Uint8Array(total);
  out.set(data, 0);
  if (padding) out.set(padding, data.length);
  return out;
}

function asBytes(value: unknown, where: Where, what: string): Uint8Array {
  if (!(value instanceof Uint8Array)) {
    throw new CriuImageError("INVALID", where.image, where.offset, `a Uint8Array of ${what}`);
  }
  return value;
}

function mismatch(where: Where, expected: string, got: string): CriuImageError {
  return new CriuImageError("INVALID", where.image, where.offset, expected, got);
}

const bytesCodec = (what: string): ExtraCodec => ({
  decode: (_m, extra) => extra,
  encode: (_m, value, where) => (value === undefined ? undefined : asBytes(value, where, what)),
});

const tcpStream: ExtraCodec = {
  decode(m, extra): TcpQueues {
    const e = m as tcp_stream_entry;
    const b = extra ?? EMPTY;
    return { inq: b.subarray(0, e.inqLen), outq: b.subarray(e.inqLen) };
  },
  encode(m, value, where) {
    const e = m as tcp_stream_entry;
    const q = (value ?? { inq: EMPTY, outq: EMPTY }) as TcpQueues;
    if (q.inq.length !== e.inqLen || q.outq.length !== e.outqLen) {
      throw mismatch(
        where,
        `queues of inq_len ${e.inqLen} and outq_len ${e.outqLen} bytes`,
        `got ${q.inq.length} and ${q.outq.length}; update the entry's lengths with the queues`,
      );
    }
    const out = new Uint8Array(q.inq.length + q.outq.length);
    out.set(q.inq, 0);
    out.set(q.outq, q.inq.length);
    return out;
  },
};

const ipcSem: ExtraCodec = {
  decode(m, extra): SemValues {
    const n = (m as ipc_sem_entry).nsems;
    const b = extra ?? EMPTY;
    const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    const values: number[] = [];
    for (let i = 0; i < n; i++) values.push(view.getUint16(2 * i, true));
    const padding = b.subarray(2 * n);
    return allZero(padding) ? { values } : { values, padding };
  },
  encode(m, value, where) {
    const n = (m as ipc_sem_entry).nsems;
    const v = value as SemValues;
    if (!v || v.values.length !== n)
      throw mismatch(where, `${n} semaphore values (nsems)`, `got ${v?.values.length ?? 0}`);
    const data = new Uint8Array(2 * n);
    const view = new DataView(data.buffer);
    for (let i = 0; i < n; i++) view.setUint16(2 * i, v.values[i] as number, true);
    return withPadding(data, v.padding, 8, where, "semaphore values");
  },
};

const ipcShm: ExtraCodec = {
  decode(m, extra): ShmContents | undefined {
    if (extra === undefined) return undefined;
    const size = Number((m as ipc_shm_entry).size);
    return padded(extra.subarray(0, size), extra.subarray(size));
  },
  encode(m, value, where) {
    const e = m as ipc_shm_entry;
    if (e.inPagemaps) {
      if (value !== undefined)
        throw mismatch(where, "no contents for a segment kept in pagemaps (in_pagemaps)", "got contents");
      return undefined;
    }
    const v = value as ShmContents | undefined;
    const size = Number(e.size);
    if (!v || v.data.length !== size)
      throw mismatch(where, `${size} bytes of segment contents (size)`, `got ${v?.data.length ?? 0}`);
    return withPadding(v.data, v.padding, 4, where, "segment contents");
  },
};

const ipcMsg: ExtraCodec = {
  decode(m, extra, where): IpcMessage[] {
    const desc = messageSchema("ipc_msg");
    const records = splitMsgRecords(extra ?? EMPTY, (m as ipc_msg_entry).qnum, where.image);
    return records.map((r) => {
      const msg = decodeMessage<ipc_msg>(desc, r.header, where);
      return allZero(r.padding) ? { msg, data: r.data } : { msg, data: r.data, padding: r.padding };
    });
  },
  encode(m, value, where) {
    const desc = messageSchema("ipc_msg");
    const msgs = (value ?? []) as IpcMessage[];
    const qnum = (m as ipc_msg_entry).qnum;
    if (msgs.length !== qnum) throw mismatch(where, `${qnum} messages (qnum)`, `got ${msgs.length}`);
    const parts: Uint8Array[] = [];
    for (const x of msgs) {
      if (x.data.length !== x.msg.msize)
        throw mismatch(where, `message text of msize ${x.msg.msize} bytes`, `got ${x.data.length}`);
      const hdr = encodeMessage(desc, x.msg, where);
      const size = new Uint8Array(4);
      new DataView(size.buffer).setUint32(0, hdr.length, true);
      parts.push(size, hdr, withPadding(x.data, x.padding, 8, where, "message text"));
    }
    const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  },
};

/** Codec per rule; rules without extras have none. */
export const EXTRA_CODECS: Partial<Record<ExtraRule, ExtraCodec>> = {
  "ghost-file": bytesCodec("ghost file contents"),
  "pipe-data": bytesCodec("pipe data"),
  "sk-queue": bytesCodec("socket queue data"),
  "bpfmap-data": bytesCodec("bpf map keys and values"),
  "tcp-stream": tcpStream,
  "ipc-sem": ipcSem,
  "ipc-shm": ipcShm,
  "ipc-msg": ipcMsg,
};
