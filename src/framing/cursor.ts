/**
 * The synchronous framing walk over an image held in memory, written once for
 * `readFramed` (which keeps the entries) and `scanFramed` (which counts them).
 * Streams cannot wait inside a loop, so they use the generator of parser.ts;
 * both go through rules.ts for every size, and raise the same errors.
 */
import { truncated } from "./errors.js";
import type { ImageKindInfo } from "./kinds.js";
import { walkMsgRecords } from "./msg-records.js";
import { entrySchema, newRuleState, planExtra } from "./rules.js";

/**
 * Told about each entry: `offset` is where its size word starts, the payload
 * is `[offset + 4, payloadEnd)` and, when `extra` (the rules call for one,
 * maybe empty), its extra payload is `[payloadEnd, end)`.
 */
export type EntryVisitor = (schema: string, offset: number, payloadEnd: number, end: number, extra: boolean) => void;

/** Walks the entries of `bytes` from `start` (after the magics) to the end. */
export function walkEntries(
  bytes: Uint8Array,
  start: number,
  kind: ImageKindInfo,
  name: string | undefined,
  visit: EntryVisitor,
): void {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  // Kinds without extras skip the planner: most images are long runs of small entries.
  const plain = kind.extra === "none" || kind.extra === "pagemap";
  const state = newRuleState();
  let pos = start;
  while (pos < end) {
    if (pos + 4 > end) throw truncated(name, pos, end, "a 4-byte entry size");
    const size = view.getUint32(pos, true);
    const schema = entrySchema(kind, state.index);
    if (size > end - pos - 4) throw truncated(name, pos + 4, end, `${size} bytes of a ${schema} entry`);
    const offset = pos;
    pos += 4 + size;
    const payloadEnd = pos;
    let extra = false;
    if (!plain) {
      const plan = planExtra(kind, bytes.subarray(offset + 4, payloadEnd), state, name, offset);
      extra = plan.type !== "none";
      if (plan.type === "bytes") {
        if (plan.length > end - pos) throw truncated(name, pos, end, `${plan.length} bytes of ${plan.what}`);
        pos += plan.length;
      } else if (plan.type === "rest") {
        visit(schema, offset, payloadEnd, end, true);
        return;
      } else if (plan.type === "msg-records") {
        pos = walkMsgRecords(bytes, pos, end, plan.count, name);
      }
    }
    visit(schema, offset, payloadEnd, pos, extra);
    state.index++;
  }
}
