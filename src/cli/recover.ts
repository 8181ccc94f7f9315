/** `recover DIR`: finishes a rewrite of a checkpoint folder that was interrupted. */
import { pathKind } from "../node/path-kind.js";
import { recoverCheckpointDir } from "../node/rewrite.js";
import { writeStdout } from "./io.js";
import { UsageError } from "./usage.js";
import { writerNotices } from "./writer-notices.js";

export async function recover(a: { dir: string }): Promise<void> {
  if (a.dir === "-" || (await pathKind(a.dir)) !== "folder")
    throw new UsageError(
      `recover: ${a.dir} is not a folder; recover finishes an interrupted rewrite of a checkpoint folder (archives are never rewritten in place)`,
      "recover",
    );
  const { onWait } = writerNotices(a.dir);
  const done = await recoverCheckpointDir(a.dir, { onWait });
  await writeStdout(
    done.length === 0 ? `${a.dir}: nothing to recover\n` : `${done.map((d) => `${a.dir}: ${d}`).join("\n")}\n`,
  );
}
