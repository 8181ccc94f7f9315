import { EntryCursor } from "./cursor.js";
import { parseHeader } from "./header.js";
import type { FramedEntry, FramedImage, ImageHeader, ReadOptions } from "./types.js";

/** One entry at the cursor, as views into the image's bytes. */
function entryAt(bytes: Uint8Array, c: EntryCursor): FramedEntry {
  const payload = bytes.subarray(c.offset + 4, c.payloadEnd);
  return c.extra
    ? { schema: c.schema, payload, extra: bytes.subarray(c.payloadEnd, c.end), offset: c.offset }
    : { schema: c.schema, payload, offset: c.offset };
}

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
  const c = new EntryCursor(bytes, size, kind, name);
  while (c.next()) entries.push(entryAt(bytes, c));
  return { ...header, entries };
}

/** An image held in memory whose entries are read one at a time, on demand. */
export interface FramedIteration {
  /** Read when `iterateFramed` is called: a bad magic throws there. */
  readonly header: ImageHeader;
  /**
   * The entries, each read when the loop reaches it (views into the bytes,
   * as `readFramed` gives them). A framing error is thrown by the loop, at
   * the entry where it is. Raw images have none. Each call walks anew.
   */
  entries(): Generator<FramedEntry, void, undefined>;
}

/**
 * Reads an image's entries one at a time, keeping none: for images too big
 * to hold as entry objects (a files.img of a million sockets), where only an
 * index of them is wanted. The same checks and errors as `readFramed`.
 */
export function iterateFramed(bytes: Uint8Array, options: ReadOptions = {}): FramedIteration {
  const name = options.name;
  const { header, kind, size } = parseHeader(bytes.subarray(0, 8), name);
  return {
    header,
    *entries() {
      if (kind.raw) return;
      const c = new EntryCursor(bytes, size, kind, name);
      while (c.next()) yield entryAt(bytes, c);
    },
  };
}
