/**
 * Unknown fields in JSON. crit drops them; we keep them under a "$unknown"
 * key (crit's encoder ignores keys it does not know) as base64 of their wire
 * bytes, so a JSON round trip loses nothing. The wire is read and written
 * with protobuf-es's own reader and writer, as protobuf-es keeps unknowns.
 */
import type { Message } from "@bufbuild/protobuf";
import { BinaryReader, BinaryWriter, type WireType } from "@bufbuild/protobuf/wire";

type Unknown = { no: number; wireType: WireType; data: Uint8Array };

export function unknownToBytes(list: readonly Unknown[]): Uint8Array {
  const w = new BinaryWriter();
  for (const u of list) w.tag(u.no, u.wireType).raw(u.data);
  return w.finish();
}

/** Splits wire bytes into protobuf-es unknown-field records (data as protobuf-es keeps it). Throws on bad wire bytes. */
export function bytesToUnknown(b: Uint8Array): Unknown[] {
  const out: Unknown[] = [];
  const r = new BinaryReader(b);
  while (r.pos < r.len) {
    const [no, wireType] = r.tag();
    // skip() reads past the field (checking its length) and returns its bytes after the tag.
    const data = r.skip(wireType, no);
    out.push({ no, wireType, data: data.slice() });
  }
  return out;
}

export function unknownOf(msg: Message): Unknown[] | undefined {
  const u = (msg as { $unknown?: Unknown[] }).$unknown;
  return u && u.length > 0 ? u : undefined;
}
