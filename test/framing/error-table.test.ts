/**
 * Every way the framing can refuse an image, each case built by hand from
 * CRIU's layout (criu/protobuf.c, criu/image.c and the per-kind dump code
 * named in docs/format.md), with the error it must give written out: code,
 * offset, what was expected and why. The in-memory reader, the scanner and
 * the streaming reader (on chunks of 1 and 3 bytes) must all give it.
 */
import { describe, expect, it } from "vitest";
import {
  type FramedImage,
  IMG_COMMON_MAGIC,
  kindByName,
  readFramed,
  readFramedStream,
  scanFramed,
  writeFramed,
} from "../../src/index.js";
import { bytes, cat, chunked, entry, msg, u32 } from "../helpers/bytes.js";
import { caught, caughtAsync } from "../helpers/errors.js";

const magic = (kind: string) => (kindByName(kind) as { magic: number }).magic;
const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

/** A v1.1 image of `kind`: IMG_COMMON, the kind's magic, then the parts. */
const image = (kind: string, ...parts: Uint8Array[]) => cat(u32(IMG_COMMON_MAGIC, magic(kind)), ...parts);
const zeros = (n: number) => new Uint8Array(n);

interface Refusal {
  what: string;
  name: string;
  bytes: Uint8Array;
  code: string;
  offset: number;
  expected: string;
  /** The reason in parentheses at the end of the message, if any. */
  detail?: string;
}

// Offsets: 8 bytes of magics, then each entry's 4-byte size word.
const TCP = msg([1, 3], [3, 2]); // tcp_stream_entry inq_len 3, outq_len 2: 5 bytes of queues follow
const MSG = msg([1, 1], [2, 3]); // ipc_msg mtype 1, msize 3: 3 bytes of text, padded to 8
const REFUSALS: Refusal[] = [
  {
    what: "an empty file",
    name: "files.img",
    bytes: zeros(0),
    code: "TRUNCATED",
    offset: 0,
    expected: "a 4-byte image magic",
  },
  {
    what: "a lead magic alone",
    name: "files.img",
    bytes: u32(IMG_COMMON_MAGIC),
    code: "TRUNCATED",
    offset: 4,
    expected: "the image kind's magic after the lead magic",
  },
  {
    what: "an unknown kind magic after the lead magic",
    name: "x.img",
    bytes: u32(IMG_COMMON_MAGIC, 0x12345678),
    code: "BAD_MAGIC",
    offset: 4,
    expected: "a CRIU image magic",
    detail: "found 0x12345678",
  },
  {
    what: "an unknown single (v1) magic",
    name: "x.img",
    bytes: u32(0x0badf00d),
    code: "BAD_MAGIC",
    offset: 0,
    expected: "a CRIU image magic",
    detail: "found 0x0badf00d",
  },
  {
    what: "a tcp-stream magic in files.img",
    name: "files.img",
    bytes: image("TCP_STREAM"),
    code: "BAD_MAGIC",
    offset: 4,
    expected: `the magic of FILES (${hex(magic("FILES"))}) for files.img`,
    detail: `found TCP_STREAM (${hex(magic("TCP_STREAM"))})`,
  },
  {
    what: "half a size word",
    name: "files.img",
    bytes: cat(image("FILES"), bytes(1, 0)),
    code: "TRUNCATED",
    offset: 8,
    expected: "a 4-byte entry size",
    detail: "only 2 bytes left",
  },
  {
    what: "an entry shorter than its size",
    name: "files.img",
    bytes: cat(image("FILES"), u32(10), bytes(1, 2)),
    code: "TRUNCATED",
    offset: 12,
    expected: "10 bytes of a file_entry entry",
    detail: "only 2 bytes left",
  },
  {
    what: "a second entry cut in its size word",
    name: "files.img",
    bytes: cat(image("FILES"), entry(msg([1, 7])), bytes(9)),
    code: "TRUNCATED",
    offset: 14,
    expected: "a 4-byte entry size",
    detail: "only 1 bytes left",
  },
  {
    what: "tcp queues shorter than inq_len + outq_len",
    name: "tcp-stream-1.img",
    bytes: cat(image("TCP_STREAM"), entry(TCP), zeros(4)),
    code: "TRUNCATED",
    offset: 12 + TCP.length,
    expected: "5 bytes of tcp queue data",
    detail: "only 4 bytes left",
  },
  {
    what: "a tcp-stream entry without outq_len",
    name: "tcp-stream-1.img",
    bytes: cat(image("TCP_STREAM"), entry(msg([1, 3])), zeros(3)),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a tcp_stream_entry entry whose fields give the extra payload size",
    detail: "required field outq_len (3) is missing",
  },
  {
    what: "a tcp-stream entry without inq_len",
    name: "tcp-stream-1.img",
    bytes: cat(image("TCP_STREAM"), entry(msg([3, 3])), zeros(3)),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a tcp_stream_entry entry whose fields give the extra payload size",
    detail: "required field inq_len (1) is missing",
  },
  {
    what: "a pipe_data_entry without bytes",
    name: "pipes-data.img",
    bytes: cat(image("PIPES_DATA"), entry(msg([1, 9]))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a pipe_data_entry entry whose fields give the extra payload size",
    detail: "required field bytes (2) is missing",
  },
  {
    what: "a sk_packet_entry without length",
    name: "sk-queues.img",
    bytes: cat(image("SK_QUEUES"), entry(msg([1, 9]))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a sk_packet_entry entry whose fields give the extra payload size",
    detail: "required field length (2) is missing",
  },
  {
    what: "a ipc_sem_entry without nsems",
    name: "ipcns-sem-1.img",
    bytes: cat(image("IPCNS_SEM"), entry(msg([3, 9]))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a ipc_sem_entry entry whose fields give the extra payload size",
    detail: "required field nsems (2) is missing",
  },
  {
    what: "a ipc_shm_entry without size",
    name: "ipcns-shm-1.img",
    bytes: cat(image("IPCNS_SHM"), entry(msg([1, 9]))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a ipc_shm_entry entry whose fields give the extra payload size",
    detail: "required field size (2) is missing",
  },
  {
    what: "a ipc_msg_entry without qnum",
    name: "ipcns-msg-1.img",
    bytes: cat(image("IPCNS_MSG"), entry(msg([2, 9]))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a ipc_msg_entry entry whose fields give the extra payload size",
    detail: "required field qnum (3) is missing",
  },
  {
    what: "a bpfmap_data_entry without keys_bytes",
    name: "bpfmap-data.img",
    bytes: cat(image("BPFMAP_DATA"), entry(msg([3, 9]))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a bpfmap_data_entry entry whose fields give the extra payload size",
    detail: "required field keys_bytes (2) is missing",
  },
  {
    what: "a bpfmap_data_entry without values_bytes",
    name: "bpfmap-data.img",
    bytes: cat(image("BPFMAP_DATA"), entry(msg([2, 9]))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a bpfmap_data_entry entry whose fields give the extra payload size",
    detail: "required field values_bytes (3) is missing",
  },
  {
    what: "pipe data shorter than pipe_data_entry.bytes",
    name: "pipes-data.img",
    bytes: cat(image("PIPES_DATA"), entry(msg([1, 9], [2, 4])), zeros(3)),
    code: "TRUNCATED",
    offset: 16,
    expected: "4 bytes of pipe data",
    detail: "only 3 bytes left",
  },
  {
    what: "socket queue data shorter than sk_packet_entry.length",
    name: "sk-queues.img",
    bytes: cat(image("SK_QUEUES"), entry(msg([1, 9], [2, 6])), zeros(5)),
    code: "TRUNCATED",
    offset: 16,
    expected: "6 bytes of socket queue data",
    detail: "only 5 bytes left",
  },
  {
    what: "3 semaphores: 6 bytes of u16 values padded to 8, 7 present",
    name: "ipcns-sem-1.img",
    bytes: cat(image("IPCNS_SEM"), entry(msg([2, 3])), zeros(7)),
    code: "TRUNCATED",
    offset: 14,
    expected: "8 bytes of semaphore values",
    detail: "only 7 bytes left",
  },
  {
    what: "5 bytes of shared memory padded to 4, 7 present",
    name: "ipcns-shm-1.img",
    bytes: cat(image("IPCNS_SHM"), entry(msg([2, 5])), zeros(7)),
    code: "TRUNCATED",
    offset: 14,
    expected: "8 bytes of shared memory contents",
    detail: "only 7 bytes left",
  },
  {
    what: "bpf map keys and values shorter than keys_bytes + values_bytes",
    name: "bpfmap-data.img",
    bytes: cat(image("BPFMAP_DATA"), entry(msg([1, 1], [2, 4], [3, 8])), zeros(11)),
    code: "TRUNCATED",
    offset: 18,
    expected: "12 bytes of bpf map keys and values",
    detail: "only 11 bytes left",
  },
  {
    what: "the second IPC message's size word missing",
    name: "ipcns-msg-1.img",
    bytes: cat(image("IPCNS_MSG"), entry(msg([3, 2])), entry(MSG), zeros(8)),
    code: "TRUNCATED",
    offset: 14 + 4 + MSG.length + 8,
    expected: "the size of IPC message 2 of 2",
    detail: "only 0 bytes left",
  },
  {
    what: "an ipc_msg shorter than its size",
    name: "ipcns-msg-1.img",
    bytes: cat(image("IPCNS_MSG"), entry(msg([3, 1])), u32(9), MSG),
    code: "TRUNCATED",
    offset: 18,
    expected: "9 bytes of an ipc_msg entry",
    detail: `only ${MSG.length} bytes left`,
  },
  {
    what: "IPC message text shorter than msize padded to 8",
    name: "ipcns-msg-1.img",
    bytes: cat(image("IPCNS_MSG"), entry(msg([3, 1])), entry(MSG), zeros(7)),
    code: "TRUNCATED",
    offset: 18 + MSG.length,
    expected: "8 bytes of IPC message text",
    detail: "only 7 bytes left",
  },
  {
    what: "a size word that ends the image, announcing an empty ipc_msg (which has no msize)",
    name: "ipcns-msg-1.img",
    bytes: cat(image("IPCNS_MSG"), entry(msg([3, 1])), u32(0)),
    code: "BAD_ENTRY",
    offset: 18,
    expected: "an ipc_msg entry with msize",
    detail: "required field msize (2) is missing",
  },
  {
    what: "an ipc_msg without msize",
    name: "ipcns-msg-1.img",
    bytes: cat(image("IPCNS_MSG"), entry(msg([3, 1])), entry(msg([1, 1])), zeros(8)),
    code: "BAD_ENTRY",
    offset: 18,
    expected: "an ipc_msg entry with msize",
    detail: "required field msize (2) is missing",
  },
  {
    what: "a ghost file chunk without len",
    name: "ghost-file-1.img",
    bytes: cat(image("GHOST_FILE"), entry(msg([9, 1])), entry(msg([2, 0]))),
    code: "BAD_ENTRY",
    offset: 14,
    expected: "a ghost_chunk_entry entry whose fields give the extra payload size",
    detail: "required field len (1) is missing",
  },
  {
    what: "a ghost file chunk of 2^60 bytes",
    name: "ghost-file-1.img",
    bytes: cat(image("GHOST_FILE"), entry(msg([9, 1])), entry(msg([1, 1n << 60n]))),
    code: "BAD_ENTRY",
    offset: 14,
    expected: "a ghost_chunk_entry entry whose fields give the extra payload size",
    detail: "ghost file chunk length does not fit",
  },
  {
    what: "a ghost file chunk longer than the bytes left",
    name: "ghost-file-1.img",
    bytes: cat(image("GHOST_FILE"), entry(msg([9, 1])), entry(msg([1, 5], [2, 0])), zeros(4)),
    code: "TRUNCATED",
    offset: 22,
    expected: "5 bytes of ghost file chunk",
    detail: "only 4 bytes left",
  },
  {
    what: "a group (wire type 3) where a length is looked for",
    name: "tcp-stream-1.img",
    bytes: cat(image("TCP_STREAM"), entry(bytes(0x0b))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a tcp_stream_entry entry whose fields give the extra payload size",
    detail: "wire type 3",
  },
  {
    what: "field number 0",
    name: "tcp-stream-1.img",
    bytes: cat(image("TCP_STREAM"), entry(bytes(0x00, 0x01))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a tcp_stream_entry entry whose fields give the extra payload size",
    detail: "field number 0",
  },
  {
    what: "a length-delimited field that runs past the entry",
    name: "pipes-data.img",
    bytes: cat(image("PIPES_DATA"), entry(bytes(0x1a, 0x05, 1, 2))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a pipe_data_entry entry whose fields give the extra payload size",
    detail: "field runs past the entry",
  },
  {
    what: "a fixed64 field that runs past the entry",
    name: "pipes-data.img",
    bytes: cat(image("PIPES_DATA"), entry(bytes(0x21, 1, 2, 3))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a pipe_data_entry entry whose fields give the extra payload size",
    detail: "field runs past the entry",
  },
  {
    what: "a varint cut short",
    name: "sk-queues.img",
    bytes: cat(image("SK_QUEUES"), entry(bytes(0x10, 0x80))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a sk_packet_entry entry whose fields give the extra payload size",
    detail: "truncated or overlong varint",
  },
  {
    what: "a varint of 11 bytes",
    name: "sk-queues.img",
    bytes: cat(image("SK_QUEUES"), entry(bytes(0x10, ...Array(10).fill(0x80), 0x01))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a sk_packet_entry entry whose fields give the extra payload size",
    detail: "truncated or overlong varint",
  },
  {
    what: "a tag cut short",
    name: "sk-queues.img",
    bytes: cat(image("SK_QUEUES"), entry(bytes(0x80))),
    code: "BAD_ENTRY",
    offset: 8,
    expected: "a sk_packet_entry entry whose fields give the extra payload size",
    detail: "truncated or overlong tag",
  },
];

describe("the framing's refusals, written out by hand", () => {
  it.each(REFUSALS)("$what", async (c) => {
    const message = `${c.name}: at byte ${c.offset}: expected ${c.expected}${c.detail ? ` (${c.detail})` : ""}`;
    const want = { code: c.code, offset: c.offset, expected: c.expected, image: c.name, message };
    expect(caught(() => readFramed(c.bytes, { name: c.name }))).toMatchObject(want);
    expect(caught(() => scanFramed(c.bytes, { name: c.name }))).toMatchObject(want);
    for (const n of [1, 3, c.bytes.length || 1])
      expect(await caughtAsync(() => readFramedStream(chunked(c.bytes, n), { name: c.name }))).toMatchObject(want);
  });
});

describe("extras of the right size, as CRIU lays them out", () => {
  const cases: { what: string; name: string; bytes: Uint8Array; extras: (number | undefined)[] }[] = [
    {
      what: "tcp queues",
      name: "tcp-stream-1.img",
      bytes: cat(image("TCP_STREAM"), entry(TCP), zeros(5)),
      extras: [5],
    },
    {
      what: "semaphores padded to 8, then the next entry",
      name: "ipcns-sem-1.img",
      bytes: cat(image("IPCNS_SEM"), entry(msg([2, 3])), zeros(8), entry(msg([2, 4])), zeros(8)),
      extras: [8, 8],
    },
    {
      what: "shared memory padded to 4; none when in_pagemaps",
      name: "ipcns-shm-1.img",
      bytes: cat(
        image("IPCNS_SHM"),
        entry(msg([2, 5])),
        zeros(8),
        entry(msg([2, 5], [3, 1])),
        entry(msg([2, 4])),
        zeros(4),
      ),
      extras: [8, undefined, 4],
    },
    {
      what: "two IPC messages with their size words (4 + ipc_msg + text padded to 8 each); none for an empty queue",
      name: "ipcns-msg-1.img",
      bytes: cat(
        image("IPCNS_MSG"),
        entry(msg([3, 2])),
        entry(MSG),
        zeros(8),
        entry(msg([1, 1], [2, 9])),
        zeros(16),
        entry(msg([3, 0])),
      ),
      extras: [4 + MSG.length + 8 + 4 + msg([1, 1], [2, 9]).length + 16, 0],
    },
    {
      what: "a ghost file's contents to the end",
      name: "ghost-file-1.img",
      bytes: cat(image("GHOST_FILE"), entry(msg([1, 0])), zeros(13)),
      extras: [13],
    },
    {
      what: "a chunked ghost file: header without extra, then (chunk, len bytes) pairs",
      name: "ghost-file-1.img",
      bytes: cat(image("GHOST_FILE"), entry(msg([9, 1])), entry(msg([1, 3])), zeros(3), entry(msg([1, 0]))),
      extras: [undefined, 3, 0],
    },
  ];
  it.each(cases)("$what", async (c) => {
    const got = readFramed(c.bytes, { name: c.name });
    expect(got.entries.map((e) => e.extra?.length)).toEqual(c.extras);
    expect(scanFramed(c.bytes, { name: c.name }).entries).toBe(c.extras.length);
    const streamed = await readFramedStream(chunked(c.bytes, 3), { name: c.name });
    expect(streamed.entries.map((e) => e.extra?.length)).toEqual(got.entries.map((e) => e.extra?.length));
    // And the writer puts back the same bytes.
    expect(Buffer.compare(writeFramed(got), c.bytes)).toBe(0);
  });
});

describe("the writer refuses extras that do not fit their entry", () => {
  const header = (kind: string, name: string) =>
    ({ name, kind, format: "v1.1", magic: magic(kind), leadMagic: IMG_COMMON_MAGIC }) as const;
  const framed = (kind: string, name: string, entries: { payload: Uint8Array; extra?: Uint8Array }[]): FramedImage =>
    ({
      ...header(kind, name),
      entries: entries.map((e) => ({ schema: "", offset: 0, ...e })),
    }) as FramedImage;
  const cases: { what: string; image: FramedImage; code: string; expected: string; detail: string }[] = [
    {
      what: "an extra after an entry of a kind without extras",
      image: framed("FILES", "files.img", [{ payload: msg([1, 1]), extra: zeros(2) }]),
      code: "BAD_EXTRA",
      expected: "no extra payload after a file_entry entry",
      detail: "entry 0 has 2 extra bytes",
    },
    {
      what: "tcp queues of the wrong size",
      image: framed("TCP_STREAM", "tcp-stream-1.img", [{ payload: TCP, extra: zeros(4) }]),
      code: "BAD_EXTRA",
      expected: "5 bytes of tcp queue data",
      detail: "entry 0 has 4 extra bytes",
    },
    {
      what: "tcp queues missing",
      image: framed("TCP_STREAM", "tcp-stream-1.img", [{ payload: TCP }]),
      code: "BAD_EXTRA",
      expected: "5 bytes of tcp queue data",
      detail: "entry 0 has no extra bytes",
    },
    {
      what: "an entry after a ghost file's contents",
      image: framed("GHOST_FILE", "ghost-file-1.img", [
        { payload: msg([1, 0]), extra: zeros(3) },
        { payload: msg([1, 1]) },
      ]),
      code: "BAD_EXTRA",
      expected: "no entry after the ghost file contents",
      detail: "entry 0 has 3 extra bytes",
    },
  ];
  it.each(cases)("$what", (c) => {
    expect(caught(() => writeFramed(c.image))).toMatchObject({ code: c.code, expected: c.expected, offset: 8 });
    expect(caught(() => writeFramed(c.image)).message).toContain(`(${c.detail})`);
  });

  it("IPC message records that are not exactly qnum records", () => {
    const records = cat(entry(MSG), zeros(8));
    const ok = framed("IPCNS_MSG", "ipcns-msg-1.img", [{ payload: msg([3, 1]), extra: records }]);
    expect(writeFramed(ok).length).toBe(8 + 4 + msg([3, 1]).length + records.length);
    for (const [extra, offset, expected] of [
      [cat(records, zeros(1)), records.length, "the end of the message records"],
      [records.subarray(0, records.length - 1), 4 + MSG.length, "8 bytes of IPC message text"],
      [zeros(2), 0, "the size of IPC message 1 of 1"],
    ] as const) {
      const e = caught(() =>
        writeFramed(framed("IPCNS_MSG", "ipcns-msg-1.img", [{ payload: msg([3, 1]), extra: extra as Uint8Array }])),
      );
      expect(e).toMatchObject({ code: "BAD_EXTRA", offset, expected });
    }
  });

  it("a kind that is not in the table", () => {
    const e = caught(() =>
      writeFramed({ kind: "NOPE", format: "v1.1", magic: 1, entries: [] } as unknown as FramedImage),
    );
    expect(e).toMatchObject({ code: "INVALID", offset: 0, expected: "a known image kind" });
    expect(e.message).toContain("(got NOPE)");
  });
});

describe("streams", () => {
  it("refuse chunks that are not Uint8Array", async () => {
    const e = await caughtAsync(() =>
      readFramedStream([u32(IMG_COMMON_MAGIC, magic("FILES")), "x" as unknown as Uint8Array], { name: "files.img" }),
    );
    expect(e).toMatchObject({ code: "INVALID", expected: "Uint8Array chunks" });
    expect(e.message).toContain("(a chunk was string)");
  });

  it("skip empty chunks and read an image whose magics are split over chunks", async () => {
    const b = cat(image("FILES"), entry(msg([1, 1])), entry(msg([1, 2])));
    const parts = [b.subarray(0, 2), new Uint8Array(0), b.subarray(2, 7), b.subarray(7)];
    const got = await readFramedStream(parts, { name: "files.img" });
    expect(got.entries.map((e) => [...e.payload])).toEqual([
      [8, 1],
      [8, 2],
    ]);
    expect(got.entries.map((e) => e.offset)).toEqual([8, 14]);
  });
});
