/** Opening the checkpoint a command names, and telling the user what opening noticed. */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { openCheckpoint } from "../node/open.js";
import { warn } from "./io.js";

/** Opens PATH (a folder, an archive, or "-" for an archive on stdin); notes go to stderr unless `quiet`. */
export async function open(path: string, quiet = false): Promise<Checkpoint> {
  const cp = await openCheckpoint(path);
  if (!quiet) {
    for (const n of cp.source.notes) if (n.file === ".criu-image-journal") warn(`${path}: ${n.message}`);
  }
  return cp;
}
