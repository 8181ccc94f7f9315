/**
 * The synchronous framing walk over an image held in memory, written once for
 * `readFramed` (which keeps the entries), `scanFramed` (which counts them) and
 * `iterateFramed` (which hands them out one at a time). Streams cannot wait
 * inside a loop, so they use the generator of parser.ts; both go through
 * rules.ts for every size, and raise the same errors.
 */
import { truncated } from "./errors.js";
import type { ImageKindInfo } from "./kinds.js";
import { walkMsgRecords } from "./msg-records.js";
import { entrySchema, newRuleState, planExtra } from "./rules.js";

/**
 * A pull walk: each `next()` moves to the following entry, or returns false
 * at the end. The payload is `[offset + 4, payloadEnd)` and, when `extra`
 * (the rules call for one, maybe empty), the extra payload is
 * `[payloadEnd, end)`. A pull cursor, not a callback, so that a generator
 * can hand entries out lazily.
 */
export class EntryCursor {
  schema = "";
  offset = 0;
  payloadEnd = 0;
  end = 0;
  extra = false;
  private readonly view: DataView;
  // Kinds without extras skip the planner: most images are long runs of small entries.
  private readonly plain: boolean;
  private readonly state = newRuleState();
  private pos: number;
  private started = false;

  constructor(
    private readonly bytes: Uint8Array,
    start: number,
    private readonly kind: ImageKindInfo,
    private readonly name: string | undefined,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.plain = kind.extra === "none" || kind.extra === "pagemap";
    this.pos = start;
  }

  next(): boolean {
    const bytes = this.bytes;
    const name = this.name;
    const end = bytes.length;
    if (this.started) this.state.index++;
    this.started = true;
    let pos = this.pos;
    if (pos >= end) return false;
    if (pos + 4 > end) throw truncated(name, pos, end, "a 4-byte entry size");
    const size = this.view.getUint32(pos, true);
    const schema = entrySchema(this.kind, this.state.index);
    if (size > end - pos - 4) throw truncated(name, pos + 4, end, `${size} bytes of a ${schema} entry`);
    const offset = pos;
    pos += 4 + size;
    const payloadEnd = pos;
    let extra = false;
    if (!this.plain) {
      const plan = planExtra(this.kind, bytes.subarray(offset + 4, payloadEnd), this.state, name, offset);
      extra = plan.type !== "none";
      if (plan.type === "bytes") {
        if (plan.length > end - pos) throw truncated(name, pos, end, `${plan.length} bytes of ${plan.what}`);
        pos += plan.length;
      } else if (plan.type === "rest") {
        pos = end;
      } else if (plan.type === "msg-records") {
        pos = walkMsgRecords(bytes, pos, end, plan.count, name);
      }
    }
    this.schema = schema;
    this.offset = offset;
    this.payloadEnd = payloadEnd;
    this.end = pos;
    this.extra = extra;
    this.pos = pos;
    return true;
  }
}
