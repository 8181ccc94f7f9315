/**
 * What a path holds (folder, archive, image), told from its type and first
 * bytes. Apart from the readers so that a command that only needs to know
 * (`info` of one image) loads none of them.
 */
import { open, stat } from "node:fs/promises";
import { compressionOf, isTarHeader } from "../archive/index.js";
import { kindByMagic } from "../framing/kinds.js";
import { IMG_COMMON_MAGIC, IMG_SERVICE_MAGIC } from "../framing/magic.js";
import { fileError } from "./errors.js";

/** What a path holds. */
export type PathKind = "folder" | "archive" | "image" | "other";

/**
 * What a path holds, from its type and first bytes: a checkpoint folder, an
 * archive (tar, compressed, or a pipe or device to read as one), one image
 * file, or something else. Tells a tool taking paths the way the CLI does
 * which reader to use; a missing or unreadable path is a FileError.
 */
export async function pathKind(path: string): Promise<PathKind> {
  return (await probe(path)).kind;
}

/** The path's kind, and its size when it is a regular file (the total of an archive's progress). */
export async function probe(path: string): Promise<{ kind: PathKind; size?: number }> {
  const st = await stat(path).catch((e) => {
    throw fileError(e, path);
  });
  if (st.isDirectory()) return { kind: "folder" };
  if (!st.isFile()) return { kind: "archive" }; // a pipe or device: read it as a stream
  return { kind: await fileKind(path), size: st.size };
}

async function fileKind(path: string): Promise<PathKind> {
  const h = await open(path, "r").catch((e) => Promise.reject(fileError(e, path, "cannot read")));
  const head = new Uint8Array(512);
  try {
    await h.read(head, 0, 512, 0);
  } finally {
    await h.close();
  }
  if (compressionOf(head) !== "none") return "archive";
  if (isTarHeader(head)) return "archive";
  const magic = new DataView(head.buffer).getUint32(0, true);
  if (magic === IMG_COMMON_MAGIC || magic === IMG_SERVICE_MAGIC || kindByMagic(magic)) return "image";
  return "other";
}
