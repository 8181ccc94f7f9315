/**
 * Child process for the lock stress test: waits for a common start time,
 * then adds one to a counter file under the checkpoint folder's lock, with a
 * slow disk (every file-system call of the lock delayed at random) and a
 * pause between the read and the write, so that two holders at once would
 * lose an update.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { withCheckpointLock } from "../../src/node/lock.js";
import { slowDisk } from "../helpers/slow-disk.js";

const [dir, startAt, times] = process.argv.slice(2) as [string, string, string];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// A slow disk: every file-system call of the lock delayed at random.
slowDisk(() => sleep(Math.random() < 0.5 ? 0 : Math.random() * 3));
while (Date.now() < Number(startAt)) {}
const counter = join(dir, "counter");
for (let i = 0; i < Number(times); i++) {
  await withCheckpointLock(
    dir,
    async () => {
      const n = Number(readFileSync(counter, "utf8"));
      await sleep(Math.random() * 4);
      writeFileSync(counter, String(n + 1));
    },
    { waitMs: 60_000 },
  );
}
