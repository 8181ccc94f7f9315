/**
 * One writer at a time per checkpoint folder. The lock is a file that
 * appears whole (linked or renamed into place after it was written), naming
 * its writer's pid and a token of its own, so a second writer can say who
 * holds it, and a lock left by a killed writer is recognised (its pid is
 * gone) and taken over.
 *
 * A taker never removes a lock. It first wins the right to replace that one
 * lock: the exclusive creation of `LOCK.break-<token>`, itself a lock of the
 * same kind (so a taker killed meanwhile is taken over the same way). Holding
 * it, the taker reads the lock again, and only if it still holds the token
 * of the dead writer renames its own over it. Only the dead writer could
 * change that lock otherwise, so two takers never both win, whatever the
 * interleaving.
 */
import { randomBytes } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { LOCK_NAME } from "../archive/index.js";
import { tempName, writeAll } from "./atomic.js";
import { FileError, fileError } from "./errors.js";
import { CREATE_NEW, fsOps } from "./fs-ops.js";

export const LOCK = LOCK_NAME;
/** The right to replace the stale lock whose token follows. */
const BREAK = `${LOCK}.break-`;

/** How to wait for the checkpoint folder's writer lock. */
export interface LockOptions {
  /** How long to wait for another writer to finish, in milliseconds (default 10 s). */
  waitMs?: number;
  /** Called once when another live writer holds the lock and this one starts to wait for it. */
  onWait?: (pid: number | undefined) => void;
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

/** Who holds a lock file: a pid and the lock's own token (none in what earlier versions wrote). */
export interface LockOwner {
  pid: number;
  token?: string;
}

/** Reads `PID TOKEN` (or an earlier version's `PID`); anything else names nobody. */
export function parseLockOwner(text: string): LockOwner | undefined {
  const m = /^(\d{1,10})(?: ([0-9a-f]{16,64}))?\n?$/.exec(text);
  const pid = m ? Number(m[1]) : 0;
  return m && pid > 0 ? { pid, ...(m[2] ? { token: m[2] } : {}) } : undefined;
}

/** Whether a lock file (or its temporary file) names a live writer. */
export async function lockOwnerAlive(path: string): Promise<boolean> {
  const who = parseLockOwner(await readFile(path, "utf8").catch(() => ""));
  return who !== undefined && alive(who.pid);
}

interface Seen {
  owner?: LockOwner;
  /** What this lock is called in a break file's name: its token, or its inode for an earlier version's lock. */
  id?: string;
}

async function read(path: string): Promise<Seen | undefined> {
  let st: Awaited<ReturnType<typeof fsOps.lstat>>;
  try {
    st = await fsOps.lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined; // released meanwhile
    throw fileError(e, path);
  }
  if (!st.isFile()) throw new FileError("LOCKED", path, "is not a lock file this tool wrote; remove it");
  const text = await readFile(path, "utf8").catch((e) => {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileError(e, path);
  });
  if (text === undefined) return undefined;
  const owner = parseLockOwner(text);
  return { owner, id: owner?.token ?? (owner ? `i${st.ino}` : undefined) };
}

/** A new file holding our pid and a fresh token, under a temporary name. */
async function written(dir: string): Promise<{ tmp: string; token: string }> {
  const token = randomBytes(12).toString("hex");
  const tmp = join(dir, tempName(LOCK));
  const h = await fsOps.open(tmp, CREATE_NEW, 0o644);
  try {
    await writeAll(h, new TextEncoder().encode(`${process.pid} ${token}\n`));
  } finally {
    await fsOps.close(h);
  }
  return { tmp, token };
}

type Try = { held: true; token: string } | { held: false; seen?: Seen };

/**
 * Tries once to hold `path`: creates it, or takes it over from a dead
 * writer. Never waits.
 */
async function tryHold(dir: string, path: string): Promise<Try> {
  let mine: { tmp: string; token: string } | undefined;
  try {
    mine = await written(dir);
    // link fails if the lock exists: the plain, exclusive way in.
    await fsOps.link(mine.tmp, path);
    return { held: true, token: mine.token };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOENT: a recovery swept our temporary file before we linked it: try again.
    if (code === "ENOENT") return { held: false };
    if (code !== "EEXIST") throw fileError(e, dir, "cannot lock the checkpoint");
  } finally {
    if (mine) await fsOps.unlink(mine.tmp).catch(() => {});
  }
  const seen = await read(path);
  // Nobody (released meanwhile), a live writer, or a lock that names nobody (waited for, never taken).
  if (!seen?.owner || !seen.id || alive(seen.owner.pid)) return { held: false, seen };
  const breaker = `${BREAK}${seen.id}`;
  const right = await tryHold(dir, join(dir, breaker));
  if (!right.held) return { held: false, seen };
  try {
    const now = await read(path);
    // Still the dead writer's lock: only we may replace it now.
    if (now?.id !== seen.id) return { held: false, seen: now };
    const fresh = await written(dir);
    try {
      await fsOps.rename(fresh.tmp, path);
    } catch (e) {
      await fsOps.unlink(fresh.tmp).catch(() => {});
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return { held: false, seen: now };
      throw fileError(e, dir, "cannot lock the checkpoint");
    }
    return { held: true, token: fresh.token };
  } finally {
    await releaseIfOurs(join(dir, breaker), right.token);
  }
}

/** Removes a lock we hold (and nobody may take from a live writer). */
async function releaseIfOurs(path: string, token: string): Promise<void> {
  const text = await readFile(path, "utf8").catch(() => "");
  if (parseLockOwner(text)?.token === token) await fsOps.unlink(path).catch(() => {});
}

/** Removes the rights to replace locks that are gone: left by takers killed before they removed them. */
async function sweepBreakers(dir: string): Promise<void> {
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    if (!name.startsWith(BREAK)) continue;
    const path = join(dir, name);
    // A live taker's is its own to remove; a dead one's only blocks the takeover of a lock that is gone.
    if (!(await lockOwnerAlive(path))) await fsOps.unlink(path).catch(() => {});
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function acquire(dir: string, options: LockOptions): Promise<{ path: string; token: string }> {
  const path = join(dir, LOCK);
  const until = Date.now() + (options.waitMs ?? 10_000);
  let told = false;
  for (;;) {
    const got = await tryHold(dir, path);
    if (got.held) return { path, token: got.token };
    const pid = got.seen?.owner?.pid;
    if (!got.seen) continue; // released meanwhile: try at once
    if (Date.now() >= until) {
      throw new FileError(
        "LOCKED",
        dir,
        `locked by pid ${pid ?? "?"}: another criu-image is writing this checkpoint; try again when it has finished (if pid ${pid ?? "?"} is not criu-image, remove ${LOCK})`,
      );
    }
    if (!told) options.onWait?.(pid);
    told = true;
    await sleep(25 + Math.floor(Math.random() * 25));
  }
}

/** Runs `fn` holding the folder's writer lock; always releases it. */
export async function withCheckpointLock<T>(dir: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const { path, token } = await acquire(dir, options);
  try {
    await sweepBreakers(dir);
    return await fn();
  } finally {
    await releaseIfOurs(path, token);
  }
}
