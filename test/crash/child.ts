/**
 * Child process for the crash-safety test: rewrites a checkpoint directory
 * back and forth, forever, until it is killed.
 */
import { rewriteCheckpointDir } from "../../src/node/index.js";

const [dir, a, b, rounds] = process.argv.slice(2) as [string, string, string, string?];
process.stdout.write("ready\n");
// With a round count (to time one), it stops; otherwise it runs until killed.
for (let i = 0; rounds === undefined || i < Number(rounds); i++) {
  const [from, to] = i % 2 === 0 ? [a, b] : [b, a];
  // Unmatched is fine: after a kill the directory may already be in either state.
  await rewriteCheckpointDir(dir, [{ kind: "address", from, to }], { allowUnmatched: true });
}
