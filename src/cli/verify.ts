/** `verify PATH`: consistency checks, problems listed one per line, then notes. */
import { displayText } from "../image/display.js";
import { verifyCheckpoint } from "../verify/index.js";
import { open } from "./checkpoint.js";
import { writeStdout } from "./io.js";
import { writeJson } from "./json-out.js";
import { Reported } from "./usage.js";

export async function verify(a: { dir: string; json?: boolean }): Promise<void> {
  const report = verifyCheckpoint(await open(a.dir, true));
  const { problems, notes } = report;
  if (a.json) await writeJson(report);
  else {
    const line = (p: (typeof problems)[number]) =>
      `${p.image}${p.entry !== undefined ? ` entry ${p.entry}` : ""}: [${p.check}] ${p.message}`;
    const out = problems.map(line);
    for (const n of notes) out.push(`note: ${line(n)}`);
    const what = report.kind === "pre-dump" ? "pre-dump" : report.kind === "dump" ? "dump" : "images";
    const chain = report.parents.length > 0 ? ` (checked with ${report.parents.length} parent dump(s))` : "";
    out.push(
      problems.length === 0 ? `${a.dir}: consistent ${what}${chain}` : `${problems.length} problem(s) in ${a.dir}`,
    );
    await writeStdout(`${out.map(displayText).join("\n")}\n`);
  }
  if (problems.length > 0) throw new Reported(`${problems.length} problem(s)`);
}
