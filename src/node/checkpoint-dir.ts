/**
 * Checkpoint directories on disk: loading what the TCP functions need, and
 * writing a rewrite back all-or-nothing.
 *
 * In place, new images are written to temporary files beside the old ones
 * and fsynced; then a journal naming every (temporary, final) pair is put in
 * place by one rename, which is the commit point; then the temporary files
 * are renamed over the old ones and the journal is removed. After a crash,
 * the next write to the directory (or recoverCheckpointDir) finishes a
 * committed journal or deletes uncommitted temporary files, so the
 * directory ends up wholly old or wholly new. A rewrite that changes one
 * image (the usual case: files.img) needs no journal: its single rename is
 * atomic by itself.
 */
import { copyFile, mkdir, readdir, readFile, rename, rm, stat, unlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Checkpoint } from "../tcp/checkpoint.js";
import { type RewriteOptions, type RewriteReport, rewriteConnections } from "../tcp/rewrite.js";
import type { RewriteRule } from "../tcp/rules.js";
import { type Problem, type VerifyOptions, verifyCheckpoint } from "../verify/verify.js";
import { syncDir, TEMP_PREFIX, writeTemp } from "./atomic.js";
import { listCheckpointDir } from "./files.js";

export const JOURNAL = ".criu-image-journal";

/** Images the TCP functions never need: memory pages and tmpfs archives can be huge. */
const skipForTcp = (name: string) => name.startsWith("pages-") || name.startsWith("tmpfs-");

/** What a rewrite reads: the socket images, the inventory and the namespace images (for warnings). */
export const neededForRewrite = (name: string): boolean =>
  /^(files|inetsk|inventory)\.img$/.test(name) ||
  /^(netns|ifaddr|route|route6|rule|iptables|ip6tables|nftables|netns-ct|netns-exp)-\d+\.img$/.test(name);

/**
 * Loads a checkpoint directory for the TCP functions: by default everything
 * but pages and tmpfs archives; `filter` narrows it further. Files are read
 * a batch at a time, since a checkpoint of many connections has one
 * tcp-stream image per connection.
 */
export async function loadCheckpointForTcp(
  dir: string,
  filter: (name: string) => boolean = () => true,
): Promise<Checkpoint> {
  await recoverCheckpointDir(dir);
  const names = (await listCheckpointDir(dir)).filter((n) => n !== JOURNAL && !skipForTcp(n) && filter(n));
  const out = new Map<string, Uint8Array>();
  for (let i = 0; i < names.length; i += 64) {
    const batch = names.slice(i, i + 64);
    const bytes = await Promise.all(batch.map((n) => readFile(join(dir, n))));
    for (let k = 0; k < batch.length; k++) out.set(batch[k] as string, new Uint8Array(bytes[k] as Buffer));
  }
  return out;
}

/**
 * Finishes or undoes an interrupted write: completes the renames of a
 * committed journal, then removes temporary files no journal names.
 * Returns what it did, for logs.
 */
export async function recoverCheckpointDir(dir: string): Promise<string[]> {
  const done: string[] = [];
  const names = await readdir(dir);
  if (names.includes(JOURNAL)) {
    const pairs = JSON.parse(await readFile(join(dir, JOURNAL), "utf8")) as [string, string][];
    for (const [tmp, final] of pairs) {
      if (names.includes(tmp)) {
        await rename(join(dir, tmp), join(dir, final));
        done.push(`completed ${final}`);
      }
    }
    await syncDir(dir);
    await unlink(join(dir, JOURNAL));
    await syncDir(dir);
  }
  for (const name of await readdir(dir)) {
    if (name.startsWith(TEMP_PREFIX)) {
      await unlink(join(dir, name));
      done.push(`removed ${name}`);
    }
  }
  if (done.length > 0) await syncDir(dir);
  return done;
}

/** Replaces several files of `dir` at once, all-or-nothing (see the file comment). */
export async function replaceFilesAtomically(dir: string, files: ReadonlyMap<string, Uint8Array>): Promise<void> {
  await recoverCheckpointDir(dir);
  const pairs: [string, string][] = [];
  try {
    for (const [name, bytes] of files) {
      const tmp = await writeTemp(join(dir, name), bytes);
      pairs.push([tmp.slice(tmp.lastIndexOf("/") + 1), name]);
    }
  } catch (e) {
    for (const [tmp] of pairs) await unlink(join(dir, tmp)).catch(() => {});
    throw e;
  }
  if (pairs.length === 1) {
    const [tmp, final] = pairs[0] as [string, string];
    await rename(join(dir, tmp), join(dir, final));
    await syncDir(dir);
    return;
  }
  const journalTmp = await writeTemp(join(dir, JOURNAL), new TextEncoder().encode(JSON.stringify(pairs)));
  await rename(journalTmp, join(dir, JOURNAL)); // the commit point
  await syncDir(dir);
  for (const [tmp, final] of pairs) await rename(join(dir, tmp), join(dir, final));
  await syncDir(dir);
  await unlink(join(dir, JOURNAL));
  await syncDir(dir);
}

export interface RewriteDirOptions extends RewriteOptions {
  /** Work out and report the changes, write nothing. */
  dryRun?: boolean;
  /** Write the rewritten checkpoint here (a new or empty directory) and leave `dir` alone. */
  outDir?: string;
}

export interface RewriteDirResult {
  report: RewriteReport;
  /** Files written (none for a dry run). */
  written: string[];
}

/**
 * rewriteConnections over a checkpoint directory. In place (default) the
 * changed images are replaced all-or-nothing; with `outDir`, every file is
 * copied there and the changed images written new. pages-* are never read.
 */
export async function rewriteCheckpointDir(
  dir: string,
  rules: readonly RewriteRule[],
  options: RewriteDirOptions = {},
): Promise<RewriteDirResult> {
  // A rewrite needs neither the tcp-stream images nor the process images.
  const checkpoint = await loadCheckpointForTcp(dir, neededForRewrite);
  const { checkpoint: next, report } = rewriteConnections(checkpoint, rules, options);
  const changed = new Map(report.changedImages.map((n) => [n, next.get(n) as Uint8Array]));
  if (options.dryRun) return { report, written: [] };
  if (options.outDir) {
    const out = options.outDir;
    await mkdir(out, { recursive: true });
    if ((await readdir(out)).length > 0) throw new Error(`${out}: output directory is not empty`);
    try {
      for (const name of await listCheckpointDir(dir)) {
        if (name === JOURNAL) continue;
        const bytes = changed.get(name);
        if (bytes) await writeFile(join(out, name), bytes);
        else await copyFile(join(dir, name), join(out, name));
      }
      await syncDir(out);
    } catch (e) {
      await rm(out, { recursive: true, force: true });
      throw e;
    }
    return { report, written: [...changed.keys()].map((n) => join(out, n)) };
  }
  if (changed.size > 0) await replaceFilesAtomically(dir, changed);
  return { report, written: [...changed.keys()].map((n) => join(dir, n)) };
}

/**
 * verifyCheckpoint over a directory: reads every image but pages-*, whose
 * sizes are checked against their pagemaps without reading them.
 */
export async function verifyCheckpointDir(dir: string, options: Omit<VerifyOptions, "sizes"> = {}): Promise<Problem[]> {
  const checkpoint = new Map<string, Uint8Array>();
  const sizes = new Map<string, number>();
  for (const name of await listCheckpointDir(dir)) {
    if (name === JOURNAL) continue;
    if (name.startsWith("pages-")) sizes.set(name, (await stat(join(dir, name))).size);
    else checkpoint.set(name, new Uint8Array(await readFile(join(dir, name))));
  }
  return verifyCheckpoint(checkpoint, { ...options, sizes });
}
