/**
 * Rule 4: without a pid namespace of its own, every process and thread is
 * recreated with its old pid in the host's namespace, so each must be free
 * there and below pid_max. criu/cr-restore.c, fork_with_pid: clone3 with
 * set_tid (or ns_last_pid) fails "Can't fork for <pid>: File exists" when
 * the pid is taken; threads are created the same way in the restorer.
 */
import type { PreflightContext } from "../context.js";
import { known } from "../host.js";
import { type Finding, READ_HOST, unchecked } from "../report.js";
import type { RuleRun } from "../rule.js";

/** The pid rule. */
export async function pidsRule(ctx: PreflightContext): Promise<RuleRun> {
  const tasks = ctx.cp.tasks();
  if (ctx.own.has("pid")) {
    return { findings: [], checked: 0, applies: false, note: "the checkpoint has its own pid namespace" };
  }
  const wanted: [pid: number, tid: number][] = [];
  for (const t of tasks) {
    wanted.push([t.pid, t.pid]);
    for (const tid of t.threads) if (tid !== t.pid) wanted.push([t.pid, tid]);
  }
  const host = await ctx.host.pids();
  if (!known(host)) {
    return {
      findings: [
        unchecked(
          { rule: "pids", image: "pstree.img", entry: `${wanted.length} pids and tids`, subject: "pids" },
          `cannot list this host's pids: ${host.notKnown}`,
          READ_HOST,
        ),
      ],
      checked: 0,
    };
  }
  const findings: Finding[] = [];
  for (const [pid, tid] of wanted) {
    const what = tid === pid ? `pid ${pid}` : `thread ${tid} of pid ${pid}`;
    const at = { rule: "pids" as const, severity: "blocks" as const, image: "pstree.img", entry: `pid ${pid}` };
    if (host.inUse.has(tid)) {
      findings.push({
        ...at,
        subject: String(tid),
        problem: `${what} is taken by a process of this host`,
        criuError: `Can't fork for ${tid}: File exists`,
        fix: `Stop process ${tid} on this host (is the dumped process still running, or was it restored already?), or restore in a pid namespace of its own.`,
      });
    } else if (tid >= host.pidMax) {
      findings.push({
        ...at,
        subject: String(tid),
        problem: `${what} is not below this host's pid_max (${host.pidMax})`,
        criuError: `Can't fork for ${tid}: Invalid argument`,
        fix: `Raise kernel.pid_max above ${tid} (sysctl -w kernel.pid_max=${Math.max(tid + 1, 4194304)}).`,
      });
    }
  }
  return { findings, checked: wanted.length };
}
