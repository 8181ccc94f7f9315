import { execFileSync } from "node:child_process";

/** Whether python3 runs here. In CI the oracle is part of the machine: its absence fails the suite, never skips it. */
export const python = (() => {
  try {
    execFileSync("python3", ["-c", "pass"]);
    return true;
  } catch {
    return false;
  }
})();
if (!python && process.env.CI) throw new Error("python3 is missing: the Python oracle must run in CI");

/** Runs a Python script with `input` as JSON on stdin; its stdout, parsed as JSON. */
export function py(script: string, input: unknown): unknown {
  return JSON.parse(
    execFileSync("python3", ["-c", script], { input: JSON.stringify(input), maxBuffer: 1 << 28 }).toString(),
  );
}
