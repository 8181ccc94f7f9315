/**
 * Writing one file so that a crash or a full disk never leaves it half
 * written: a new temporary file beside it, every byte written and fsynced,
 * one rename, then an fsync of the folder.
 *
 * Only regular files are replaced that way. A device, FIFO or socket given
 * as the output (`-o /dev/null`, `-o /dev/stdout`) is written into, as
 * `cat >` would, because replacing it with a regular file breaks the host.
 * A symbolic link is written through: the file it points at is replaced
 * (atomically when it is a regular file), and the link stays a link.
 */
import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { lstat, realpath, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { FileError, fileError } from "./errors.js";
import { CREATE_NEW, fsOps } from "./fs-ops.js";

/** Prefix of our temporary files, so a later writer can find and remove leftovers. */
export const TEMP_PREFIX = ".criu-image-tmp-";

type Handle = Awaited<ReturnType<typeof fsOps.open>>;

/** Writes every byte, looping over short writes; a write that makes no progress fails. */
export async function writeAll(h: Handle, data: Uint8Array): Promise<void> {
  let done = 0;
  while (done < data.length) {
    const { bytesWritten } = await fsOps.write(h, data, done, data.length - done);
    if (bytesWritten <= 0) throw Object.assign(new Error("no progress"), { code: "EIO" });
    done += bytesWritten;
  }
}

/** Writes all of `data` (bytes or chunks) to an open file. */
export async function writeData(h: Handle, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
  if (data instanceof Uint8Array) await writeAll(h, data);
  else for await (const c of data) await writeAll(h, c);
}

/** fsyncs a folder so a rename or a new name in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const h = await fsOps.open(dir, constants.O_RDONLY);
  try {
    await fsOps.sync(h);
  } catch (e) {
    // Some file systems refuse fsync on folders; the rename is still atomic.
    if ((e as NodeJS.ErrnoException).code !== "EINVAL") throw e;
  } finally {
    await fsOps.close(h);
  }
}

/** A fresh name for a temporary file beside `final` (a base name). */
export const tempName = (final: string): string => `${TEMP_PREFIX}${randomBytes(6).toString("hex")}-${final}`;

export interface TempOptions {
  /** Permission bits of the file (default: 0666 less the umask, as for any new file). */
  mode?: number;
  /** Owner to give the file (only root may; ignored otherwise). */
  owner?: { uid: number; gid: number };
}

/**
 * Writes a new temporary file in `dir`, never following or reusing an
 * existing name, and fsyncs it. Returns its path. On failure nothing is left.
 */
export async function writeTemp(
  dir: string,
  final: string,
  data: Uint8Array | AsyncIterable<Uint8Array>,
  options: TempOptions = {},
): Promise<string> {
  const tmp = join(dir, tempName(final));
  const h = await fsOps.open(tmp, CREATE_NEW, options.mode ?? 0o666);
  try {
    if (options.mode !== undefined) await h.chmod(options.mode);
    if (options.owner && process.getuid?.() === 0) await h.chown(options.owner.uid, options.owner.gid);
    await writeData(h, data);
    await fsOps.sync(h);
  } catch (e) {
    await fsOps.close(h).catch(() => {});
    await fsOps.unlink(tmp).catch(() => {});
    throw e;
  }
  await fsOps.close(h);
  return tmp;
}

/** What `path` is, for writing: a new or regular file is replaced, anything else written into. */
type Target =
  | { type: "replace"; path: string; mode?: number; owner?: { uid: number; gid: number } }
  | { type: "into"; path: string };

async function targetOf(path: string): Promise<Target> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return { type: "replace", path };
    throw e;
  }
  let real = path;
  if (st.isSymbolicLink()) {
    try {
      st = await stat(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT")
        throw new FileError("IO", path, "is a symbolic link to a missing file; not creating a file through it");
      throw e;
    }
    real = await realpath(path);
  }
  if (st.isDirectory()) throw new FileError("IO", path, "is a folder (EISDIR)", "EISDIR");
  if (!st.isFile()) return { type: "into", path };
  return { type: "replace", path: real, mode: st.mode & 0o7777, owner: { uid: st.uid, gid: st.gid } };
}

/**
 * Replaces `path` with `data`. A regular file (or a new one) is replaced
 * atomically and keeps its mode and, when run as root, its owner; a new
 * file gets 0666 less the umask. A device, FIFO or socket is written into.
 * On any failure, `path` is as it was and no temporary file is left; the
 * error names `path`.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
  try {
    const target = await targetOf(path);
    if (target.type === "into") {
      const h = await fsOps.open(target.path, constants.O_WRONLY | constants.O_TRUNC);
      try {
        await writeData(h, data);
      } finally {
        await fsOps.close(h).catch(() => {});
      }
      return;
    }
    const dir = dirname(target.path);
    const options: TempOptions = {};
    if (target.mode !== undefined) options.mode = target.mode;
    if (target.owner) options.owner = target.owner;
    const tmp = await writeTemp(dir, basename(target.path), data, options);
    try {
      await fsOps.rename(tmp, target.path);
    } catch (e) {
      await fsOps.unlink(tmp).catch(() => {});
      throw e;
    }
    await syncDir(dir);
  } catch (e) {
    throw fileError(e, path, "cannot write");
  }
}
