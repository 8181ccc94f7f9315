/** `preflight PATH`: will it restore here? One line per rule, the findings under it, then the options the restore needs. */
import { displayText } from "../image/display.js";
import { nodeHost } from "../node/host.js";
import {
  type Finding,
  type PreflightReport,
  preflight,
  RULE_IDS,
  type RuleId,
  type RuleReport,
  type Verdict,
} from "../preflight/index.js";
import { open } from "./checkpoint.js";
import { writeStdout } from "./io.js";
import { writeJson } from "./json-out.js";
import { Reported, UsageError } from "./usage.js";

/** Findings of one rule the text output shows; --json lists them all. */
const SHOWN = 20;

const VERDICT: Record<Verdict, string> = {
  ok: "ok",
  blocks: "BLOCKS",
  warns: "warns",
  "not-checked": "not checked",
  "not-applicable": "n/a",
};

const SEVERITY: Record<Finding["severity"], string> = {
  blocks: "blocks",
  warns: "warns",
  needs: "needs",
  "not-checked": "not checked",
};

function ruleLines(r: RuleReport): string[] {
  const head = `${VERDICT[r.verdict].padEnd(12)}${r.title} (${r.checked} checked${r.note ? `; ${r.note}` : ""})`;
  const out = [head];
  for (const f of r.findings.slice(0, SHOWN)) {
    // What the restore must be given is a line each: the options sum it up below.
    if (f.severity === "needs" && f.option) {
      out.push(`    needs: ${f.subject}: ${f.option}`);
      continue;
    }
    out.push(`    ${SEVERITY[f.severity]}: ${f.subject}: ${f.problem}`);
    out.push(`      from ${f.image}${f.entry ? `, ${f.entry}` : ""}`);
    if (f.criuError) out.push(`      CRIU would say: ${f.criuError}`);
    if (f.fix) out.push(`      fix: ${f.fix}`);
  }
  if (r.findings.length > SHOWN) out.push(`    … and ${r.findings.length - SHOWN} more; --json lists every one`);
  return out;
}

/** The text of a preflight report: each rule and its findings, the options the restore needs, the verdict. */
export function preflightText(path: string, root: string, report: PreflightReport): string {
  const out = [`${path} on this host (root ${root}):`];
  for (const r of report.rules) out.push(...ruleLines(r));
  if (report.restoreOptions.length) {
    out.push("the restore needs (criu restore options; engines pass most of them themselves):");
    for (const o of report.restoreOptions) out.push(`  ${o}`);
  }
  const blocking = report.rules.flatMap((r) => r.findings).filter((f) => f.severity === "blocks").length;
  const unchecked = report.rules.filter((r) => r.verdict === "not-checked").map((r) => r.rule);
  out.push(
    report.blocked
      ? `the restore would fail: ${blocking} blocking problem(s)`
      : `nothing blocks the restore${unchecked.length ? ` (not checked: ${unchecked.join(", ")})` : ""}`,
  );
  return `${out.map(displayText).join("\n")}\n`;
}

export async function preflightCmd(a: { path: string; root?: string; rule?: string[]; json?: boolean }): Promise<void> {
  const rules = (a.rule ?? []).map((r) => {
    if (!(RULE_IDS as readonly string[]).includes(r))
      throw new UsageError(`preflight: no rule "${r}" (rules: ${RULE_IDS.join(", ")})`, "preflight");
    return r as RuleId;
  });
  const cp = await open(a.path, true);
  const root = a.root ?? "/";
  const host = nodeHost(a.root === undefined ? {} : { root: a.root });
  const report = await preflight(cp, host, rules.length ? { rules } : {});
  if (a.json) {
    // root is null when not named: the host's own /, which a container's checkpoint is not checked against.
    await writeJson({ path: a.path, root: a.root ?? null, ...report });
  } else {
    await writeStdout(preflightText(a.path, root, report));
  }
  if (report.blocked) throw new Reported("the restore would fail");
}
