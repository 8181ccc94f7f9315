/** preflight's text from made-up reports: each verdict and severity, what a finding says, the cut after 20, the verdict line. */
import { describe, expect, it } from "vitest";
import { preflightText } from "../../src/cli/preflight.js";
import type { Finding, PreflightReport, RuleReport } from "../../src/preflight/index.js";

const finding = (f: Partial<Finding>): Finding => ({
  rule: "files",
  severity: "blocks",
  image: "reg-files.img",
  entry: "",
  subject: "/a",
  problem: "missing",
  criuError: "",
  fix: "",
  ...f,
});
const rule = (r: Partial<RuleReport>): RuleReport => ({
  rule: "files",
  title: "open and mapped files",
  verdict: "ok",
  checked: 3,
  findings: [],
  ...r,
});
const text = (r: Partial<PreflightReport>) =>
  preflightText("/ckpt", "/", { blocked: false, rules: [], restoreOptions: [], ...r }).split("\n");

describe("preflight's text", () => {
  it("a verdict per rule, padded to one column, with the count and the rule's note", () => {
    expect(
      text({
        rules: [
          rule({ verdict: "ok" }),
          rule({ rule: "pids", title: "pids", verdict: "not-applicable", checked: 0, note: "no tasks" }),
          rule({
            rule: "cpu",
            title: "cpu",
            verdict: "not-checked",
            findings: [finding({ severity: "not-checked", problem: "cannot read /proc/cpuinfo" })],
          }),
          rule({
            rule: "kernel",
            title: "kernel",
            verdict: "warns",
            findings: [finding({ severity: "warns", problem: "old" })],
          }),
        ],
      }),
    ).toEqual([
      "/ckpt on this host (root /):",
      "ok          open and mapped files (3 checked)",
      "n/a         pids (0 checked; no tasks)",
      "not checked cpu (3 checked)",
      "    not checked: /a: cannot read /proc/cpuinfo",
      "      from reg-files.img",
      "warns       kernel (3 checked)",
      "    warns: /a: old",
      "      from reg-files.img",
      "nothing blocks the restore (not checked: cpu)",
      "",
    ]);
  });

  it("a blocking finding with its entry, CRIU's error and the fix; options needed on a line each; 20 findings then a count", () => {
    const blocks = finding({ entry: "entry 4", criuError: "Can't open file", fix: "create it" });
    const many = Array.from({ length: 22 }, (_, i) => finding({ subject: `/f${i}` }));
    const out = text({
      blocked: true,
      rules: [
        rule({
          verdict: "blocks",
          findings: [blocks, finding({ severity: "needs", subject: "tty", option: "--shell-job" })],
        }),
        rule({ rule: "pids", title: "pids", verdict: "blocks", findings: many }),
      ],
      restoreOptions: ["--shell-job", "--tcp-established"],
    });
    expect(out.slice(0, 7)).toEqual([
      "/ckpt on this host (root /):",
      "BLOCKS      open and mapped files (3 checked)",
      "    blocks: /a: missing",
      "      from reg-files.img, entry 4",
      "      CRIU would say: Can't open file",
      "      fix: create it",
      "    needs: tty: --shell-job",
    ]);
    expect(out.filter((l) => l.startsWith("    blocks: /f"))).toHaveLength(20);
    expect(out.slice(-6)).toEqual([
      "    … and 2 more; --json lists every one",
      "the restore needs (criu restore options; engines pass most of them themselves):",
      "  --shell-job",
      "  --tcp-established",
      "the restore would fail: 23 blocking problem(s)",
      "",
    ]);
    const twenty = text({ rules: [rule({ verdict: "blocks", findings: many.slice(0, 20) })] });
    expect(twenty.some((l) => l.includes("more; --json"))).toBe(false);
    // A needed option without the option named is told as a finding.
    expect(text({ rules: [rule({ findings: [finding({ severity: "needs", problem: "a tty" })] })] })[2]).toBe(
      "    needs: /a: a tty",
    );
  });

  it("nothing blocks, nothing unchecked: one line", () => {
    expect(text({ rules: [rule({})] }).at(-2)).toBe("nothing blocks the restore");
  });
});
