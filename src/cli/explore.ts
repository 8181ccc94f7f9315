/** `x DIR WHAT`: crit's explorers (ps, fds, mems, rss) over a checkpoint. */
import { CRIT_EXPLORERS, critExplore, isCritExplorer } from "../inspect/crit-explore.js";
import { open } from "./checkpoint.js";
import { warn, writeStdout } from "./io.js";
import { UsageError } from "./usage.js";

export async function explore(a: { dir: string; what: string }): Promise<void> {
  if (!isCritExplorer(a.what)) {
    throw new UsageError(`x: unknown explorer "${a.what}" (choose ${CRIT_EXPLORERS.join(", ")})`, "x");
  }
  const { text, notes } = critExplore(await open(a.dir), a.what);
  await writeStdout(text);
  for (const n of notes) warn(n);
}
