/**
 * IPC message records, the extra payload of ipcns-msg entries: `qnum` times a
 * u32 size, an ipc_msg and the text padded to 8 (CRIU's ipc_sysctl.c /
 * ipc_ns.c dump_ipc_msg_queue_messages). One walk for the reader and the
 * writer's check.
 */
import { CriuImageError, truncated } from "./errors.js";
import { msgTextSize, roundUp } from "./rules.js";
import type { WireError } from "./wire.js";

/**
 * Walks `count` IPC message records (u32 size, ipc_msg, text padded to 8)
 * from `pos`, checking each against the bytes up to `end`; returns where they
 * end. `onRecord` gets each record's ipc_msg start and end and its text length.
 */
export function walkMsgRecords(
  bytes: Uint8Array,
  pos: number,
  end: number,
  count: number,
  name: string | undefined,
  onRecord?: (headerStart: number, headerEnd: number, textLength: number) => void,
): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    if (pos + 4 > end) throw truncated(name, pos, end, `the size of IPC message ${i + 1} of ${count}`);
    const size = view.getUint32(pos, true);
    if (size > end - pos - 4) throw truncated(name, pos + 4, end, `${size} bytes of an ipc_msg entry`);
    let msize: number;
    try {
      msize = msgTextSize(bytes.subarray(pos + 4, pos + 4 + size));
    } catch (e) {
      throw new CriuImageError("BAD_ENTRY", name, pos + 4, "an ipc_msg entry with msize", (e as WireError).message);
    }
    onRecord?.(pos + 4, pos + 4 + size, msize);
    pos += 4 + size;
    const padded = roundUp(msize, 8);
    if (padded > end - pos) throw truncated(name, pos, end, `${padded} bytes of IPC message text`);
    pos += padded;
  }
  return pos;
}

/** One IPC message record split out of an ipcns-msg extra. */
export interface MsgRecord {
  /** ipc_msg protobuf bytes. */
  readonly header: Uint8Array;
  /** The text, msize bytes. */
  readonly data: Uint8Array;
  /** The bytes that pad the text to 8 (zero as CRIU writes them). */
  readonly padding: Uint8Array;
}

/**
 * @internal Exported for criu-image's other layers, not part of the API.
 * Splits an ipcns-msg extra into its records. Bytes that are not exactly
 * `count` records are a BAD_EXTRA error, at an offset within `extra`.
 */
export function splitMsgRecords(extra: Uint8Array, count: number, image?: string): MsgRecord[] {
  const out: MsgRecord[] = [];
  let end: number;
  try {
    end = walkMsgRecords(extra, 0, extra.length, count, image, (start, headerEnd, msize) => {
      const text = headerEnd + msize;
      out.push({
        header: extra.subarray(start, headerEnd),
        data: extra.subarray(headerEnd, text),
        padding: extra.subarray(text, headerEnd + roundUp(msize, 8)),
      });
    });
  } catch (e) {
    if (!(e instanceof CriuImageError)) throw e;
    throw new CriuImageError("BAD_EXTRA", image, e.offset, e.expected);
  }
  if (end !== extra.length) throw new CriuImageError("BAD_EXTRA", image, end, "the end of the message records");
  return out;
}
