/** verify's checks, in the order they run: each a small function over the context, named as its problems are. */
import type { VerifyContext } from "../context.js";
import { checkInventory } from "./inventory.js";
import { checkPages } from "./pages.js";
import { checkParse } from "./parse.js";
import { checkSource } from "./source.js";
import { checkTasks } from "./tasks.js";
import { checkTcpStreams } from "./tcp-streams.js";
import { checkVmas } from "./vmas.js";

/**
 * A named check. Later checks read what `parse` kept and indexed. A check
 * over many items is a generator that yields after each, so that its
 * problems are handed on as they are found, never all held.
 */
export interface Check {
  name: string;
  run(ctx: VerifyContext): void | Iterable<void>;
}

export const CHECKS: readonly Check[] = [
  { name: "source", run: checkSource },
  { name: "parse", run: checkParse },
  { name: "inventory", run: checkInventory },
  { name: "tasks", run: checkTasks },
  { name: "tcp-streams", run: checkTcpStreams },
  { name: "pages", run: checkPages },
  { name: "vmas", run: checkVmas },
];

/** Runs one check to its end; its problems are left in `ctx.pending`. */
export function runCheck(ctx: VerifyContext, run: Check["run"]): void {
  const steps = run(ctx);
  if (steps) for (const _ of steps);
}
