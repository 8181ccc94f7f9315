/**
 * Checks an image's framing without producing entries: the fastest way to
 * know that an image is whole and count its entries.
 */
import { walkEntries } from "./cursor.js";
import { parseHeader } from "./header.js";
import type { ImageHeader, ReadOptions } from "./types.js";

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
  let entries = 0;
  if (!kind.raw)
    walkEntries(bytes, size, kind, name, () => {
      entries++;
    });
  return { header, entries, bytes: bytes.length };
}
