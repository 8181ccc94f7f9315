/**
 * Extra-payload rules, as CRIU's C code writes them (references in
 * docs/format.md). Both readers and the writer go through `planExtra`, so the
 * three agree on every byte.
 */
import { CriuImageError } from "./errors.js";
import type { ExtraRule, ImageKindInfo } from "./kinds.js";
import { scanUint32Field, scanVarintField, WireError } from "./wire.js";

/** What follows one entry. */
export type ExtraPlan =
  | { readonly type: "none" }
  /** Exactly `length` bytes. */
  | { readonly type: "bytes"; readonly length: number; readonly what: string }
  /** Every byte up to the end of the image; no entry follows. */
  | { readonly type: "rest"; readonly what: string }
  /** `count` IPC message records: u32 size, ipc_msg, text padded to 8. */
  | { readonly type: "msg-records"; readonly count: number };

/** Per-image state a rule needs between entries. */
export interface RuleState {
  index: number;
  /** Set by ghost-file once the header says the data is chunked. */
  chunked: boolean;
}

export function newRuleState(): RuleState {
  return { index: 0, chunked: false };
}

const NONE: ExtraPlan = { type: "none" };

/** @internal Exported for criu-image's other layers, not part of the API. */
export const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/**
 * @internal Exported for criu-image's other layers, not part of the API.
 * The message name of entry `index` of this kind: some kinds (pagemap, ghost
 * file) start with a header entry of another message.
 */
export function entrySchema(kind: ImageKindInfo, index: number): string {
  return index > 0 && kind.schemaRest ? kind.schemaRest : kind.schema;
}

type Planner = (payload: Uint8Array, state: RuleState) => ExtraPlan;

function u32(payload: Uint8Array, no: number, what: string): number {
  const v = scanUint32Field(payload, no);
  if (v === undefined) throw new WireError(`required field ${what} (${no}) is missing`);
  return v;
}

function bytes(length: number, what: string): ExtraPlan {
  if (!Number.isFinite(length)) throw new WireError(`${what} length does not fit`);
  return { type: "bytes", length, what };
}

const PLANNERS: Record<ExtraRule, Planner> = {
  none: () => NONE,
  pagemap: () => NONE,
  "ghost-file": (p, s) => {
    if (s.index === 0) {
      // ghost_file_entry.chunks (9): without it the file's bytes follow as one blob.
      s.chunked = (scanVarintField(p, 9) ?? 0) !== 0;
      return s.chunked ? NONE : { type: "rest", what: "ghost file contents" };
    }
    // ghost_chunk_entry.len (1) is a uint64.
    const len = scanVarintField(p, 1);
    if (len === undefined) throw new WireError("required field len (1) is missing");
    return bytes(len, "ghost file chunk");
  },
  // pipe_data_entry.bytes (2)
  "pipe-data": (p) => bytes(u32(p, 2, "bytes"), "pipe data"),
  // sk_packet_entry.length (2)
  "sk-queue": (p) => bytes(u32(p, 2, "length"), "socket queue data"),
  // tcp_stream_entry.inq_len (1) + outq_len (3)
  "tcp-stream": (p) => bytes(u32(p, 1, "inq_len") + u32(p, 3, "outq_len"), "tcp queue data"),
  // ipc_sem_entry.nsems (2) u16 values, the block padded to 8 bytes
  "ipc-sem": (p) => bytes(roundUp(2 * u32(p, 2, "nsems"), 8), "semaphore values"),
  "ipc-shm": (p) => {
    // ipc_shm_entry.in_pagemaps (3): the contents live in pagemap-shmem/pages instead.
    if ((scanVarintField(p, 3) ?? 0) !== 0) return NONE;
    const size = scanVarintField(p, 2);
    if (size === undefined) throw new WireError("required field size (2) is missing");
    return bytes(roundUp(size, 4), "shared memory contents");
  },
  // ipc_msg_entry.qnum (3) messages follow
  "ipc-msg": (p) => ({ type: "msg-records", count: u32(p, 3, "qnum") }),
  // bpfmap_data_entry.keys_bytes (2) + values_bytes (3)
  "bpfmap-data": (p) => bytes(u32(p, 2, "keys_bytes") + u32(p, 3, "values_bytes"), "bpf map keys and values"),
};

/**
 * What follows entry `state.index`, whose protobuf bytes are `payload`.
 * `offset` is where the entry starts, for the error.
 */
export function planExtra(
  kind: ImageKindInfo,
  payload: Uint8Array,
  state: RuleState,
  image: string | undefined,
  offset: number,
): ExtraPlan {
  try {
    return PLANNERS[kind.extra](payload, state);
  } catch (e) {
    if (e instanceof WireError) {
      throw new CriuImageError(
        "BAD_ENTRY",
        image,
        offset,
        `a ${entrySchema(kind, state.index)} entry whose fields give the extra payload size`,
        e.message,
      );
    }
    throw e;
  }
}

/** ipc_msg.msize (2): the length of one message's text. */
export function msgTextSize(msgPayload: Uint8Array): number {
  const v = scanUint32Field(msgPayload, 2);
  if (v === undefined) throw new WireError("required field msize (2) is missing");
  return v;
}
