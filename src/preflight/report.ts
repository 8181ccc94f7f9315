/** What preflight found: per rule a verdict, and the findings behind it. */

/** The rules, in the order they run and print. */
export const RULE_IDS = ["files", "mappings", "inet", "pids", "unix", "cpu", "kernel", "external"] as const;

/** A preflight rule's name. */
export type RuleId = (typeof RULE_IDS)[number];

/**
 * How bad a finding is: `blocks` (the restore fails as things are),
 * `warns` (it may fail, or succeeds with something lost), `needs` (the
 * restore must be given something: an option, an external resource),
 * `not-checked` (a fact was unknown).
 */
export type Severity = "blocks" | "warns" | "needs" | "not-checked";

/** One reason a restore would fail, or something it must be given. */
export interface Finding {
  rule: RuleId;
  severity: Severity;
  /** The image the reason comes from ("files.img", "core-42.img", …). */
  image: string;
  /** The entry in it ("file id 0x1f", "pid 42", "socket id 7"). */
  entry: string;
  /** What it is about: a path, a pid, an address and port. */
  subject: string;
  /** What is wrong, in one line. */
  problem: string;
  /** What CRIU's restore prints when it fails on this (empty when it would not fail). */
  criuError: string;
  /** What to do. */
  fix: string;
  /** A restore option this finding asks for ("--tcp-established", "--external mnt[KEY]:PATH"). */
  option?: string;
}

/** A rule's verdict: `ok` only when it checked everything it had to. */
export type Verdict = "ok" | "blocks" | "warns" | "not-checked" | "not-applicable";

/** One rule's outcome. */
export interface RuleReport {
  rule: RuleId;
  title: string;
  verdict: Verdict;
  /** How many things it looked at (files, sockets, pids, …). */
  checked: number;
  /** Why it did not apply or could not check ("the checkpoint has its own pid namespace"). */
  note?: string;
  findings: Finding[];
}

/** Everything preflight found about one checkpoint on one host. */
export interface PreflightReport {
  /** True when some finding blocks the restore. */
  blocked: boolean;
  rules: RuleReport[];
  /** Options and external resources the restore command needs (from `needs` findings), deduplicated. */
  restoreOptions: string[];
}

/** The verdict of a rule from its findings and whether everything was checked. */
export function verdictOf(findings: readonly Finding[], applies = true): Verdict {
  if (!applies) return "not-applicable";
  if (findings.some((f) => f.severity === "blocks")) return "blocks";
  if (findings.some((f) => f.severity === "not-checked")) return "not-checked";
  if (findings.some((f) => f.severity === "warns")) return "warns";
  return "ok";
}

/** The fix of a path the host could not look at. */
export const READ_PATH = "Run preflight where it can read the path.";

/** The fix of a host fact that could not be read (/proc, uname). */
export const READ_HOST = "Run preflight on the host that will restore, as root, where /proc can be read.";

/** A finding for a fact the host could not give: "not checked", with why, never "ok". */
export function unchecked(
  at: Pick<Finding, "rule" | "image" | "entry" | "subject">,
  problem: string,
  fix: string,
): Finding {
  return { ...at, severity: "not-checked", problem, criuError: "", fix };
}
