/**
 * Opening a checkpoint by path: a folder, an archive (tar, tar.gz,
 * tar.zst), or "-" for an archive on standard input. What is not a
 * checkpoint is refused with a message that says what was expected.
 */
import { createReadStream } from "node:fs";
import { open, stat } from "node:fs/promises";
import { Checkpoint } from "../checkpoint/checkpoint.js";
import type { PagesPolicy } from "../checkpoint/source.js";
import { kindByMagic } from "../framing/kinds.js";
import { IMG_COMMON_MAGIC, IMG_SERVICE_MAGIC } from "../framing/magic.js";
import { openArchiveSource } from "./archive.js";
import { compressionOf } from "./compress.js";
import { FileError, fileError } from "./errors.js";
import { openFolderSource } from "./folder.js";

/** What a path holds. */
export type PathKind = "folder" | "archive" | "image" | "other";

/** What a path holds, from its type and first bytes. */
export async function pathKind(path: string): Promise<PathKind> {
  return (await probe(path)).kind;
}

/** The path's kind, and its size when it is a regular file (the total of an archive's progress). */
async function probe(path: string): Promise<{ kind: PathKind; size?: number }> {
  const st = await stat(path).catch((e) => {
    throw fileError(e, path);
  });
  if (st.isDirectory()) return { kind: "folder" };
  if (!st.isFile()) return { kind: "archive" }; // a pipe or device: read it as a stream
  return { kind: await fileKind(path), size: st.size };
}

async function fileKind(path: string): Promise<PathKind> {
  const h = await open(path, "r");
  const head = new Uint8Array(512);
  try {
    await h.read(head, 0, 512, 0);
  } finally {
    await h.close();
  }
  if (compressionOf(head) !== "none") return "archive";
  if (new TextDecoder().decode(head.subarray(257, 262)) === "ustar") return "archive";
  const magic = new DataView(head.buffer).getUint32(0, true);
  if (magic === IMG_COMMON_MAGIC || magic === IMG_SERVICE_MAGIC || kindByMagic(magic)) return "image";
  return "other";
}

/**
 * Pages files kept for random access after one pass over an archive: in
 * memory up to 64 MiB each, spooled to a private temporary file above.
 */
export const pagesForRandomAccess: PagesPolicy = (_name, size) => (size <= 64 << 20 ? "all" : "spool");

/** Options of `openCheckpoint`. */
export interface OpenOptions {
  /** Standard input, for "-" (default: process.stdin). */
  stdin?: AsyncIterable<Uint8Array>;
  /** Archives: which parts of the pages files to keep in the one pass (see PagesPolicy). */
  pages?: PagesPolicy;
  /** Archives: told when a pages file is spooled to a temporary file. */
  onSpool?: (path: string, size: number) => void;
  /** Archives: told the bytes read so far, and the archive's size when it is a file. */
  onProgress?: (done: number, total?: number) => void;
}

/** Opens a checkpoint folder or archive by path ("-": an archive on stdin), or an archive stream. */
export async function openCheckpoint(
  input: string | AsyncIterable<Uint8Array>,
  options: OpenOptions = {},
): Promise<Checkpoint> {
  const pages = {
    ...(options.pages ? { pages: options.pages } : {}),
    ...(options.onSpool ? { onSpool: options.onSpool } : {}),
  };
  const progress = (total?: number) =>
    options.onProgress ? { onInput: (n: number) => options.onProgress?.(n, total) } : {};
  if (typeof input !== "string")
    return new Checkpoint(await openArchiveSource(input, { label: "archive", ...pages, ...progress() }));
  if (input === "-")
    return new Checkpoint(
      await openArchiveSource(options.stdin ?? process.stdin, { label: "stdin", ...pages, ...progress() }),
    );
  const { kind, size } = await probe(input);
  if (kind === "folder") {
    const cp = new Checkpoint(await openFolderSource(input));
    if (cp.names().length === 0 && !cp.source.notes.some((n) => /pending/.test(n.message))) {
      throw new FileError("NOT_CHECKPOINT", input, "is not a checkpoint: the folder holds no CRIU image");
    }
    return cp;
  }
  if (kind === "image") {
    throw new FileError(
      "NOT_CHECKPOINT",
      input,
      "is one CRIU image, not a checkpoint; this command takes a checkpoint folder or archive (decode, info and show take one image)",
    );
  }
  if (kind === "other") {
    throw new FileError(
      "NOT_CHECKPOINT",
      input,
      "is neither a checkpoint folder nor a checkpoint archive (tar, tar.gz, tar.zst)",
    );
  }
  return new Checkpoint(
    await openArchiveSource(createReadStream(input, { highWaterMark: 1 << 16 }), {
      label: input,
      ...pages,
      ...progress(size),
    }),
  );
}
