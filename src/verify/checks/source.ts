import { JOURNAL_NAME } from "../../archive/index.js";
import type { VerifyContext } from "../context.js";

/**
 * What opening the checkpoint noticed: a pending write, unsafe archive
 * members, files that are not images (companions that are known, notes for
 * the others).
 */
export function checkSource(ctx: VerifyContext): void {
  const { cp } = ctx;
  for (const n of cp.source.notes) {
    if (n.file === JOURNAL_NAME && /pending/.test(n.message)) ctx.problem(JOURNAL_NAME, "pending-write", n.message);
    else ctx.note(n.file ?? cp.label, "unknown-file", n.message);
  }
  for (const u of cp.source.unsafe ?? [])
    ctx.problem(u.name, "unsafe-member", `unsafe archive member: ${u.reason}; it was not read`);
  for (const o of cp.others()) {
    if (o.writer) ctx.companions.push(o.name);
    else ctx.note(o.name, "unknown-file", "not a CRIU image nor a file known to be kept with one");
  }
}
