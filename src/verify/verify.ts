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
import type { VerifyOptions, VerifyProblem, VerifyReport } from "./types.js";

/**
 * Checks a checkpoint, handing on each problem as it is found: memory stays
 * bounded however many there are (a million sockets without their streams
 * is a million problems). The generator's return value is the rest of the
 * report: notes, companions, parents.
 */
export function* verifyProblems(
  input: CheckpointLike,
  options: VerifyOptions = {},
): Generator<VerifyProblem, Omit<VerifyReport, "problems">> {
  const ctx = new VerifyContext(Checkpoint.of(input), options.pageSize ?? 4096);
  for (const check of CHECKS) {
    const steps = check.run(ctx);
    if (steps)
      for (const _ of steps) {
        yield* ctx.pending;
        ctx.pending.length = 0;
      }
    yield* ctx.pending;
    ctx.pending.length = 0;
  }
  return ctx.summary();
}

/** Checks a checkpoint; returns every problem and note (see verifyProblems to stream the problems). */
export function verifyCheckpoint(input: CheckpointLike, options: VerifyOptions = {}): VerifyReport {
  const problems: VerifyProblem[] = [];
  const run = verifyProblems(input, options);
  for (let r = run.next(); ; r = run.next()) {
    if (r.done) {
      const { kind, notes, companions, parents } = r.value;
      return { kind, problems, notes, companions, parents };
    }
    problems.push(r.value);
  }
}
