/**
 * The files.img entries the rules read, decoded once: each entry's type is
 * read from the wire first, so the million sockets of a big checkpoint are
 * stepped over, not decoded.
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import type { file_entry } from "../gen/index.js";
import { decodeEntry } from "../image/read.js";
import { fileEntryType } from "../inspect/inet-wire.js";

/**
 * Every file_entry but sockets of the inet kind, by type, from one pass:
 * the rules ask for regular files, ttys, unix sockets, memfds and pidfds,
 * and a checkpoint of a million sockets is scanned once, not per rule.
 */
export function filesByType(cp: Checkpoint, skip: ReadonlySet<number>): Map<number, file_entry[]> {
  const out = new Map<number, file_entry[]>();
  const put = (f: file_entry) => {
    const list = out.get(f.type);
    if (list) list.push(f);
    else out.set(f.type, [f]);
  };
  if (cp.decoded("files.img")) {
    for (const f of cp.each("files.img", "FILES")) if (!skip.has(f.type)) put(f);
    return out;
  }
  const framed = cp.framed("files.img", "FILES");
  if (!framed) return out;
  for (const e of framed.entries()) {
    if (skip.has(fileEntryType(e.payload, "files.img", (e.offset ?? 0) + 4))) continue;
    put(decodeEntry(framed.header, e).message as file_entry);
  }
  return out;
}
