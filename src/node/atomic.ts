import { randomBytes } from "node:crypto";
import { open, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Prefix of our temporary files, so a later run can find and remove leftovers. */
export const TEMP_PREFIX = ".criu-image-tmp-";

/** fsyncs a directory so a rename in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const h = await open(dir, "r");
  try {
    await h.sync();
  } catch (e) {
    // Some file systems refuse fsync on directories; the rename is still atomic.
    if ((e as NodeJS.ErrnoException).code !== "EINVAL") throw e;
  } finally {
    await h.close();
  }
}

/** Writes to a fresh temporary file beside `path` and fsyncs it; returns its name. */
export async function writeTemp(path: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<string> {
  const tmp = join(dirname(path), `${TEMP_PREFIX}${randomBytes(6).toString("hex")}-${basename(path)}`);
  const h = await open(tmp, "wx", 0o600);
  try {
    if (data instanceof Uint8Array) await h.writeFile(data);
    else for await (const c of data) await h.write(c);
    await h.sync();
  } catch (e) {
    await h.close().catch(() => {});
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await h.close();
  return tmp;
}

/**
 * Replaces `path` atomically: temp file, fsync, rename, fsync of the
 * directory. If anything fails, `path` is as it was.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
  const tmp = await writeTemp(path, data);
  try {
    await rename(tmp, path);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
  await syncDir(dirname(path));
}
