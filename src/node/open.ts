/**
 * Opening a checkpoint by path: a folder, an archive (tar, tar.gz,
 * tar.zst), or "-" for an archive on standard input. What is not a
 * checkpoint is refused with a message that says what was expected.
 */
import { Checkpoint } from "../checkpoint/checkpoint.js";
import type { PagesPolicy } from "../checkpoint/source.js";
import { openArchiveSource } from "./archive.js";
import { FileError } from "./errors.js";
import { openFolderSource } from "./folder.js";
import { type PathKind, pathKind, probe } from "./path-kind.js";
import { fileChunks } from "./read-range.js";

export { type PathKind, pathKind };

/**
 * A `pages` policy for reading memory at random after one pass over an
 * archive (`openCheckpoint(path, { pages: pagesForRandomAccess })`): each
 * pages file is kept in memory up to 64 MiB and spooled to a private
 * temporary file above.
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
  /** Archives: the most bytes of pages to spool to temporary files (default 16 GiB). */
  spoolLimit?: number;
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
    ...(options.spoolLimit !== undefined ? { spoolLimit: options.spoolLimit } : {}),
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
    await openArchiveSource(fileChunks(input), {
      label: input,
      ...pages,
      ...progress(size),
    }),
  );
}
