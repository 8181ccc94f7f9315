/**
 * A new folder for a checkpoint written elsewhere (`--out`). It is created
 * by this run and no other: an existing path is refused, so nobody can have
 * planted links in it. It stays private (0700) while files are written,
 * every file is created new (never following a link), and it gets its final
 * mode (0777 less the umask) only when complete. On failure the folder is
 * removed, which is safe because this run created it.
 */
import { constants } from "node:fs";
import { symlink } from "node:fs/promises";
import { join } from "node:path";
import { syncDir, writeData } from "./atomic.js";
import { FileError, fileError } from "./errors.js";
import { CREATE_NEW, fsOps } from "./fs-ops.js";

export class OutputDir {
  private finished = false;
  private constructor(readonly path: string) {}

  /** Creates the folder; refuses a path that exists in any form. */
  static async create(path: string): Promise<OutputDir> {
    try {
      await fsOps.mkdir(path, 0o700);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "EEXIST")
        throw new FileError("IO", path, "already exists; give a new folder name to write the checkpoint to", "EEXIST");
      throw fileError(e, path, "cannot create the output folder");
    }
    return new OutputDir(path);
  }

  /** Writes a new file (a bare name) with these bytes or chunks, fsynced. */
  async write(name: string, data: Uint8Array | AsyncIterable<Uint8Array>, mode = 0o644): Promise<void> {
    if (name.includes("/") || name === "." || name === "..") throw new FileError("INVALID", name, "not a file name");
    const path = join(this.path, name);
    try {
      const h = await fsOps.open(path, CREATE_NEW, mode);
      try {
        await writeData(h, data);
        await fsOps.sync(h);
      } finally {
        await fsOps.close(h);
      }
    } catch (e) {
      throw fileError(e, path, "cannot write");
    }
  }

  /** Copies a file in, by its bytes (a source link is read through). */
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
    await symlink(target, path).catch((e) => {
      throw fileError(e, path, "cannot make the link");
    });
  }

  /** Gives the folder its final mode (the source folder's, or 0777 less the umask) and makes its names durable. */
  async finish(mode?: number): Promise<void> {
    await syncDir(this.path);
    await fsOps.chmod(this.path, mode ?? 0o777 & ~process.umask());
    this.finished = true;
  }

  /** Removes the folder after a failure (never after finish). */
  async abandon(): Promise<void> {
    if (!this.finished) await fsOps.rm(this.path).catch(() => {});
  }

  /** Runs `fill`, then finishes; on failure removes the folder and rethrows. */
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
