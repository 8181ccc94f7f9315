/**
 * A new folder for a checkpoint written elsewhere (`--out`). It is created
 * by this run and no other: an existing path is refused, so nobody can have
 * planted links in it. It stays private (0700) while files are written,
 * every file is created new (never following a link), and it gets its final
 * mode (0777 less the umask) only when complete. On failure what this run
 * created is removed.
 *
 * Whoever may write in the parent folder can rename the new folder away
 * and put a link or another folder in its place at any moment. So the
 * folder is opened once, right after it is made (refusing a link, and a
 * folder this user does not own), and everything after goes through that
 * handle: files are created by `/proc/self/fd/N/NAME`, which the kernel
 * resolves to the opened folder whatever its path now names, and its mode
 * and fsync are by handle. Where `/proc` is missing (not Linux) the path is
 * used, and the path is checked to be still the opened folder before and
 * after each file: a swap is then found, but a file created in the instant
 * between the check and the creation can land elsewhere.
 */
import { constants, existsSync } from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { readdir, rmdir, symlink } from "node:fs/promises";
import { join } from "node:path";
import { writeData } from "./atomic.js";
import { FileError, fileError } from "./errors.js";
import { CREATE_NEW, fsOps, O_NOFOLLOW } from "./fs-ops.js";

const O_DIRECTORY = constants.O_DIRECTORY ?? 0;
/** Whether a folder's handle can name its files (Linux's /proc); tests turn it off to try the other way. */
export const platform = { byHandle: existsSync("/proc/self/fd") };

export class OutputDir {
  private finished = false;
  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly ino: number,
  ) {}

  /** Where a file of the folder is created: by handle, not by the path that someone may swap. */
  private at(name: string): string {
    return platform.byHandle ? `/proc/self/fd/${this.handle.fd}/${name}` : join(this.path, name);
  }

  /** The path must still be the folder we opened (checked after each file without /proc, and at the end). */
  private async still(always = false): Promise<void> {
    if (platform.byHandle && !always) return;
    const now = await fsOps.lstat(this.path).catch(() => undefined);
    if (!now?.isDirectory() || now.ino !== this.ino)
      throw new FileError("IO", this.path, "was replaced while the checkpoint was written into it");
  }

  /** Creates the folder; refuses a path that exists in any form. */
  static async create(path: string): Promise<OutputDir> {
    try {
      await fsOps.mkdir(path, 0o700);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST")
        throw new FileError("IO", path, "already exists; give a new folder name to write the checkpoint to", "EEXIST");
      throw fileError(e, path, "cannot create the output folder");
    }
    const handle = await fsOps.open(path, constants.O_RDONLY | O_DIRECTORY | O_NOFOLLOW).catch((e) => {
      throw fileError(e, path, "was replaced right after it was created (by a link or not a folder)");
    });
    const st = await handle.stat();
    const uid = process.getuid?.();
    if (!st.isDirectory() || (uid !== undefined && st.uid !== uid)) {
      await fsOps.close(handle);
      throw new FileError("IO", path, "was replaced right after it was created (by a folder of another user)");
    }
    return new OutputDir(path, handle, st.ino);
  }

  /** Writes a new file (a bare name) with these bytes or chunks, fsynced. */
  async write(name: string, data: Uint8Array | AsyncIterable<Uint8Array>, mode = 0o644): Promise<void> {
    if (name.includes("/") || name === "." || name === "..") throw new FileError("INVALID", name, "not a file name");
    const path = join(this.path, name);
    try {
      await this.still();
      const h = await fsOps.open(this.at(name), CREATE_NEW, mode);
      try {
        await writeData(h, data);
        await fsOps.sync(h);
      } finally {
        await fsOps.close(h);
      }
      await this.still();
    } catch (e) {
      throw fileError(e, path, "cannot write");
    }
  }

  /** Copies a file in, by its bytes (never through a link). */
  async copy(name: string, from: string): Promise<void> {
    // Never through a link: a link planted among the source's files would copy whatever it points at.
    const src = await fsOps.open(from, constants.O_RDONLY | constants.O_NOFOLLOW).catch((e) => {
      throw fileError(e, from, "cannot read");
    });
    try {
      const st = await src.stat();
      if (!st.isFile()) throw new FileError("IO", from, "is not a regular file; only regular files are copied");
      // The source's own permissions: a private (0600) image stays private.
      const mode = st.mode & 0o777;
      async function* chunks(): AsyncGenerator<Uint8Array> {
        const buf = new Uint8Array(1 << 20);
        for (;;) {
          const { bytesRead } = await src.read(buf, 0, buf.length, null);
          if (bytesRead === 0) return;
          yield buf.subarray(0, bytesRead);
        }
      }
      await this.write(name, chunks(), mode);
    } finally {
      await fsOps.close(src);
    }
  }

  /** Makes a symbolic link (a chain's `parent`); never replaces anything. */
  async link(name: string, target: string): Promise<void> {
    const path = join(this.path, name);
    await symlink(target, this.at(name)).catch((e) => {
      throw fileError(e, path, "cannot make the link");
    });
    await this.still();
  }

  /** Gives the folder its final mode (the source folder's, or 0777 less the umask) and makes its names durable. */
  async finish(mode?: number): Promise<void> {
    // A folder moved away is not where the user looks for it: fail, and abandon removes what is in it.
    await this.still(true);
    await fsOps.sync(this.handle).catch((e) => {
      // Some file systems refuse fsync on folders; the files are synced already.
      if ((e as NodeJS.ErrnoException).code !== "EINVAL") throw fileError(e, this.path, "cannot write");
    });
    // By handle: a link put in the folder's place is never followed to change another file's mode.
    await fsOps.fchmod(this.handle, mode ?? 0o777 & ~process.umask());
    this.finished = true;
    await fsOps.close(this.handle);
  }

  /**
   * Removes what is in the folder after a failure (never after finish), by
   * handle, and the folder if its path still names it: it is ours, made by
   * this run, whatever was put in it meanwhile.
   */
  async abandon(): Promise<void> {
    if (this.finished) return;
    if (platform.byHandle) {
      const names = await readdir(this.at("")).catch(() => [] as string[]);
      for (const n of names) await fsOps.unlink(this.at(n)).catch(() => {});
    }
    const now = await fsOps.lstat(this.path).catch(() => undefined);
    if (now?.isDirectory() && now.ino === this.ino) {
      if (platform.byHandle) await rmdir(this.path).catch(() => {});
      else await fsOps.rm(this.path).catch(() => {});
    }
    await fsOps.close(this.handle).catch(() => {});
  }

  /** Runs `fill`, then finishes; on failure removes what it made and rethrows. */
  static async build<T>(path: string, fill: (out: OutputDir) => Promise<T>, mode?: number): Promise<T> {
    const out = await OutputDir.create(path);
    try {
      const r = await fill(out);
      await out.finish(mode);
      return r;
    } catch (e) {
      await out.abandon();
      throw e;
    }
  }
}
