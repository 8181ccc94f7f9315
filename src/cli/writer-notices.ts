import type { LockOptions } from "../node/lock.js";
import { warn } from "./io.js";

/** How long a writer waits for another one before it gives up (the library's default). */
const WAIT_MS = 10_000;

/** What every writing command tells the user about the checkpoint's lock and an interrupted write before it. */
export function writerNotices(path: string): LockOptions & { onRecover: (done: string[]) => void } {
  return {
    waitMs: WAIT_MS,
    onWait: (pid) =>
      warn(
        `${path}: ${pid ? `pid ${pid}` : "another writer"} is writing this checkpoint; waiting up to ${WAIT_MS / 1000} s for it to finish`,
      ),
    onRecover: (done) => {
      for (const d of done) warn(`${path}: finished an interrupted write first: ${d}`);
    },
  };
}
