/**
 * One writer at a time per checkpoint folder. The lock is a file created
 * exclusively in the folder, holding the writer's pid, so a second writer
 * can say who holds it, and a lock left by a killed writer is recognised
 * (its pid is gone) and taken over.
 */
import { link, lstat, readFile } from "node:fs/promises";
import { join } from "node:path";
import { LOCK_NAME } from "../archive/index.js";
import { tempName, writeAll } from "./atomic.js";
import { FileError, fileError } from "./errors.js";
import { CREATE_NEW, fsOps } from "./fs-ops.js";

export const LOCK = LOCK_NAME;

/** How to wait for the checkpoint folder's writer lock. */
export interface LockOptions {
  /** How long to wait for another writer to finish, in milliseconds (default 10 s). */
  waitMs?: number;
}

/** Whether a process of this pid exists (ours or another user's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function holder(path: string): Promise<{ pid: number; ino: number } | undefined> {
  const st = await lstat(path);
  if (!st.isFile()) throw new FileError("LOCKED", path, "is not a lock file this tool wrote; remove it");
  const text = (await readFile(path, "utf8")).trim();
  const pid = /^\d{1,10}$/.test(text) ? Number(text) : Number.NaN;
  return Number.isFinite(pid) && pid > 0 ? { pid, ino: st.ino } : undefined;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function acquire(dir: string, waitMs: number): Promise<string> {
  const path = join(dir, LOCK);
  const until = Date.now() + waitMs;
  for (;;) {
    // The lock appears with its pid already in it (link of a written file),
    // so a writer killed at any moment never leaves an empty lock behind.
    const tmp = join(dir, tempName(LOCK));
    try {
      const h = await fsOps.open(tmp, CREATE_NEW, 0o644);
      try {
        await writeAll(h, new TextEncoder().encode(`${process.pid}\n`));
      } finally {
        await fsOps.close(h);
      }
      await link(tmp, path);
      return path;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // ENOENT: the lock holder's recovery swept this temporary file of ours (a dead writer's looks the same): again.
      if (code === "ENOENT") continue;
      if (code !== "EEXIST") throw fileError(e, dir, "cannot lock the checkpoint");
    } finally {
      await fsOps.unlink(tmp).catch(() => {});
    }
    let who: { pid: number; ino: number } | undefined;
    try {
      who = await holder(path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue; // released meanwhile
      throw fileError(e, path);
    }
    // A lock whose writer is gone (killed, crashed) is stale: take it over.
    if (who && !alive(who.pid)) {
      const now = await lstat(path).catch(() => undefined);
      if (now?.ino === who.ino) await fsOps.unlink(path).catch(() => {});
      continue;
    }
    if (Date.now() >= until) {
      throw new FileError(
        "LOCKED",
        dir,
        `locked by pid ${who?.pid ?? "?"}: another criu-image is writing this checkpoint; try again when it has finished (if pid ${who?.pid ?? "?"} is not criu-image, remove ${LOCK})`,
      );
    }
    await sleep(25 + Math.floor(Math.random() * 25));
  }
}

/** Runs `fn` holding the folder's writer lock; always releases it. */
export async function withCheckpointLock<T>(dir: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const path = await acquire(dir, options.waitMs ?? 10_000);
  try {
    return await fn();
  } finally {
    await fsOps.unlink(path).catch(() => {});
  }
}
