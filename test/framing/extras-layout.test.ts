/**
 * Each extra-payload rule against bytes laid out by hand the way CRIU's C
 * code writes them (see docs/format.md), so reader and writer cannot agree
 * on a wrong layout.
 */
import { create, type DescMessage, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import {
  bpfmap_data_entrySchema,
  ghost_chunk_entrySchema,
  ghost_file_entrySchema,
  ipc_msg_entrySchema,
  ipc_msgSchema,
  ipc_sem_entrySchema,
  ipc_shm_entrySchema,
  pipe_data_entrySchema,
  sk_packet_entrySchema,
  tcp_stream_entrySchema,
} from "../../src/gen/index.js";
import { CriuImageError, IMG_COMMON_MAGIC, kindByName, readImage, writeImage } from "../../src/index.js";
import { bytes, cat, u32 } from "../helpers/bytes.js";

function entry<D extends DescMessage>(schema: D, init: object): Uint8Array {
  const p = toBinary(schema, create(schema, init as never));
  return cat(u32(p.length), p);
}
const head = (kind: string) => cat(u32(IMG_COMMON_MAGIC), u32(kindByName(kind)!.magic));
const desc = { desc: { key: 1, uid: 0, gid: 0, cuid: 0, cgid: 0, mode: 0o600, id: 7 } };

function roundTrip(b: Uint8Array, name: string) {
  const img = readImage(b, { name });
  expect(Buffer.compare(writeImage(img), b)).toBe(0);
  return img;
}

describe("extra payloads, byte for byte as CRIU writes them", () => {
  it("ipc sem: nsems u16 little-endian values, padded with zeros to 8 bytes", () => {
    const b = cat(
      head("IPCNS_SEM"),
      entry(ipc_sem_entrySchema, { ...desc, nsems: 3 }),
      bytes(1, 0, 2, 0, 0xff, 0xff, 0, 0),
    );
    const img = roundTrip(b, "ipcns-sem-1.img");
    expect(img.extras).toEqual([{ values: [1, 2, 0xffff] }]);
    // Two sets: the second starts right after the first's padding.
    const two = cat(b, entry(ipc_sem_entrySchema, { ...desc, nsems: 4 }), bytes(1, 0, 2, 0, 3, 0, 4, 0));
    expect(roundTrip(two, "ipcns-sem-1.img").extras).toEqual([{ values: [1, 2, 0xffff] }, { values: [1, 2, 3, 4] }]);
  });

  it("ipc sem: non-zero padding is kept, not lost", () => {
    const b = cat(head("IPCNS_SEM"), entry(ipc_sem_entrySchema, { ...desc, nsems: 1 }), bytes(9, 0, 1, 2, 3, 4, 5, 6));
    expect(roundTrip(b, "ipcns-sem-1.img").extras).toEqual([{ values: [9], padding: bytes(1, 2, 3, 4, 5, 6) }]);
  });

  it("ipc shm: contents padded to 4 bytes when not in pagemaps; nothing when in_pagemaps", () => {
    const b = cat(
      head("IPCNS_SHM"),
      entry(ipc_shm_entrySchema, { ...desc, size: 5n }),
      bytes(1, 2, 3, 4, 5, 0, 0, 0),
      entry(ipc_shm_entrySchema, { ...desc, size: 4096n, inPagemaps: true }),
      entry(ipc_shm_entrySchema, { ...desc, size: 4n, inPagemaps: false }),
      bytes(6, 7, 8, 9),
    );
    const img = roundTrip(b, "ipcns-shm-1.img");
    expect(img.extras).toEqual([{ data: bytes(1, 2, 3, 4, 5) }, undefined, { data: bytes(6, 7, 8, 9) }]);
  });

  it("ipc msg: qnum records of (u32 size, ipc_msg, text padded to 8)", () => {
    const m1 = toBinary(ipc_msgSchema, create(ipc_msgSchema, { mtype: 1n, msize: 3 }));
    const m2 = toBinary(ipc_msgSchema, create(ipc_msgSchema, { mtype: 2n, msize: 8 }));
    const b = cat(
      head("IPCNS_MSG"),
      entry(ipc_msg_entrySchema, { ...desc, qbytes: 100, qnum: 2 }),
      u32(m1.length),
      m1,
      bytes(0x61, 0x62, 0x63, 0, 0, 0, 0, 0),
      u32(m2.length),
      m2,
      bytes(1, 2, 3, 4, 5, 6, 7, 8),
      entry(ipc_msg_entrySchema, { ...desc, qbytes: 100, qnum: 0 }),
    );
    const img = roundTrip(b, "ipcns-msg-1.img");
    if (img.kind !== "IPCNS_MSG") throw new Error("kind");
    expect(img.extras[0]!.map((x) => [x.msg.mtype, x.data])).toEqual([
      [1n, bytes(0x61, 0x62, 0x63)],
      [2n, bytes(1, 2, 3, 4, 5, 6, 7, 8)],
    ]);
    expect(img.extras[1]).toEqual([]);
  });

  it("tcp stream: inq_len bytes of receive queue, then outq_len bytes of send queue", () => {
    const b = cat(
      head("TCP_STREAM"),
      entry(tcp_stream_entrySchema, {
        inqLen: 2,
        inqSeq: 1,
        outqLen: 3,
        outqSeq: 2,
        optMask: 0,
        sndWscale: 7,
        mssClamp: 1460,
      }),
      bytes(1, 2, 3, 4, 5),
    );
    const img = roundTrip(b, "tcp-stream-1f.img");
    expect(img.extras).toEqual([{ inq: bytes(1, 2), outq: bytes(3, 4, 5) }]);
  });

  it("pipe and fifo data: `bytes` bytes; sk-queues: `length` bytes; bpfmap: keys then values", () => {
    const p = cat(
      head("PIPES_DATA"),
      entry(pipe_data_entrySchema, { pipeId: 1, bytes: 3 }),
      bytes(7, 8, 9),
      entry(pipe_data_entrySchema, { pipeId: 2, bytes: 0 }),
    );
    expect(roundTrip(p, "pipes-data.img").extras).toEqual([bytes(7, 8, 9), bytes()]);
    const f = cat(head("FIFO_DATA"), entry(pipe_data_entrySchema, { pipeId: 1, bytes: 1, size: 4096 }), bytes(5));
    expect(roundTrip(f, "fifo-data.img").extras).toEqual([bytes(5)]);
    const s = cat(head("SK_QUEUES"), entry(sk_packet_entrySchema, { idFor: 4, length: 2 }), bytes(1, 2));
    expect(roundTrip(s, "sk-queues.img").extras).toEqual([bytes(1, 2)]);
    const bm = cat(
      head("BPFMAP_DATA"),
      entry(bpfmap_data_entrySchema, { mapId: 1, keysBytes: 2, valuesBytes: 4, count: 1 }),
      bytes(1, 2, 3, 4, 5, 6),
    );
    expect(roundTrip(bm, "bpfmap-data.img").extras).toEqual([bytes(1, 2, 3, 4, 5, 6)]);
  });

  it("ghost file: one blob to the end of the file, or (chunk, len bytes) pairs", () => {
    const hdr = { uid: 0, gid: 0, mode: 0o100644 };
    const plain = cat(head("GHOST_FILE"), entry(ghost_file_entrySchema, hdr), bytes(1, 2, 3, 4, 5, 6, 7));
    expect(roundTrip(plain, "ghost-file-1a.img").extras).toEqual([bytes(1, 2, 3, 4, 5, 6, 7)]);
    const chunked = cat(
      head("GHOST_FILE"),
      entry(ghost_file_entrySchema, { ...hdr, chunks: true, size: 8192n }),
      entry(ghost_chunk_entrySchema, { len: 2n, off: 0n }),
      bytes(1, 2),
      entry(ghost_chunk_entrySchema, { len: 1n, off: 4096n }),
      bytes(3),
    );
    const img = roundTrip(chunked, "ghost-file-1a.img");
    expect(img.entries.map((e) => e.$typeName)).toEqual(["ghost_file_entry", "ghost_chunk_entry", "ghost_chunk_entry"]);
    expect(img.extras).toEqual([undefined, bytes(1, 2), bytes(3)]);
  });
});

describe("writers refuse extras that disagree with their entry", () => {
  it("tcp queues whose lengths differ from inq_len / outq_len", () => {
    const b = cat(
      head("TCP_STREAM"),
      entry(tcp_stream_entrySchema, {
        inqLen: 2,
        inqSeq: 1,
        outqLen: 0,
        outqSeq: 2,
        optMask: 0,
        sndWscale: 7,
        mssClamp: 1460,
      }),
      bytes(1, 2),
    );
    const img = readImage(b, { name: "tcp-stream-1.img" });
    if (img.kind !== "TCP_STREAM") throw new Error("kind");
    img.extras[0] = { inq: bytes(1), outq: bytes(2) };
    expect(() => writeImage(img)).toThrow(CriuImageError);
    expect(() => writeImage(img)).toThrow(/inq_len 2/);
  });

  it("semaphore values that do not match nsems", () => {
    const b = cat(head("IPCNS_SEM"), entry(ipc_sem_entrySchema, { ...desc, nsems: 1 }), bytes(9, 0, 0, 0, 0, 0, 0, 0));
    const img = readImage(b, { name: "ipcns-sem-1.img" });
    if (img.kind !== "IPCNS_SEM") throw new Error("kind");
    img.extras[0] = { values: [1, 2] };
    expect(() => writeImage(img)).toThrow(/nsems/);
  });

  it("a ghost blob followed by another entry", () => {
    const img = readImage(
      cat(head("GHOST_FILE"), entry(ghost_file_entrySchema, { uid: 0, gid: 0, mode: 0 }), bytes(1)),
      { name: "ghost-file-1.img" },
    );
    if (img.kind !== "GHOST_FILE") throw new Error("kind");
    img.entries.push(create(ghost_chunk_entrySchema, { len: 0n, off: 0n }));
    img.extras.push(bytes());
    expect(() => writeImage(img)).toThrow(CriuImageError);
  });
});
