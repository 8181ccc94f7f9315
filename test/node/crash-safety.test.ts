/**
 * SIGKILL a process that is rewriting a checkpoint in place, at random
 * moments, many times: the directory must always be wholly the old or
 * wholly the new checkpoint, and temporary files must be gone after the
 * next run's recovery.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEMP_PREFIX } from "../../src/node/atomic.js";
import { recoverCheckpointDir } from "../../src/node/index.js";
import { JOURNAL } from "../../src/node/journal.js";
import { LOCK } from "../../src/node/lock.js";
import { rewriteConnections } from "../../src/tcp/index.js";
import { rng } from "../fuzz/mutate.js";
import { corpusCheckpoint } from "../helpers/checkpoints.js";
import { corpusRoot } from "../helpers/corpus.js";

// 30 in the suite; npm run test:stress (CI runs it too) makes 120.
const KILLS = Number(process.env.CRIU_IMAGE_KILLS ?? 30);
let work: string;
let child: string;
let journalChild: string;

/** A child bundled with esbuild: it starts in a fraction of the time tsx needs. */
async function bundleChild(name: string): Promise<string> {
  const outfile = join(work, `${name}.mjs`);
  await build({
    entryPoints: [join(__dirname, "..", "crash", `${name}.ts`)],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile,
    logLevel: "error",
    // CommonJS dependencies (tar-stream) require Node built-ins.
    banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  });
  return outfile;
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "criu-image-crash-"));
  child = await bundleChild("child");
  journalChild = await bundleChild("child-journal");
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

const files = (dir: string) => readdirSync(dir).sort();
const state = (dir: string) =>
  new Map(
    files(dir)
      .filter((n) => !n.startsWith(TEMP_PREFIX) && n !== JOURNAL && n !== LOCK)
      .map((n) => [n, readFileSync(join(dir, n))]),
  );
function equal(a: Map<string, Uint8Array>, b: Map<string, Uint8Array>): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) if (!b.has(k) || Buffer.compare(v, b.get(k) as Uint8Array) !== 0) return false;
  return true;
}

function waitReady(p: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    p.stdout?.once("data", () => resolve());
    p.once("exit", (code) => reject(new Error(`child exited early (${code})`)));
  });
}

/** Starts a child rewriting `dir` (moving 127.0.0.2 to 10.0.0.2 and back); resolves once it is ready. */
async function startChild(script: string, dir: string, ...rest: string[]) {
  const p = spawn(process.execPath, [script, dir, "127.0.0.2", "10.0.0.2", ...rest], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise((resolve) => p.once("exit", resolve));
  await waitReady(p);
  return { p, exited };
}

/** Starts a child and SIGKILLs it after `ms`; resolves once it is gone. */
async function killAfter(script: string, dir: string, ms: number): Promise<void> {
  const { p, exited } = await startChild(script, dir);
  await new Promise((res) => setTimeout(res, ms));
  p.kill("SIGKILL");
  await exited;
}

/**
 * How long two rounds of a child's rewrite take (on a scratch copy). Kills
 * are spread over that, so that they land before, during and after the
 * writes of either direction however loaded the machine is.
 */
async function killWindow(script: string): Promise<number> {
  const dir = join(work, "timing");
  rmSync(dir, { recursive: true, force: true });
  cpSync(join(corpusRoot, "images", "tcp4"), dir, { recursive: true, verbatimSymlinks: true });
  const { exited } = await startChild(script, dir, "2");
  const t0 = performance.now();
  await exited;
  return Math.max(20, performance.now() - t0);
}

describe("crash-safe in-place rewrite", () => {
  it(`survives ${KILLS} SIGKILLs at random moments`, async () => {
    const dir = join(work, "ckpt");
    cpSync(join(corpusRoot, "images", "tcp4"), dir, { recursive: true, verbatimSymlinks: true });
    const old = state(dir);
    const moved = rewriteConnections(corpusCheckpoint("tcp4"), [
      { kind: "address", from: "127.0.0.2", to: "10.0.0.2" },
    ]).checkpoint;
    const fresh = new Map(old);
    fresh.set("files.img", Buffer.from(moved.bytes("files.img") as Uint8Array));
    const r = rng(99);
    const window = await killWindow(child);
    const seen = { old: 0, new: 0, tempsLeft: 0 };
    for (let k = 0; k < KILLS; k++) {
      await killAfter(child, dir, Math.floor(r() * window));
      // Right after the kill: the checkpoint is wholly old or wholly new.
      const now = state(dir);
      const isOld = equal(now, old);
      expect(isOld || equal(now, fresh), `kill ${k}: a mixed checkpoint`).toBe(true);
      if (files(dir).some((n) => n.startsWith(TEMP_PREFIX))) seen.tempsLeft++;
      // The next run cleans up whatever the killed one left.
      await recoverCheckpointDir(dir);
      expect(files(dir).some((n) => n.startsWith(TEMP_PREFIX) || n === JOURNAL || n === LOCK)).toBe(false);
      expect(equal(state(dir), now), `kill ${k}: recovery changed the checkpoint`).toBe(true);
      if (isOld) seen.old++;
      else seen.new++;
    }
    console.log(
      `crash safety: ${KILLS} kills, ${seen.old} left the old checkpoint, ${seen.new} the new one, ${seen.tempsLeft} left temporary files (cleaned up)`,
    );
    // The kills must have landed in both states, or the test proved little.
    expect(seen.old).toBeGreaterThan(0);
    expect(seen.new).toBeGreaterThan(0);
  }, 600_000);

  it(`survives ${Math.ceil(KILLS / 2)} SIGKILLs of a two-image rewrite (journal): never one image new and the other old`, async () => {
    const dir = join(work, "ckpt-journal");
    cpSync(join(corpusRoot, "images", "tcp4"), dir, { recursive: true, verbatimSymlinks: true });
    const pair = () =>
      `${readFileSync(join(dir, "files.img")).toString("hex")}|${readFileSync(join(dir, "pstree.img")).toString("hex")}`;
    const states = new Set<string>([pair()]);
    const r = rng(7);
    const window = await killWindow(journalChild);
    let moved = 0;
    for (let k = 0; k < Math.ceil(KILLS / 2); k++) {
      await killAfter(journalChild, dir, Math.floor(r() * window));
      // A pending journal is finished (or temporaries dropped) by the next writer.
      await recoverCheckpointDir(dir);
      expect(files(dir).some((n) => n.startsWith(TEMP_PREFIX) || n === JOURNAL || n === LOCK)).toBe(false);
      states.add(pair());
      if (states.size > 2) break;
      moved++;
    }
    // Only two states ever exist: both images old, or both new.
    expect(states.size, "a mixed pair of images after a kill").toBe(2);
    expect(moved).toBeGreaterThan(0);
  }, 600_000);
});
