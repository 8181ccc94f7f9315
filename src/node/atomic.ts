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
import { lstat, readlink, realpath, stat } from "node:fs/promises";
import { basename, dirname, join, resolve as resolvePath } from "node:path";
import { TEMP_PREFIX } from "../archive/index.js";
import { FileError, fileError } from "./errors.js";
import { CREATE_NEW, fsOps } from "./fs-ops.js";

/** Prefix of our temporary files, so a later writer can find and remove leftovers. */
export { TEMP_PREFIX };

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

/**
 * Writes all of `data` (bytes or chunks) to an open file. With `chunksKept`
 * (each chunk stays whole until the chunk after next is asked for), the
 * next chunk is made while the previous one is being written.
 */
export async function writeData(
  h: Handle,
  data: Uint8Array | AsyncIterable<Uint8Array>,
  chunksKept = false,
): Promise<void> {
  if (data instanceof Uint8Array) return writeAll(h, data);
  if (!chunksKept) {
    for await (const c of data) await writeAll(h, c);
    return;
  }
  let writing: Promise<void> | undefined;
  try {
    for await (const c of data) {
      await writing;
      writing = writeAll(h, c);
    }
  } finally {
    // Never leave a write running past this call, whether the source or a write failed.
    await writing?.catch(() => {});
  }
  await writing;
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
  /** See WriteFileOptions. */
  chunksKept?: boolean;
  /** See WriteFileOptions (default true). */
  durable?: boolean;
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
  // Without a mode, open's default: 0666 less the umask.
  const h = await fsOps.open(tmp, CREATE_NEW, options.mode);
  try {
    if (options.mode !== undefined) await h.chmod(options.mode);
    if (options.owner && process.getuid?.() === 0) await h.chown(options.owner.uid, options.owner.gid);
    await writeData(h, data, options.chunksKept);
    if (options.durable !== false) await fsOps.sync(h);
  } catch (e) {
    await fsOps.close(h).catch(() => {});
    await fsOps.unlink(tmp).catch(() => {});
    throw e;
  }
  await fsOps.close(h);
  return tmp;
}

/** What `path` is, for writing: a new or regular file is replaced, anything else written into. */
interface Target {
  /** Written into (a device, FIFO or socket) instead of replaced. */
  into: boolean;
  /** The file itself: a symbolic link is followed to what it names. */
  path: string;
  mode?: number;
  owner?: { uid: number; gid: number };
}

/**
 * Refuses a symbolic link, anywhere in the chain `path` starts, that
 * belongs to another user: as the kernel's `protected_symlinks` does in
 * shared folders, a link someone else planted where you write must not
 * choose the file you overwrite (as root, any file of the machine).
 */
async function ownLinksOnly(path: string): Promise<void> {
  const uid = process.getuid?.();
  if (uid === undefined) return;
  let at = path;
  for (let hops = 0; hops < 40; hops++) {
    const st = await lstat(at).catch(() => undefined);
    if (!st?.isSymbolicLink()) return;
    if (st.uid !== uid)
      throw new FileError(
        "IO",
        path,
        `${at === path ? "is" : `leads through ${at}, which is`} a symbolic link of another user (uid ${st.uid}); criu-image follows only your own links: write to the file's own path`,
      );
    at = resolvePath(dirname(at), await readlink(at));
  }
}

async function targetOf(path: string): Promise<Target> {
  await ownLinksOnly(path);
  const st = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === "ENOENT") return undefined;
    throw e;
  });
  if (!st) {
    // Nothing there, or a symbolic link to nothing, which is not followed to create a file where it points.
    if (await lstat(path).catch(() => undefined))
      throw new FileError("IO", path, "is a symbolic link to a missing file; not creating a file through it");
    return { into: false, path };
  }
  if (st.isDirectory()) throw new FileError("IO", path, "is a folder (EISDIR)", "EISDIR");
  if (!st.isFile()) return { into: true, path };
  return { into: false, path: await realpath(path), mode: st.mode & 0o7777, owner: { uid: st.uid, gid: st.gid } };
}

/** Options of `writeFileAtomic`. */
export interface WriteFileOptions {
  /**
   * Each chunk of `data` stays whole until the chunk after next is asked
   * for (a buffer of its own, or one of two that take turns): the next
   * chunk is then made while the previous one is being written. Leave it
   * unset for chunks that are views of one buffer the source reuses.
   */
  chunksKept?: boolean;
  /** The permission bits of a new file (0666 less the umask without it); a file replaced keeps its own. */
  mode?: number;
  /**
   * false: leave out the fsyncs. The replacement stays atomic for every
   * failure of this process (`path` is whole, old or new), but a power
   * failure can leave it empty. For files made from a checkpoint that can
   * be made again (JSON, reports); never for the checkpoint's own files.
   * Default true.
   */
  durable?: boolean;
}

/**
 * Replaces `path` with `data`. A regular file (or a new one) is replaced
 * atomically and keeps its mode and, when run as root, its owner; a new
 * file gets `options.mode`, else 0666 less the umask. A device, FIFO or socket is written into.
 * On any failure, `path` is as it was and no temporary file is left; the
 * error names `path`.
 */
export async function writeFileAtomic(
  path: string,
  data: Uint8Array | AsyncIterable<Uint8Array>,
  options: WriteFileOptions = {},
): Promise<void> {
  const kept = options.chunksKept ?? false;
  try {
    const target = await targetOf(path);
    if (target.into) {
      const h = await fsOps.open(target.path, constants.O_WRONLY | constants.O_TRUNC);
      try {
        await writeData(h, data, kept);
      } finally {
        await fsOps.close(h).catch(() => {});
      }
      return;
    }
    const dir = dirname(target.path);
    const durable = options.durable ?? true;
    const tmp = await writeTemp(dir, basename(target.path), data, {
      mode: options.mode,
      ...target,
      chunksKept: kept,
      durable,
    });
    try {
      await fsOps.rename(tmp, target.path);
    } catch (e) {
      await fsOps.unlink(tmp).catch(() => {});
      throw e;
    }
    if (durable) await syncDir(dir);
  } catch (e) {
    throw fileError(e, path, "cannot write");
  }
}
