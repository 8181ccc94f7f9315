/**
 * File-system failures as CriuImageError: one line that names the path the
 * user gave (never one of our temporary files) and what went wrong.
 */
import { CriuImageError, type CriuImageErrorCode } from "../framing/errors.js";

const WHAT: Record<string, string> = {
  ENOENT: "no such file or folder",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EISDIR: "is a folder",
  ENOTDIR: "not a folder",
  EEXIST: "already exists",
  ELOOP: "is a symbolic link",
  ENXIO: "cannot be opened for writing (no reader, or a socket)",
  EIO: "input/output error",
  EFBIG: "file too large",
  EMFILE: "too many open files",
};

/** A failure about a file or folder: `path` is the one the user named. */
export class FileError extends CriuImageError {
  override readonly name = "FileError";
  /** The errno code (ENOSPC, EACCES, …) when the system gave one. */
  readonly errno: string | undefined;
  constructor(code: CriuImageErrorCode, path: string, what: string, errno?: string) {
    super(code, path, 0, what);
    this.message = `${path}: ${what}`;
    this.errno = errno;
  }
}

/** Turns a Node error into a FileError about `path`; keeps FileErrors as they are. */
export function fileError(e: unknown, path: string, doing?: string): Error {
  if (e instanceof CriuImageError) return e;
  const err = e as NodeJS.ErrnoException;
  if (!err || typeof err.code !== "string") return e as Error;
  const what = WHAT[err.code] ?? err.message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "");
  return new FileError("IO", path, `${doing ? `${doing}: ` : ""}${what} (${err.code})`, err.code);
}

/** Runs `fn`, reporting any file-system failure against `path`. */
export async function about<T>(path: string, fn: () => Promise<T>, doing?: string): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    throw fileError(e, path, doing);
  }
}
