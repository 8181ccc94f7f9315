/**
 * Child process for the crash-safety test of multi-file rewrites: flips two
 * images (files.img by a TCP rewrite, pstree.img by an edit) in one
 * all-or-nothing write, back and forth, until it is killed.
 */
import { editCheckpointDir } from "../../src/node/index.js";
import { rewriteConnections } from "../../src/tcp/index.js";

const [dir, a, b, rounds] = process.argv.slice(2) as [string, string, string, string?];
process.stdout.write("ready\n");
// With a round count (to time one), it stops; otherwise it runs until killed.
for (let i = 0; rounds === undefined || i < Number(rounds); i++) {
  await editCheckpointDir(dir, (e) => {
    const pstree = e.image("pstree.img", "PSTREE");
    const root = pstree?.entries[0];
    if (!root) throw new Error("no pstree");
    // The root's sid says which state the folder is in: both images move together.
    const forward = root.sid !== 4242;
    root.sid = forward ? 4242 : root.pid;
    const [from, to] = forward ? [a, b] : [b, a];
    const r = rewriteConnections(e.checkpoint, [{ kind: "address", from, to }], { allowUnmatched: true });
    for (const [name, bytes] of r.changed) e.setBytes(name, bytes);
  });
}
