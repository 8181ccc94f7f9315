/**
 * Just enough of the protobuf wire format to read the few integer fields that
 * say how long an extra payload is. The framing layer must not depend on a
 * protobuf runtime, and decoding a whole message to learn one length would
 * cost more than the framing itself. `WireCursor` is also the varint reader
 * of the crit-JSON fast path.
 */

/** Thrown inside the scanner; callers turn it into a CriuImageError. */
export class WireError extends Error {}

/**
 * @internal Exported for criu-image's other layers, not part of the API.
 * A position in protobuf bytes; `lo`/`hi` hold the halves of the last varint
 * read. Bits past the 64th are dropped, as protobuf decoders do.
 */
export class WireCursor {
  pos: number;
  lo = 0;
  hi = 0;
  constructor(
    public buf: Uint8Array,
    start: number,
    public end: number,
  ) {
    this.pos = start;
  }

  /** Reads a varint of at most 10 bytes into lo/hi; false when truncated or longer. */
  varint(): boolean {
    const p = readVarint(this.buf, this.pos, this.end);
    if (p < 0) return false;
    this.pos = p;
    this.lo = VARINT.lo;
    this.hi = VARINT.hi;
    return true;
  }
}

/** @internal The halves of the varint `readVarint` read last (one pair, so nothing is allocated per value). */
export const VARINT = { lo: 0, hi: 0 };

/**
 * @internal The library's one varint reader: reads the varint at b[p] (at
 * most 10 bytes) into VARINT and returns the position after it, or -1 when
 * it is cut short by `end` or longer. Bits past the 64th are dropped, as
 * protobuf-es's reader drops them.
 */
export function readVarint(b: Uint8Array, p: number, end: number): number {
  let lo = 0;
  let hi = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (p >= end) return -1;
    const c = b[p++] as number;
    if (shift < 28) lo |= (c & 0x7f) << shift;
    else if (shift === 28) {
      lo |= (c & 0x0f) << 28;
      hi |= (c & 0x7f) >> 4;
    } else hi |= (c & 0x7f) << (shift - 32);
    if (c < 0x80) {
      VARINT.lo = lo >>> 0;
      VARINT.hi = hi >>> 0;
      return p;
    }
  }
  return -1;
}

/**
 * Value of the varint field `fieldNo` in `buf` (the last one wins, as in
 * protobuf), or undefined when absent. Values of 2^53 and above are reported
 * as Infinity so that length checks fail instead of wrapping.
 */
export function scanVarintField(buf: Uint8Array, fieldNo: number): number | undefined {
  const c = scan(buf, fieldNo);
  if (c === undefined) return undefined;
  return c.hi >= 0x200000 ? Number.POSITIVE_INFINITY : c.hi * 0x1_0000_0000 + c.lo;
}

/** A uint32 field as protobuf decoders see it: the low 32 bits of the varint. */
export function scanUint32Field(buf: Uint8Array, fieldNo: number): number | undefined {
  return scan(buf, fieldNo)?.lo;
}

/**
 * @internal Reads a field's tag at the cursor: the field number times 8 plus
 * the wire type. Throws WireError on a truncated tag or field number 0.
 */
export function readTag(c: WireCursor): number {
  if (!c.varint()) throw new WireError("truncated or overlong tag");
  if (c.hi !== 0) throw new WireError("tag too long");
  if (c.lo >>> 3 === 0) throw new WireError(`field number ${c.lo >>> 3}`);
  return c.lo;
}

/**
 * @internal Steps over a value of wire type `wt` (a varint is left in
 * lo/hi, a length-delimited value's length in lo). Throws WireError when the
 * value is malformed or runs past `c.end`.
 */
export function skipValue(c: WireCursor, wt: number): void {
  switch (wt) {
    case 0:
      if (!c.varint()) throw new WireError("truncated or overlong varint");
      break;
    case 1:
      c.pos += 8;
      break;
    case 5:
      c.pos += 4;
      break;
    case 2:
      if (!c.varint()) throw new WireError("truncated or overlong length");
      // A length past 2^32 runs past any entry, which the check below reports.
      c.pos += c.hi !== 0 ? Number.POSITIVE_INFINITY : c.lo;
      break;
    default:
      // Groups (3, 4) never occur in CRIU's schema; 6 and 7 are invalid.
      throw new WireError(`wire type ${wt}`);
  }
  if (c.pos > c.end) throw new WireError("field runs past the entry");
}

/** The last `fieldNo` varint of `buf`, as its halves. */
function scan(buf: Uint8Array, fieldNo: number): { lo: number; hi: number } | undefined {
  const c = new WireCursor(buf, 0, buf.length);
  let found: { lo: number; hi: number } | undefined;
  while (c.pos < c.end) {
    const tag = readTag(c);
    skipValue(c, tag & 7);
    if (tag === ((fieldNo << 3) | 0)) found = { lo: c.lo, hi: c.hi };
  }
  return found;
}
