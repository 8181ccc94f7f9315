/**
 * Unknown fields in JSON. crit drops them; we keep them under a "$unknown"
 * key (crit's encoder ignores keys it does not know) as base64 of their wire
 * bytes, so a JSON round trip loses nothing.
 */
import type { Message } from "@bufbuild/protobuf";

type Unknown = { no: number; wireType: number; data: Uint8Array };

function varint(n: number, out: number[]): void {
  while (n > 0x7f) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
}

export function unknownToBytes(list: readonly Unknown[]): Uint8Array {
  const out: number[] = [];
  for (const u of list) {
    varint(u.no * 8 + u.wireType, out);
    for (const b of u.data) out.push(b);
  }
  return Uint8Array.from(out);
}

function readVarint(b: Uint8Array, p: { i: number }): number {
  let v = 0;
  let mul = 1;
  for (let k = 0; k < 10; k++) {
    if (p.i >= b.length) throw new Error("truncated varint");
    const c = b[p.i++] as number;
    v += (c & 0x7f) * mul;
    mul *= 128;
    if (c < 0x80) return v;
  }
  throw new Error("varint too long");
}

/** Splits wire bytes into protobuf-es unknown-field records (data as protobuf-es keeps it). */
export function bytesToUnknown(b: Uint8Array): Unknown[] {
  const out: Unknown[] = [];
  const p = { i: 0 };
  while (p.i < b.length) {
    const tag = readVarint(b, p);
    const no = Math.floor(tag / 8);
    const wireType = tag % 8;
    const start = p.i;
    if (wireType === 0) readVarint(b, p);
    else if (wireType === 1) p.i += 8;
    else if (wireType === 5) p.i += 4;
    else if (wireType === 2) {
      const len = readVarint(b, p);
      p.i += len;
    } else throw new Error(`unsupported wire type ${wireType}`);
    if (p.i > b.length) throw new Error("unknown field runs past the end");
    out.push({ no, wireType, data: b.slice(start, p.i) });
  }
  return out;
}

export function unknownOf(msg: Message): Unknown[] | undefined {
  const u = (msg as { $unknown?: Unknown[] }).$unknown;
  return u && u.length > 0 ? u : undefined;
}
