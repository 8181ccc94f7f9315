/**
 * Replacing several files of a checkpoint folder all-or-nothing.
 *
 * The new images are written to temporary files beside the old ones and
 * fsynced. Then a journal naming every (temporary, final) pair is put in
 * place by one rename: that is the commit point. Then the temporary files
 * are renamed over the old ones and the journal is removed. A crash before
 * the commit leaves the old checkpoint (and temporary files, which the next
 * writer removes); a crash after it leaves a journal, which the next writer
 * (or `criu-image recover`) finishes. Readers never finish or remove
 * anything: they only report a pending journal.
 *
 * A journal is input like any other: it may only name files of its own
 * folder, and temporary files by our prefix. Anything else is refused. In
 * the images folder of an extracted export (`beside`), it may also name the
 * engine's metadata files beside that folder (`../network.status`), so that
 * images and metadata change in one commit; their temporary files are
 * still in the images folder (a rename across two folders of one file
 * system is atomic).
 */
import { lstat, readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { ENGINE_FILES, isBookkeeping, JOURNAL_NAME, LOCK_NAME } from "../archive/index.js";
import { syncDir, tempName, writeTemp } from "./atomic.js";
import { FileError, fileError } from "./errors.js";
import { fsOps } from "./fs-ops.js";
import { lockOwnerAlive } from "./lock.js";

export const JOURNAL = JOURNAL_NAME;
export { isBookkeeping };

export { ENGINE_FILES };

/** Where a journal may be: plain, or in an export's images folder, with the metadata beside it. */
export interface JournalOptions {
  /** The folder is an extracted export's images folder: `../` + an ENGINE_FILES name may be replaced too. */
  beside?: boolean;
}

/** A final name a journal may give: a file of the folder, or (beside) an engine file next to it. */
function finalName(name: unknown, options: JournalOptions): name is string {
  if (bareName(name)) return true;
  return (
    options.beside === true &&
    typeof name === "string" &&
    name.startsWith("../") &&
    ENGINE_FILES.includes(name.slice(3))
  );
}

const JOURNAL_LIMIT = 1 << 20;
const TEMP_NAME = /^\.criu-image-tmp-[0-9a-f]{12}-(.+)$/;

/** A file name of the folder itself: no separator, not . or .., not one of ours. */
function bareName(name: unknown): name is string {
  return (
    typeof name === "string" &&
    name.length > 0 &&
    name.length <= 255 &&
    !/[/\\\0]/.test(name) &&
    name !== "." &&
    name !== ".." &&
    !isBookkeeping(name)
  );
}

/** One rename a pending journal covers: the temp file and the file it replaces. */
export type JournalPair = [temp: string, final: string];

function refuse(dir: string, why: string): never {
  const path = join(dir, JOURNAL);
  throw new FileError(
    "JOURNAL",
    path,
    `${why}; this is not a journal criu-image wrote. Remove ${path} (and check the folder) before writing to it`,
  );
}

/**
 * The pending journal of a folder, validated, or undefined when there is
 * none. Reads only; throws FileError (code JOURNAL) for a journal this tool
 * did not write.
 */
export async function readJournal(dir: string, options: JournalOptions = {}): Promise<JournalPair[] | undefined> {
  const path = join(dir, JOURNAL);
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw fileError(e, path, "cannot read the journal");
  }
  if (st.isSymbolicLink()) refuse(dir, "it is a symbolic link");
  if (!st.isFile()) refuse(dir, "it is not a regular file");
  if (st.size > JOURNAL_LIMIT) refuse(dir, `it has ${st.size} bytes`);
  let doc: unknown;
  try {
    doc = JSON.parse(await readFile(path, "utf8"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code) throw fileError(e, path, "cannot read the journal");
    refuse(dir, "it is not JSON");
  }
  if (!Array.isArray(doc)) refuse(dir, "it is not a list of (temporary, final) pairs");
  const finals = new Set<string>();
  for (const pair of doc as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2)
      refuse(dir, `${JSON.stringify(pair)} is not a (temporary, final) pair`);
    const [tmp, final] = pair as unknown[];
    if (!finalName(final, options))
      refuse(dir, `it names ${JSON.stringify(final)}, which is not a file of this folder`);
    const m = typeof tmp === "string" ? TEMP_NAME.exec(tmp) : null;
    if (!m || m[1] !== basename(final)) refuse(dir, `it names ${JSON.stringify(tmp)} as the new ${final}`);
    if (finals.has(final)) refuse(dir, `it names ${final} twice`);
    finals.add(final);
  }
  return doc as JournalPair[];
}

/**
 * Finishes or undoes an interrupted write. The caller holds the folder's
 * lock. Returns what was done, one line each.
 */
export async function recoverLocked(dir: string, options: JournalOptions = {}): Promise<string[]> {
  const done: string[] = [];
  const pairs = await readJournal(dir, options);
  if (pairs) {
    const names = new Set(await readdir(dir));
    // Only files this tool wrote are put in place: a regular file, one link, owned by whoever runs this.
    // A planted symbolic or hard link (to another user's file) is refused before anything is renamed.
    for (const [tmp] of pairs) {
      if (!names.has(tmp)) continue;
      const st = await lstat(join(dir, tmp)).catch((e) => {
        throw fileError(e, join(dir, tmp), "cannot check the journal's temporary file");
      });
      const uid = process.getuid?.();
      const why = st.isSymbolicLink()
        ? "is a symbolic link"
        : !st.isFile()
          ? "is not a regular file"
          : st.nlink !== 1
            ? `has ${st.nlink} links`
            : uid !== undefined && st.uid !== uid
              ? `belongs to user ${st.uid}`
              : undefined;
      if (why) refuse(dir, `its temporary file ${tmp} ${why}, which criu-image never writes`);
    }
    for (const [tmp, final] of pairs) {
      if (!names.has(tmp)) continue;
      await fsOps.rename(join(dir, tmp), join(dir, final));
      done.push(`completed the new ${final}`);
    }
    await syncDir(dir);
    if (pairs.some(([, final]) => final.startsWith("../"))) await syncDir(join(dir, ".."));
    await fsOps.unlink(join(dir, JOURNAL));
    await syncDir(dir);
    done.push("removed the finished journal");
  }
  for (const name of await readdir(dir)) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const st = await lstat(join(dir, name)).catch(() => undefined);
    if (!st?.isFile()) continue;
    // A lock's temporary file of a live writer waiting for the lock is its own (it removes it, and retries if
    // it is swept before it holds a pid); a dead writer's is left over.
    if (m[1] === LOCK_NAME && (await lockOwnerAlive(join(dir, name)))) continue;
    try {
      await fsOps.unlink(join(dir, name));
    } catch (e) {
      // Gone already: nothing left to undo.
      if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
      throw e;
    }
    done.push(`removed the uncommitted ${name}`);
  }
  if (done.length > 0) await syncDir(dir);
  return done;
}

/** Mode and owner of an image about to be replaced; refuses links and non-files. */
async function keepOf(dir: string, name: string): Promise<{ mode?: number; owner?: { uid: number; gid: number } }> {
  const path = join(dir, name);
  try {
    const st = await lstat(path);
    if (st.isSymbolicLink())
      throw new FileError("IO", path, "is a symbolic link; rewrite into a new folder (--out) instead of in place");
    if (!st.isFile()) throw new FileError("IO", path, "is not a regular file");
    return { mode: st.mode & 0o7777, owner: { uid: st.uid, gid: st.gid } };
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw fileError(e, path);
  }
}

/**
 * Replaces several files of `dir` at once, all-or-nothing (see the file
 * comment). Each keeps its mode and, as root, its owner. The caller holds
 * the folder's lock.
 */
export async function replaceFilesLocked(
  dir: string,
  files: ReadonlyMap<string, Uint8Array>,
  options: JournalOptions = {},
): Promise<void> {
  for (const name of files.keys())
    if (!finalName(name, options)) throw new FileError("INVALID", name, "not a file name of the folder");
  const pairs: JournalPair[] = [];
  try {
    for (const [name, bytes] of files) {
      const tmp = await writeTemp(dir, basename(name), bytes, await keepOf(dir, name));
      pairs.push([basename(tmp), name]);
    }
  } catch (e) {
    for (const [tmp] of pairs) await fsOps.unlink(join(dir, tmp)).catch(() => {});
    throw fileError(e, dir, "cannot write the new images");
  }
  const beside = pairs.some(([, final]) => final.startsWith("../"));
  const syncAll = async () => {
    await syncDir(dir);
    if (beside) await syncDir(join(dir, ".."));
  };
  if (pairs.length === 1) {
    const [tmp, final] = pairs[0] as JournalPair;
    await fsOps.rename(join(dir, tmp), join(dir, final));
    await syncAll();
    return;
  }
  const journalTmp = await writeTemp(dir, JOURNAL, new TextEncoder().encode(JSON.stringify(pairs)), { mode: 0o600 });
  try {
    await fsOps.rename(journalTmp, join(dir, JOURNAL)); // the commit point
  } catch (e) {
    for (const [tmp] of pairs) await fsOps.unlink(join(dir, tmp)).catch(() => {});
    await fsOps.unlink(journalTmp).catch(() => {});
    throw fileError(e, dir, "cannot commit the rewrite");
  }
  await syncDir(dir);
  for (const [tmp, final] of pairs) await fsOps.rename(join(dir, tmp), join(dir, final));
  await syncAll();
  await fsOps.unlink(join(dir, JOURNAL));
  await syncDir(dir);
}

export { tempName };
