/** How a failure of the CLI is told: one line on stderr (a refused rewrite: its reasons) and an exit status. */
import { CriuImageError } from "../framing/errors.js";
import { Reported, UsageError } from "./usage.js";

/** Node's parseArgs refusals in our own words (its text quotes unevenly and suggests "--"). */
export function argsProblem(e: NodeJS.ErrnoException): string {
  const option = /'(-[^']*)'/.exec(e.message)?.[1];
  if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) return `unknown option ${option}`;
  if (e.code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE" && option)
    return `option ${option.split(/[ ,]/)[0]} ${/argument missing/.test(e.message) ? "needs a value" : "takes no value"}`;
  return e.message.split("\n")[0] as string;
}

/** Tells the user about `e` (thrown while running `command`, if known); returns the exit status. */
export function report(e: unknown, command?: string): number {
  // The report is already on stdout; only the status says it.
  if (e instanceof Reported) return e.status;
  if (e instanceof UsageError) {
    const see = e.command ? `criu-image ${e.command} --help` : "criu-image --help";
    process.stderr.write(`criu-image: ${e.message}\nsee ${see}\n`);
    return 2;
  }
  // diff(1)'s convention: 2 for trouble.
  const status = command === "diff" ? 2 : 1;
  if (e instanceof CriuImageError) {
    // A refused rewrite gives its reasons one per line; every other error of the library is one line.
    const reasons = (e as CriuImageError & { reasons?: string[] }).reasons;
    if (reasons)
      process.stderr.write(`criu-image: refused, nothing was changed:\n${reasons.map((r) => `  ${r}\n`).join("")}`);
    else process.stderr.write(`criu-image: ${e.message}\n`);
    return status;
  }
  const err = e as NodeJS.ErrnoException;
  if (err?.code === "EPIPE") return 0;
  if (err?.code && err.path) {
    process.stderr.write(
      `criu-image: ${err.path}: ${err.code === "ENOENT" ? "no such file or folder" : err.message}\n`,
    );
    return status;
  }
  process.stderr.write(`criu-image: ${err?.message ?? String(e)}\n`);
  return status;
}
