/** Opening the checkpoint a command names, and telling the user what opening noticed. */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { type OpenOptions, openCheckpoint } from "../node/open.js";
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
