import { CriuImageError } from "./errors.js";
import { parseHeader } from "./header.js";
import { entryParser } from "./parser.js";
import type { FramedEntry, FramedImage, ReadOptions } from "./types.js";

/**
 * Reads a whole image held in memory. Entries and extras are views into
 * `bytes` (nothing is copied except IPC message records), so keep `bytes`
 * unchanged while the result is in use.
 */
export function readFramed(bytes: Uint8Array, options: ReadOptions = {}): FramedImage {
  const name = options.name;
  const { header, kind, size } = parseHeader(bytes.subarray(0, 8), name);
  if (kind.raw) return { ...header, entries: [], raw: bytes };
  const entries: FramedEntry[] = [];
  const parser = entryParser(kind, name, size);
  let pos = size;
  let input: Uint8Array | undefined;
  for (;;) {
    const step = parser.next(input);
    if (step.done) break;
    const req = step.value;
    switch (req.type) {
      case "entry":
        entries.push(req.entry);
        input = undefined;
        break;
      case "rest":
        input = bytes.subarray(pos);
        pos = bytes.length;
        break;
      case "read":
        if (req.boundary && pos === bytes.length) {
          input = undefined;
          break;
        }
        if (req.n > bytes.length - pos) {
          throw new CriuImageError("TRUNCATED", name, pos, req.what, `only ${bytes.length - pos} bytes left`);
        }
        input = bytes.subarray(pos, pos + req.n);
        pos += req.n;
        break;
    }
  }
  return { ...header, entries };
}
