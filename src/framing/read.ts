import { walkEntries } from "./cursor.js";
import { parseHeader } from "./header.js";
import type { FramedEntry, FramedImage, ReadOptions } from "./types.js";

/**
 * Reads a whole image held in memory. Entries and extras are views into
 * `bytes` (nothing is copied), so keep `bytes` unchanged while the result is
 * in use.
 */
export function readFramed(bytes: Uint8Array, options: ReadOptions = {}): FramedImage {
  const name = options.name;
  const { header, kind, size } = parseHeader(bytes.subarray(0, 8), name);
  if (kind.raw) return { ...header, entries: [], raw: bytes };
  const entries: FramedEntry[] = [];
  walkEntries(bytes, size, kind, name, (schema, offset, payloadEnd, end, extra) => {
    const payload = bytes.subarray(offset + 4, payloadEnd);
    entries.push(
      extra ? { schema, payload, extra: bytes.subarray(payloadEnd, end), offset } : { schema, payload, offset },
    );
  });
  return { ...header, entries };
}
