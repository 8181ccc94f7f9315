/** Small helpers shared by the benchmarks: timing and peak RSS of commands. */
import { execFileSync } from "node:child_process";

export interface Measured {
  seconds: number;
  /** Peak resident set size of the command, in MiB. */
  peakMiB: number;
}

/**
 * Runs a command and reports wall time and peak RSS, measured by Python's
 * resource module around the child (no extra tools needed).
 */
export function measure(cmd: string[], env: NodeJS.ProcessEnv = process.env): Measured {
  const script = [
    "import resource, subprocess, sys, time",
    "t = time.perf_counter()",
    "r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)",
    "dt = time.perf_counter() - t",
    "if r.returncode != 0: sys.exit('command failed: %d' % r.returncode)",
    "print(dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)",
  ].join("\n");
  const out = execFileSync("python3", ["-c", script, ...cmd], { env, stdio: ["ignore", "pipe", "inherit"] }).toString();
  const [s, kb] = out.trim().split(" ").map(Number) as [number, number];
  return { seconds: s, peakMiB: kb / 1024 };
}

/** Best of `runs` (least wall time), with the peak RSS of that run. */
export function best(runs: number, cmd: string[]): Measured {
  let b: Measured | undefined;
  for (let i = 0; i < runs; i++) {
    const m = measure(cmd);
    if (!b || m.seconds < b.seconds) b = m;
  }
  return b as Measured;
}

export const fmt = (n: number, d = 2) => n.toFixed(d);
