/**
 * Walks an image's framing without producing entries: the fastest way to
 * check that an image is whole and count its entries. Kinds without extra
 * payloads cost one size word per entry.
 */
import { CriuImageError } from "./errors.js";
import { parseHeader } from "./header.js";
import { entrySchema, msgTextSize, newRuleState, planExtra, roundUp } from "./rules.js";
import type { ImageHeader, ReadOptions } from "./types.js";
import type { WireError } from "./wire.js";

export interface ScanResult {
  readonly header: ImageHeader;
  /** Number of entries (0 for raw images). */
  readonly entries: number;
  /** Bytes of the image. */
  readonly bytes: number;
}

export function scanFramed(bytes: Uint8Array, options: ReadOptions = {}): ScanResult {
  const name = options.name;
  const { header, kind, size } = parseHeader(bytes.subarray(0, 8), name);
  if (kind.raw) return { header, entries: 0, bytes: bytes.length };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  let pos = size;
  let n = 0;
  const truncated = (at: number, what: string) =>
    new CriuImageError("TRUNCATED", name, at, what, `only ${end - at} bytes left`);
  if (kind.extra === "none" || kind.extra === "pagemap") {
    while (pos < end) {
      if (pos + 4 > end) throw truncated(pos, "a 4-byte entry size");
      const len = view.getUint32(pos, true);
      if (len > end - pos - 4)
        throw truncated(pos + 4, `${len} bytes of a ${n > 0 && kind.schemaRest ? kind.schemaRest : kind.schema} entry`);
      pos += 4 + len;
      n++;
    }
    return { header, entries: n, bytes: end };
  }
  const state = newRuleState();
  while (pos < end) {
    if (pos + 4 > end) throw truncated(pos, "a 4-byte entry size");
    const len = view.getUint32(pos, true);
    const schema = entrySchema(kind, state);
    if (len > end - pos - 4) throw truncated(pos + 4, `${len} bytes of a ${schema} entry`);
    const plan = planExtra(kind, bytes.subarray(pos + 4, pos + 4 + len), state, name, pos);
    pos += 4 + len;
    if (plan.type === "bytes") {
      if (plan.length > end - pos) throw truncated(pos, `${plan.length} bytes of ${plan.what}`);
      pos += plan.length;
    } else if (plan.type === "rest") {
      pos = end;
    } else if (plan.type === "msg-records") {
      for (let i = 0; i < plan.count; i++) {
        if (pos + 4 > end) throw truncated(pos, `the size of IPC message ${i + 1} of ${plan.count}`);
        const hl = view.getUint32(pos, true);
        if (hl > end - pos - 4) throw truncated(pos + 4, `${hl} bytes of an ipc_msg entry`);
        let msize: number;
        try {
          msize = msgTextSize(bytes.subarray(pos + 4, pos + 4 + hl));
        } catch (e) {
          throw new CriuImageError("BAD_ENTRY", name, pos + 4, "an ipc_msg entry with msize", (e as WireError).message);
        }
        pos += 4 + hl;
        const padded = roundUp(msize, 8);
        if (padded > end - pos) throw truncated(pos, `${padded} bytes of IPC message text`);
        pos += padded;
      }
    }
    state.index++;
    n++;
  }
  return { header, entries: n, bytes: end };
}
