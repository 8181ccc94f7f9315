/**
 * Several checkpoints moved as one: tcp4's connection split in two dumps
 * (the server's end in one, the client's in the other), as two containers
 * of one pod are dumped. The peer in the other checkpoint is found, no
 * "missing peer" is said, the race is, and both are written in one run.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Checkpoint, memorySource } from "../../src/checkpoint/index.js";
import { openCheckpoint, rewriteCheckpointsTogether } from "../../src/node/index.js";
import { crossPairs, rewriteTogether, TcpRewriteError } from "../../src/tcp/index.js";
import { RACE } from "../../src/tcp/warnings.js";
import { corpusCheckpoint, editImage } from "../helpers/checkpoints.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

/** tcp4 keeping only the sockets (file ids) given, plus its listener. */
function half(keep: number): Map<string, Uint8Array> {
  const cp = corpusCheckpoint("tcp4");
  editImage<"FILES">(cp, "files.img", (img) => {
    img.entries = img.entries.filter((f) => !f.isk || f.isk.id === keep || f.isk.state === 10);
  });
  return cp;
}
const server = () => new Checkpoint(memorySource(half(7), { label: "server" }));
const client = () => new Checkpoint(memorySource(half(10), { label: "client" }));
const move = [{ kind: "address" as const, from: "127.0.0.1", to: "10.0.0.1" }];

let work: string;
beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "criu-image-together-"));
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe("checkpoints moved together", () => {
  it("pairs the ends across checkpoints by tuple", () => {
    const pairs = crossPairs([server(), client()]);
    expect(pairs).toEqual([
      {
        a: {
          checkpoint: 0,
          socketId: 7,
          image: "files.img",
          local: { address: "127.0.0.1", port: 45001 },
          remote: { address: "127.0.0.2", port: 45002 },
        },
        b: {
          checkpoint: 1,
          socketId: 10,
          image: "files.img",
          local: { address: "127.0.0.2", port: 45002 },
          remote: { address: "127.0.0.1", port: 45001 },
        },
      },
    ]);
    // Alone, each half misses its peer; together, neither does, and both are restored apart.
    const alone = rewriteTogether([server()], move)[0]?.report.warnings ?? [];
    expect(alone.some((w) => w.includes("its peer is not in this checkpoint"))).toBe(true);
    const both = rewriteTogether([server(), client()], move);
    for (const r of both) {
      expect(r.report.warnings.some((w) => w.includes("peer is not in this checkpoint"))).toBe(false);
      expect(r.report.warnings).toContain(RACE);
    }
    // Both ends moved alike: the pair still agrees.
    expect(crossPairs(both.map((r) => r.checkpoint))[0]?.a.local).toEqual({ address: "10.0.0.1", port: 45001 });
    expect(crossPairs(both.map((r) => r.checkpoint))[0]?.b.remote).toEqual({ address: "10.0.0.1", port: 45001 });
  });

  it("a rule needs to match in one checkpoint only; one that matches in none is refused", () => {
    const moveClient = [{ kind: "address" as const, from: "127.0.0.2", to: "10.0.0.2" }];
    // The listener of each half is on 127.0.0.1 only: 127.0.0.2 is in both as an end of the connection.
    expect(() => rewriteTogether([server(), client()], moveClient)).not.toThrow();
    expect(() =>
      rewriteTogether([server(), client()], [{ kind: "address", from: "192.0.2.9", to: "10.0.0.9" }]),
    ).toThrow(new TcpRewriteError("--addr 192.0.2.9=10.0.0.9 matches no socket in any of the checkpoints"));
  });

  it("the CLI moves two folders in one run into --out-dir, and lists the pair across them", async () => {
    const a = join(work, "server");
    const b = join(work, "client");
    for (const [dir, cp] of [
      [a, half(7)],
      [b, half(10)],
    ] as const) {
      cpSync(join(corpusRoot, "images", "tcp4"), dir, { recursive: true });
      rmSync(join(dir, "files.img"));
      writeFileSync(join(dir, "files.img"), cp.get("files.img") as Uint8Array);
    }
    const list = await runCli(["tcp", "list", a, b]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout.toString()).toContain(
      `connections across checkpoints: 1\n127.0.0.1:45001 (${a}, socket 7) <-> 127.0.0.2:45002 (${b}, socket 10)`,
    );
    const out = join(work, "moved");
    const r = await runCli(["tcp", "rewrite", a, b, "--addr", "127.0.0.1=10.0.0.1", "--out-dir", out, "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const reports = JSON.parse(r.stdout.toString());
    expect(reports.map((x: { path: string }) => x.path)).toEqual([a, b]);
    const moved = crossPairs([await openCheckpoint(join(out, "server")), await openCheckpoint(join(out, "client"))]);
    expect(moved.map((p) => [p.a.local.address, p.b.remote.address])).toEqual([["10.0.0.1", "10.0.0.1"]]);
    // The inputs are untouched.
    expect(readFileSync(join(a, "files.img")).equals(Buffer.from(half(7).get("files.img") as Uint8Array))).toBe(true);
    // --out is for one checkpoint; archives are not rewritten in place.
    expect(
      (await runCli(["tcp", "rewrite", a, b, "--addr", "127.0.0.1=10.0.0.1", "--out", join(work, "x")])).code,
    ).toBe(2);
  });

  it("the library writes each in place, under its own lock, after checking all", async () => {
    const a = join(work, "a");
    const b = join(work, "b");
    cpSync(join(corpusRoot, "images", "tcp4"), a, { recursive: true });
    cpSync(join(corpusRoot, "images", "tcp4"), b, { recursive: true });
    await expect(
      rewriteCheckpointsTogether([a, b], [{ kind: "address", from: "192.0.2.1", to: "10.0.0.1" }]),
    ).rejects.toThrow(TcpRewriteError);
    const results = await rewriteCheckpointsTogether([a, b], move);
    expect(results.map((r) => r.report.changedImages)).toEqual([["files.img"], ["files.img"]]);
  });
});
