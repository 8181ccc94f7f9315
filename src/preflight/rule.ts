/** The shape of a preflight rule: a pure function of the context. */
import type { PreflightContext } from "./context.js";
import type { Finding } from "./report.js";

/** What a rule returns. */
export interface RuleRun {
  findings: Finding[];
  /** How many things it looked at. */
  checked: number;
  /** False when the rule does not apply to this checkpoint (for example, it has its own pid namespace). */
  applies?: boolean;
  /** Why it does not apply, or what it left out. */
  note?: string;
}

/** A rule: its title and its check. */
export interface Rule {
  title: string;
  /** Checks the checkpoint against the host. */
  run(ctx: PreflightContext): Promise<RuleRun>;
}
