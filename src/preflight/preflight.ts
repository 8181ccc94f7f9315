/**
 * preflight: will this checkpoint restore on this host? Each rule compares
 * what the checkpoint needs with what the host has, and names the CRIU
 * error the restore would stop at. Pure: the host comes in as HostFacts.
 */
import { Checkpoint, type CheckpointLike } from "../checkpoint/checkpoint.js";
import { preflightContext } from "./context.js";
import type { HostFacts } from "./host.js";
import { type PreflightReport, RULE_IDS, type RuleId, type RuleReport, verdictOf } from "./report.js";
import type { Rule } from "./rule.js";
import { cpuRule } from "./rules/cpu.js";
import { externalRule } from "./rules/external.js";
import { filesRule } from "./rules/files.js";
import { inetRule } from "./rules/inet.js";
import { kernelRule } from "./rules/kernel.js";
import { pidsRule } from "./rules/pids.js";
import { unixRule } from "./rules/unix.js";

/** Every rule by name. */
export const RULES: Readonly<Record<RuleId, Rule>> = {
  files: { title: "Open files, cwd and root", run: filesRule(false) },
  mappings: { title: "Executables and mapped files", run: filesRule(true) },
  inet: { title: "TCP and UDP sockets", run: inetRule },
  pids: { title: "Process and thread ids", run: pidsRule },
  unix: { title: "Unix sockets bound to paths", run: unixRule },
  cpu: { title: "CPU", run: cpuRule },
  kernel: { title: "Kernel features", run: kernelRule },
  external: { title: "External resources the restore must be given", run: externalRule },
};

/** Options of `preflight`. */
export interface PreflightOptions {
  /** Run only these rules (default: all); they run in RULE_IDS order. */
  rules?: readonly RuleId[];
  /** Called as each rule finishes. */
  onRule?: (report: RuleReport) => void;
}

/** Checks a checkpoint against a host; throws CriuImageError only for images it cannot read. */
export async function preflight(
  checkpoint: CheckpointLike,
  host: HostFacts,
  options: PreflightOptions = {},
): Promise<PreflightReport> {
  const ctx = preflightContext(Checkpoint.of(checkpoint), host);
  const rules: RuleReport[] = [];
  for (const id of RULE_IDS.filter((r) => !options.rules || options.rules.includes(r))) {
    const rule = RULES[id];
    const run = await rule.run(ctx);
    const report: RuleReport = {
      rule: id,
      title: rule.title,
      verdict: verdictOf(run.findings, run.applies ?? true),
      checked: run.checked,
      ...(run.note ? { note: run.note } : {}),
      findings: run.findings,
    };
    options.onRule?.(report);
    rules.push(report);
  }
  const restoreOptions = [
    ...new Set(rules.flatMap((r) => r.findings.flatMap((f) => (f.severity === "needs" && f.option ? [f.option] : [])))),
  ];
  return { blocked: rules.some((r) => r.verdict === "blocks"), rules, restoreOptions };
}
