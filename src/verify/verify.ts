/**
 * Consistency checks over a whole checkpoint. Each problem names its image
 * and, where it has one, the entry. Notes are for what is not wrong but
 * worth knowing: files that are not images, a companion nobody knows.
 *
 * What real dumps contain is taken from CRIU's own code: zombies have a
 * pstree entry and a core image and nothing else (cr-dump.c,
 * dump_one_zombie); a pre-dump has an inventory, pagemaps and pages but no
 * pstree; a dump on top of a pre-dump names its pages in the parent with
 * PE_PARENT (pagemap.c). Each check is a function of its own in checks/.
 */
import { Checkpoint, type CheckpointLike } from "../checkpoint/checkpoint.js";
import { CHECKS } from "./checks/index.js";
import { VerifyContext } from "./context.js";
import type { VerifyOptions, VerifyReport } from "./types.js";

/** Checks a checkpoint; returns every problem and note. */
export function verifyCheckpoint(input: CheckpointLike, options: VerifyOptions = {}): VerifyReport {
  const ctx = new VerifyContext(Checkpoint.of(input), options.pageSize ?? 4096);
  for (const check of CHECKS) check.run(ctx);
  return ctx.report();
}
