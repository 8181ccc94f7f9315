/** `verify DIR`: consistency checks, problems listed one per line. */
import { isArchive, openCheckpoint } from "../node/archive.js";
import { verifyCheckpointDir } from "../node/checkpoint-dir.js";
import { verifyCheckpoint } from "../verify/verify.js";
import { assertDir, writeStdout } from "./io.js";

/** Thrown to end with exit status 1 after the report is printed. */
export class ProblemsFound extends Error {
  override readonly name = "ProblemsFound";
}

export async function verify(a: { dir: string; json?: boolean }): Promise<void> {
  let problems: Awaited<ReturnType<typeof verifyCheckpointDir>>;
  if (await isArchive(a.dir)) {
    const opened = await openCheckpoint(a.dir);
    problems = verifyCheckpoint(opened.images, { sizes: opened.sizes });
  } else {
    await assertDir(a.dir);
    problems = await verifyCheckpointDir(a.dir);
  }
  if (a.json) await writeStdout(`${JSON.stringify(problems, null, 2)}\n`);
  else if (problems.length === 0) await writeStdout(`${a.dir}: consistent\n`);
  else {
    const lines = problems.map(
      (p) => `${p.image}${p.entry !== undefined ? ` entry ${p.entry}` : ""}: [${p.check}] ${p.message}`,
    );
    await writeStdout(`${lines.join("\n")}\n${problems.length} problem(s)\n`);
  }
  if (problems.length > 0) throw new ProblemsFound(`${problems.length} problem(s)`);
}
