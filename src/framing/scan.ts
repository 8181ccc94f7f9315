/**
 * Checks an image's framing without producing entries: the fastest way to
 * know that an image is whole and count its entries.
 */
import { EntryCursor } from "./cursor.js";
import { parseHeader } from "./header.js";
import type { ImageHeader, ReadOptions } from "./types.js";

/** What `scanFramed` found: the header, the entry count and the image's size. */
export interface ScanResult {
  readonly header: ImageHeader;
  /** Number of entries (0 for raw images). */
  readonly entries: number;
  /** Bytes of the image. */
  readonly bytes: number;
}

/** Checks the whole framing of an image held in memory (every size, every extra) and counts its entries, without keeping them. Throws `CriuImageError` where `readFramed` would. */
export function scanFramed(bytes: Uint8Array, options: ReadOptions = {}): ScanResult {
  const name = options.name;
  const { header, kind, size } = parseHeader(bytes.subarray(0, 8), name);
  let entries = 0;
  if (!kind.raw) {
    const c = new EntryCursor(bytes, size, kind, name);
    while (c.next()) entries++;
  }
  return { header, entries, bytes: bytes.length };
}
