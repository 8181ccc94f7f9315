/** Opening the checkpoint a command names, and telling the user what opening noticed. */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { type OpenOptions, openCheckpoint, pagesForRandomAccess } from "../node/open.js";
import { warn } from "./io.js";
import { Progress } from "./progress.js";

/**
 * Opens PATH (a folder, an archive, or "-" for an archive on stdin), with
 * progress on a terminal while an archive streams in; notes go to stderr
 * unless `quiet`.
 */
export async function open(path: string, quiet = false, options: OpenOptions = {}): Promise<Checkpoint> {
  const progress = new Progress(`reading ${path === "-" ? "stdin" : path}`);
  let cp: Checkpoint;
  try {
    cp = await openCheckpoint(path, { ...options, onProgress: (done, total) => progress.update(done, total) });
  } finally {
    progress.done();
  }
  if (!quiet) {
    for (const n of cp.source.notes) if (n.file === ".criu-image-journal") warn(`${path}: ${n.message}`);
  }
  return cp;
}

/**
 * Opens a checkpoint for reading memory: an archive's pages files are kept
 * in memory up to 64 MiB each, and spooled to a temporary file (said on
 * stderr) above that, for random access after the one pass.
 */
export function openForMemory(path: string): Promise<Checkpoint> {
  return open(path, false, {
    pages: pagesForRandomAccess,
    onSpool: (p, size) =>
      warn(
        `${p} (${(size / 2 ** 20).toFixed(0)} MiB) spooled to a temporary file for random access; it is removed on exit`,
      ),
  });
}
