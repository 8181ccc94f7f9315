/** `verify PATH`: consistency checks, problems listed one per line (summarised past a limit), then notes. */
import { displayText } from "../image/display.js";
import { type VerifyProblem, type VerifyReport, verifyProblems } from "../verify/index.js";
import { open } from "./checkpoint.js";
import { writeStdout } from "./io.js";
import { writeJson } from "./json-out.js";
import { Reported } from "./usage.js";

/** Lines of one kind of problem that the text output shows; the rest are counted (--json lists them all). */
export const SHOWN_PER_CHECK = 20;

const line = (p: VerifyProblem) =>
  `${p.image}${p.entry !== undefined ? ` entry ${p.entry}` : ""}: [${p.check}] ${p.message}`;

/** An iterable that reads `list()` only when iterated: the report's other lists are known once the problems are. */
const later = <T>(list: () => readonly T[]): Iterable<T> => ({ [Symbol.iterator]: () => list()[Symbol.iterator]() });

export async function verify(a: { dir: string; json?: boolean }): Promise<void> {
  const cp = await open(a.dir, true);
  const run = verifyProblems(cp);
  let count = 0;
  let rest: Omit<VerifyReport, "problems"> | undefined;
  // Problems are handed on as they are found: memory stays bounded however many there are.
  function* problems(): Generator<VerifyProblem> {
    for (let r = run.next(); ; r = run.next()) {
      if (r.done) {
        rest = r.value;
        return;
      }
      count++;
      yield r.value;
    }
  }
  const summary = () => rest as Omit<VerifyReport, "problems">;
  if (a.json) {
    await writeJson({
      kind: cp.dumpKind(),
      problems: problems(),
      notes: later(() => summary().notes),
      companions: later(() => summary().companions),
      parents: later(() => summary().parents),
    });
  } else {
    const out: string[] = [];
    const more = new Map<string, number>();
    const shown = new Map<string, number>();
    for (const p of problems()) {
      const n = shown.get(p.check) ?? 0;
      if (n < SHOWN_PER_CHECK) {
        out.push(line(p));
        shown.set(p.check, n + 1);
      } else more.set(p.check, (more.get(p.check) ?? 0) + 1);
    }
    for (const [check, n] of more)
      out.push(`… and ${n} more [${check}] problem(s); criu-image verify --json lists every one`);
    const report = summary();
    for (const n of report.notes) out.push(`note: ${line(n)}`);
    const what = report.kind === "pre-dump" ? "pre-dump" : report.kind === "dump" ? "dump" : "images";
    const chain = report.parents.length > 0 ? ` (checked with ${report.parents.length} parent dump(s))` : "";
    out.push(count === 0 ? `${a.dir}: consistent ${what}${chain}` : `${count} problem(s) in ${a.dir}`);
    await writeStdout(`${out.map(displayText).join("\n")}\n`);
  }
  if (count > 0) throw new Reported(`${count} problem(s)`);
}
