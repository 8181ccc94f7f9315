/**
 * The writer lock under contention, in real processes: several writers find
 * the same stale lock (a dead writer's, of this version or an earlier one,
 * sometimes with a dead taker's right to replace it beside it) and race to
 * take it over, on a slow disk. No two may hold it at once (which loses an
 * update), and nothing of the lock may be left behind.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LOCK, withCheckpointLock } from "../../src/node/lock.js";
import { rng } from "../fuzz/mutate.js";
import { slowDisk } from "../helpers/slow-disk.js";

const ROUNDS = Number(process.env.CRIU_IMAGE_LOCK_ROUNDS ?? 12);
const WRITERS = 3;
let work: string;
let child: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "criu-image-lock-"));
  child = join(work, "child-lock.mjs");
  await build({
    entryPoints: [join(__dirname, "..", "crash", "child-lock.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: child,
    logLevel: "error",
  });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A pid that was a process a moment ago and is none now. */
const deadPid = () => Number(spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout);
const token = (r: () => number) => Array.from({ length: 24 }, () => Math.floor(r() * 16).toString(16)).join("");

function run(dir: string, startAt: number, times: number): { p: ChildProcess; done: Promise<number | null> } {
  const p = spawn(process.execPath, [child, dir, String(startAt), String(times)], {
    stdio: ["ignore", "ignore", "pipe"],
  });
  let err = "";
  p.stderr?.on("data", (d) => {
    err += d;
  });
  const done = new Promise<number | null>((resolve) =>
    p.once("exit", (code) => {
      if (code !== 0 && code !== null) console.error(err);
      resolve(code);
    }),
  );
  return { p, done };
}

describe("the writer lock, contended", () => {
  it("lets one of several writers of this process take over a stale lock, 120 rounds", async () => {
    const r = rng(11);
    const dead = deadPid();
    const undo = slowDisk(() => new Promise((res) => setTimeout(res, r() < 0.3 ? 0 : r() * 6)));
    try {
      for (let round = 0; round < 120; round++) {
        const dir = mkdtempSync(join(work, "local-"));
        const stale = token(r);
        writeFileSync(join(dir, LOCK), round % 2 ? `${dead}\n` : `${dead} ${stale}\n`);
        if (round % 5 === 1) writeFileSync(join(dir, `${LOCK}.break-${stale}`), `${dead} ${token(r)}\n`);
        // A dead taker's right to replace a lock that is long gone: the next holder sweeps it.
        if (round % 7 === 3) writeFileSync(join(dir, `${LOCK}.break-${token(r)}`), `${dead} ${token(r)}\n`);
        let inside = 0;
        let most = 0;
        let n = 0;
        await Promise.all(
          Array.from({ length: 6 }, () =>
            withCheckpointLock(
              dir,
              async () => {
                most = Math.max(most, ++inside);
                const seen = n;
                await new Promise((res) => setTimeout(res, r() * 2));
                n = seen + 1;
                inside--;
              },
              { waitMs: 30_000 },
            ),
          ),
        );
        expect(most, `round ${round}: two writers held the lock at once`).toBe(1);
        expect(n).toBe(6);
        expect(readdirSync(dir), `round ${round}: the lock left files`).toEqual([]);
      }
    } finally {
      undo();
    }
  }, 300_000);

  it(`lets exactly one of ${WRITERS} writers at a time take over a stale lock, ${ROUNDS} rounds`, async () => {
    const r = rng(5);
    let broken = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const dir = mkdtempSync(join(work, "round-"));
      writeFileSync(join(dir, "counter"), "0");
      const stale = token(r);
      // A dead writer's lock: this version's form, or an earlier one's (a pid alone).
      writeFileSync(join(dir, LOCK), round % 3 === 2 ? `${deadPid()}\n` : `${deadPid()} ${stale}\n`);
      // Sometimes a taker died holding the right to replace it.
      if (round % 3 === 1) {
        writeFileSync(join(dir, `${LOCK}.break-${stale}`), `${deadPid()} ${token(r)}\n`);
        broken++;
      }
      // All start together (a process starts in well under 300 ms): they find the stale lock at the same moment.
      const startAt = Date.now() + 300;
      const procs = Array.from({ length: WRITERS }, () => run(dir, startAt, 2));
      expect(await Promise.all(procs.map((c) => c.done))).toEqual(procs.map(() => 0));
      expect(readFileSync(join(dir, "counter"), "utf8"), `round ${round}: an update was lost`).toBe(
        String(WRITERS * 2),
      );
      expect(readdirSync(dir), `round ${round}: the lock left files`).toEqual(["counter"]);
    }
    expect(broken).toBeGreaterThan(0);
  }, 300_000);
});
