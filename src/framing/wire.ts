/**
 * Just enough of the protobuf wire format to read the few integer fields that
 * say how long an extra payload is. The framing layer must not depend on a
 * protobuf runtime, and decoding a whole message to learn one length would
 * cost more than the framing itself.
 */

/** Thrown inside the scanner; callers turn it into a CriuImageError. */
export class WireError extends Error {}

/**
 * Value of the varint field `fieldNo` in `buf` (the last one wins, as in
 * protobuf), or undefined when absent. Values above 2^53 are reported as
 * Infinity so that length checks fail instead of wrapping.
 */
export function scanVarintField(buf: Uint8Array, fieldNo: number): number | undefined {
  const r = scan(buf, fieldNo);
  return r === undefined ? undefined : r[0];
}

/** A uint32 field as protobuf decoders see it: the low 32 bits of the varint. */
export function scanUint32Field(buf: Uint8Array, fieldNo: number): number | undefined {
  const r = scan(buf, fieldNo);
  return r === undefined ? undefined : r[1];
}

/** [value (Infinity above 2^53), low 32 bits] of the last `fieldNo` varint. */
function scan(buf: Uint8Array, fieldNo: number): [number, number] | undefined {
  let pos = 0;
  let found: [number, number] | undefined;
  const end = buf.length;
  while (pos < end) {
    let tag = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end) throw new WireError("truncated tag");
      const b = buf[pos++] as number;
      tag += (b & 0x7f) * 2 ** shift;
      shift += 7;
      if (b < 0x80) break;
      if (shift >= 35) throw new WireError("tag too long");
    }
    const wt = tag % 8;
    const no = Math.floor(tag / 8);
    if (no === 0 || no > 0x1fffffff) throw new WireError(`field number ${no}`);
    switch (wt) {
      case 0: {
        let v = 0;
        let lo = 0;
        let mul = 1;
        for (let i = 0; ; i++) {
          if (pos >= end) throw new WireError("truncated varint");
          if (i >= 10) throw new WireError("varint too long");
          const b = buf[pos++] as number;
          v += (b & 0x7f) * mul;
          if (i < 5) lo = (lo + (((b & 0x7f) * mul) % 0x1_0000_0000)) % 0x1_0000_0000;
          mul *= 128;
          if (b < 0x80) break;
        }
        if (no === fieldNo) found = [v > Number.MAX_SAFE_INTEGER ? Number.POSITIVE_INFINITY : v, lo];
        break;
      }
      case 1:
        pos += 8;
        break;
      case 5:
        pos += 4;
        break;
      case 2: {
        let len = 0;
        let mul = 1;
        for (let i = 0; ; i++) {
          if (pos >= end) throw new WireError("truncated length");
          if (i >= 10) throw new WireError("length too long");
          const b = buf[pos++] as number;
          len += (b & 0x7f) * mul;
          mul *= 128;
          if (b < 0x80) break;
        }
        pos += len;
        break;
      }
      default:
        // Groups (3, 4) never occur in CRIU's schema; 6 and 7 are invalid.
        throw new WireError(`wire type ${wt}`);
    }
    if (pos > end) throw new WireError("field runs past the entry");
  }
  return found;
}
