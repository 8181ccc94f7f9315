/**
 * The writers at their edges, in this process: what the lock does with a
 * pid it may not signal or cannot be, a lock that goes away while it is
 * read, errors the writers must not swallow, every handle closed, journal
 * documents whose fields have the wrong JSON type, and the modes and
 * owners new files get. Faults come through fsOps and process spies.
 */
import { execFileSync } from "node:child_process";
import {
  chownSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import type { FileHandle } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { TEMP_PREFIX, writeAll, writeFileAtomic } from "../../src/node/atomic.js";
import { FileError } from "../../src/node/errors.js";
import { fsOps } from "../../src/node/fs-ops.js";
import { JOURNAL, readJournal, recoverLocked, replaceFilesLocked } from "../../src/node/journal.js";
import { LOCK, withCheckpointLock } from "../../src/node/lock.js";
import { tempDirPerTest } from "../helpers/temp-dir.js";

let dir: string;
tempDirPerTest("criu-image-edges-", (d) => {
  dir = d;
});

const bytes = (s: string) => new TextEncoder().encode(s);
const errno = (code: string) => Object.assign(new Error(`${code}: injected`), { code });
const failure = async (p: Promise<unknown>): Promise<FileError> => {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  if (!(e instanceof FileError)) throw new Error(`expected a FileError, got ${String(e)}`);
  return e;
};
/** Every handle fsOps opens, and whether fsOps closed it. */
function handles(): Map<FileHandle, { path: string; mode: number | undefined; closed: boolean }> {
  const seen = new Map<FileHandle, { path: string; mode: number | undefined; closed: boolean }>();
  const open = fsOps.open;
  const close = fsOps.close;
  vi.spyOn(fsOps, "open").mockImplementation(async (path, flags, mode) => {
    const h = await open(path, flags, mode);
    seen.set(h, { path, mode, closed: false });
    return h;
  });
  vi.spyOn(fsOps, "close").mockImplementation(async (h) => {
    const s = seen.get(h);
    if (s) s.closed = true;
    return close(h);
  });
  return seen;
}
const lockedBy = (who: string) =>
  `${dir}: locked by ${who}: another criu-image is writing this checkpoint; try again when it has finished (if ${who} is not criu-image, remove ${LOCK})`;

describe("the lock", () => {
  it("a writer this user may not signal (EPERM) is alive; one that is gone (ESRCH) is not", async () => {
    writeFileSync(join(dir, LOCK), "12345\n");
    vi.spyOn(process, "kill").mockImplementation(() => {
      throw errno("EPERM");
    });
    const e = await failure(withCheckpointLock(dir, async () => 1, { waitMs: 60 }));
    expect([e.code, e.message]).toEqual(["LOCKED", lockedBy("pid 12345")]);
    vi.spyOn(process, "kill").mockImplementation(() => {
      throw errno("ESRCH");
    });
    expect(await withCheckpointLock(dir, async () => readFileSync(join(dir, LOCK), "utf8"), { waitMs: 60 })).toMatch(
      new RegExp(`^${process.pid} [0-9a-f]{24}\n$`),
    );
  });

  it("a pid of more than ten digits is no pid: waited for, never signalled", async () => {
    writeFileSync(join(dir, LOCK), "12345678901\n");
    const kill = vi.spyOn(process, "kill");
    const e = await failure(withCheckpointLock(dir, async () => 1, { waitMs: 60 }));
    expect(e.message).toBe(lockedBy("pid ?"));
    expect(kill).not.toHaveBeenCalled();
  });

  it("a lock released while it is being read is taken at once", async () => {
    writeFileSync(join(dir, LOCK), `${process.ppid}\n`);
    const unlink = fsOps.unlink;
    // The holder goes away just after our attempt to link failed.
    vi.spyOn(fsOps, "unlink").mockImplementation(async (p) => {
      await unlink(p);
      if (p.includes(TEMP_PREFIX)) rmSync(join(dir, LOCK), { force: true });
    });
    expect(await withCheckpointLock(dir, async () => "mine", { waitMs: 0 })).toBe("mine");
  });

  it("a folder it cannot write in is an error at once, not a wait", async () => {
    vi.spyOn(fsOps, "open").mockRejectedValue(errno("EACCES"));
    const e = await failure(withCheckpointLock(dir, async () => 1, { waitMs: 10_000 }));
    expect([e.code, e.errno, e.message]).toEqual([
      "IO",
      "EACCES",
      `${dir}: cannot lock the checkpoint: permission denied (EACCES)`,
    ]);
  });

  it("closes the file it writes its pid into", async () => {
    const seen = handles();
    await withCheckpointLock(dir, async () => 1);
    expect(seen.size).toBeGreaterThan(0);
    for (const s of seen.values()) expect(s.closed, s.path).toBe(true);
  });
});

describe("writeFileAtomic", () => {
  it("a write that makes no progress says so", async () => {
    vi.spyOn(fsOps, "write").mockResolvedValue({ bytesWritten: 0 });
    const p = writeAll({} as FileHandle, bytes("x"));
    await expect(p).rejects.toMatchObject({ message: "no progress", code: "EIO" });
  });

  it("keeps the owner only when run as root", async () => {
    const p = join(dir, "owned.img");
    writeFileSync(p, "old");
    chownSync(p, 1234, 1234);
    await writeFileAtomic(p, bytes("new"));
    expect([statSync(p).uid, statSync(p).gid]).toEqual([1234, 1234]);
    // As another user, chown would fail: the new file is simply that user's.
    vi.spyOn(process, "getuid").mockReturnValue(1000);
    await writeFileAtomic(p, bytes("newer"));
    expect(statSync(p).uid).toBe(process.geteuid?.());
  });

  it("a link loop is its own error, not a missing file", async () => {
    symlinkSync(join(dir, "b"), join(dir, "a"));
    symlinkSync(join(dir, "a"), join(dir, "b"));
    const e = await failure(writeFileAtomic(join(dir, "a"), bytes("x")));
    expect([e.code, e.errno]).toEqual(["IO", "ELOOP"]);
    expect(e.message).not.toMatch(/missing file/);
  });

  it("a dangling link and a folder are refused with code IO", async () => {
    symlinkSync(join(dir, "nothing"), join(dir, "dangling.img"));
    const d = await failure(writeFileAtomic(join(dir, "dangling.img"), bytes("x")));
    expect([d.code, d.message]).toEqual([
      "IO",
      `${join(dir, "dangling.img")}: is a symbolic link to a missing file; not creating a file through it`,
    ]);
    mkdirSync(join(dir, "sub"));
    const f = await failure(writeFileAtomic(join(dir, "sub"), bytes("x")));
    expect([f.code, f.errno, f.message]).toEqual(["IO", "EISDIR", `${join(dir, "sub")}: is a folder (EISDIR)`]);
  });

  it("a failed rename leaves the file as it was and no temporary file", async () => {
    const p = join(dir, "f.img");
    writeFileSync(p, "old");
    vi.spyOn(fsOps, "rename").mockRejectedValue(errno("EIO"));
    const e = await failure(writeFileAtomic(p, bytes("new")));
    expect([e.errno, e.message]).toEqual(["EIO", `${p}: cannot write: input/output error (EIO)`]);
    expect(readdirSync(dir)).toEqual(["f.img"]);
    expect(readFileSync(p, "utf8")).toBe("old");
  });

  it("closes what it writes into, and every temporary file", async () => {
    const seen = handles();
    // The test's own null device, never the machine's /dev/null.
    const dev = join(dir, "null");
    execFileSync("mknod", [dev, "c", "1", "3"]);
    await writeFileAtomic(dev, bytes("x"));
    expect(statSync(dev).isCharacterDevice()).toBe(true);
    await writeFileAtomic(join(dir, "n.img"), bytes("x"));
    expect(seen.size).toBeGreaterThanOrEqual(3);
    for (const s of seen.values()) expect(s.closed, s.path).toBe(true);
  });
});

describe("journals with fields of the wrong JSON type", () => {
  const tmp = (final: string) => `${TEMP_PREFIX}0123456789ab-${final}`;
  const refusedFor = async (doc: unknown) => {
    writeFileSync(join(dir, JOURNAL), JSON.stringify(doc));
    return failure(readJournal(dir));
  };

  it("a final name or a temporary name given as a list is refused", async () => {
    const a = await refusedFor([[tmp("x.img"), ["x.img"]]]);
    expect([a.code, a.message]).toEqual([
      "JOURNAL",
      expect.stringMatching(/: it names \["x\.img"\], which is not a file of this folder; /),
    ]);
    const b = await refusedFor([[[tmp("x.img")], "x.img"]]);
    expect([b.code, b.message]).toEqual([
      "JOURNAL",
      expect.stringMatching(/: it names \[".criu-image-tmp-0123456789ab-x\.img"\] as the new x\.img; /),
    ]);
  });

  it("a folder that is not a folder cannot be read for a journal", async () => {
    const file = join(dir, "plain");
    writeFileSync(file, "");
    const e = await failure(readJournal(file));
    expect([e.code, e.errno, e.message]).toEqual([
      "IO",
      "ENOTDIR",
      `${join(file, JOURNAL)}: cannot read the journal: not a folder (ENOTDIR)`,
    ]);
  });
});

describe("recovery", () => {
  it("removes stray temporary files, leaves a folder of that name, and syncs the folder after", async () => {
    const stray = `${TEMP_PREFIX}0123456789ab-a.img`;
    const folder = `${TEMP_PREFIX}0123456789ab-b.img`;
    writeFileSync(join(dir, stray), "x");
    mkdirSync(join(dir, folder));
    const steps: string[] = [];
    const sync = fsOps.sync;
    const unlink = fsOps.unlink;
    vi.spyOn(fsOps, "unlink").mockImplementation(async (p) => {
      steps.push(`unlink ${p}`);
      return unlink(p);
    });
    vi.spyOn(fsOps, "sync").mockImplementation(async (h) => {
      if ((await h.stat()).isDirectory()) steps.push("sync folder");
      return sync(h);
    });
    expect(await recoverLocked(dir)).toEqual([`removed the uncommitted ${stray}`]);
    expect(steps).toEqual([`unlink ${join(dir, stray)}`, "sync folder"]);
    expect(readdirSync(dir)).toEqual([folder]);
  });
});

describe("replaceFilesLocked", () => {
  it("an image that is a link or not a file is refused with code IO", async () => {
    writeFileSync(join(dir, "real.img"), "x");
    symlinkSync(join(dir, "real.img"), join(dir, "a.img"));
    const link = await failure(replaceFilesLocked(dir, new Map([["a.img", bytes("n")]])));
    expect([link.code, link.message]).toEqual([
      "IO",
      `${join(dir, "a.img")}: is a symbolic link; rewrite into a new folder (--out) instead of in place`,
    ]);
    mkdirSync(join(dir, "b.img"));
    const folder = await failure(replaceFilesLocked(dir, new Map([["b.img", bytes("n")]])));
    expect([folder.code, folder.message]).toEqual(["IO", `${join(dir, "b.img")}: is not a regular file`]);
  });

  it("a failed write is named as such, and leaves nothing", async () => {
    vi.spyOn(fsOps, "write").mockResolvedValue({ bytesWritten: 0 });
    const e = await failure(replaceFilesLocked(dir, new Map([["a.img", bytes("n")]])));
    expect(e.message).toBe(`${dir}: cannot write the new images: input/output error (EIO)`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it("the journal is written readable by its owner only", async () => {
    const seen = handles();
    await replaceFilesLocked(
      dir,
      new Map([
        ["a.img", bytes("1")],
        ["b.img", bytes("2")],
      ]),
    );
    const journals = [...seen.values()].filter((s) => s.path.endsWith(`-${JOURNAL}`));
    expect(journals.map((s) => s.mode)).toEqual([0o600]);
    expect(existsSync(join(dir, JOURNAL))).toBe(false);
  });
});
