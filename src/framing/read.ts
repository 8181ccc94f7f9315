import { CriuImageError } from "./errors.js";
import { parseHeader } from "./header.js";
import type { ImageKindInfo } from "./kinds.js";
import { entryParser } from "./parser.js";
import type { FramedEntry, FramedImage, ReadOptions } from "./types.js";

/**
 * Kinds without extra payloads are a plain run of (size, payload): read them
 * in a loop, without the parser's generator, which is most of the time for
 * images of many small entries. Errors are the same as the parser's.
 */
function plainEntries(bytes: Uint8Array, start: number, kind: ImageKindInfo, name: string | undefined): FramedEntry[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length;
  const entries: FramedEntry[] = [];
  let pos = start;
  while (pos < end) {
    if (pos + 4 > end)
      throw new CriuImageError("TRUNCATED", name, pos, "a 4-byte entry size", `only ${end - pos} bytes left`);
    const size = view.getUint32(pos, true);
    const schema = entries.length > 0 && kind.schemaRest ? kind.schemaRest : kind.schema;
    if (size > end - pos - 4) {
      throw new CriuImageError(
        "TRUNCATED",
        name,
        pos + 4,
        `${size} bytes of a ${schema} entry`,
        `only ${end - pos - 4} bytes left`,
      );
    }
    entries.push({ schema, payload: bytes.subarray(pos + 4, pos + 4 + size), offset: pos });
    pos += 4 + size;
  }
  return entries;
}

/**
 * Reads a whole image held in memory. Entries and extras are views into
 * `bytes` (nothing is copied except IPC message records), so keep `bytes`
 * unchanged while the result is in use.
 */
export function readFramed(bytes: Uint8Array, options: ReadOptions = {}): FramedImage {
  const name = options.name;
  const { header, kind, size } = parseHeader(bytes.subarray(0, 8), name);
  if (kind.raw) return { ...header, entries: [], raw: bytes };
  if (kind.extra === "none" || kind.extra === "pagemap")
    return { ...header, entries: plainEntries(bytes, size, kind, name) };
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
