/**
 * The journal, the lock and the atomic writer, in this process (so that
 * mutation testing sees them): every refusal of a journal this tool did not
 * write, recovery's exact steps, what a lock file may hold, and the targets
 * the writer replaces, writes into or refuses.
 */
import { execFileSync, spawnSync } from "node:child_process";
import {
  chmodSync,
  existsSync,
  lchownSync,
  linkSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { TEMP_PREFIX, tempName, writeFileAtomic } from "../../src/node/atomic.js";
import { FileError } from "../../src/node/errors.js";
import { fsOps } from "../../src/node/fs-ops.js";
import { isBookkeeping, JOURNAL, readJournal, recoverLocked, replaceFilesLocked } from "../../src/node/journal.js";
import { LOCK, withCheckpointLock } from "../../src/node/lock.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { tempDirPerTest } from "../helpers/temp-dir.js";

let dir: string;
tempDirPerTest("criu-image-journal-", (d) => {
  dir = d;
});

const journal = (doc: unknown) =>
  writeFileSync(join(dir, JOURNAL), typeof doc === "string" ? doc : JSON.stringify(doc));
const tmp = (final: string) => `${TEMP_PREFIX}0123456789ab-${final}`;

async function refusal(why: RegExp): Promise<void> {
  const e = await readJournal(dir).then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(FileError);
  expect((e as FileError).code).toBe("JOURNAL");
  expect((e as FileError).image).toBe(join(dir, JOURNAL));
  expect((e as FileError).message).toMatch(why);
  expect((e as FileError).message).toMatch(/this is not a journal criu-image wrote/);
}

describe("readJournal", () => {
  it("none: undefined; a good one: its pairs", async () => {
    expect(await readJournal(dir)).toBeUndefined();
    journal([
      [tmp("files.img"), "files.img"],
      [tmp("fdinfo-2.img"), "fdinfo-2.img"],
    ]);
    expect(await readJournal(dir)).toEqual([
      [tmp("files.img"), "files.img"],
      [tmp("fdinfo-2.img"), "fdinfo-2.img"],
    ]);
  });

  it("accepts a 255-byte file name, refuses 256", async () => {
    const long = "a".repeat(255);
    journal([[tmp(long), long]]);
    expect(await readJournal(dir)).toHaveLength(1);
    const longer = "a".repeat(256);
    journal([[tmp(longer), longer]]);
    await refusal(/which is not a file of this folder/);
  });

  it("refuses what is not a regular file of at most 1 MiB", async () => {
    symlinkSync("/etc/passwd", join(dir, JOURNAL));
    await refusal(/it is a symbolic link/);
    rmSync(join(dir, JOURNAL));
    mkdirSync(join(dir, JOURNAL));
    await refusal(/it is not a regular file/);
    rmSync(join(dir, JOURNAL), { recursive: true });
    journal(`[${" ".repeat(1 << 20)}]`);
    await refusal(new RegExp(`it has ${(1 << 20) + 2} bytes`));
    journal(`[${" ".repeat((1 << 20) - 2)}]`);
    expect(await readJournal(dir)).toEqual([]);
  });

  it("refuses what is not a list of (temporary, final) pairs", async () => {
    journal("{not json");
    await refusal(/it is not JSON/);
    journal({ a: 1 });
    await refusal(/it is not a list of \(temporary, final\) pairs/);
    journal(["x"]);
    await refusal(/"x" is not a \(temporary, final\) pair/);
    journal([[tmp("a.img"), "a.img", "b"]]);
    await refusal(/is not a \(temporary, final\) pair/);
    journal([[tmp("a.img")]]);
    await refusal(/is not a \(temporary, final\) pair/);
  });

  it("refuses final names outside the folder or of our own files", async () => {
    for (const bad of ["", ".", "..", "../victim", "a/b", "a\\b", "a\0b", JOURNAL, LOCK, tmp("x"), 7]) {
      journal([[tmp(String(bad)), bad]]);
      await refusal(/which is not a file of this folder/);
    }
  });

  it("refuses a temporary name that is not ours for that final name, and a final named twice", async () => {
    for (const bad of ["files.img", `${TEMP_PREFIX}xyz-files.img`, tmp("fdinfo-2.img"), 3, `x${tmp("files.img")}`]) {
      journal([[bad, "files.img"]]);
      await refusal(/as the new files\.img/);
    }
    journal([
      [tmp("a.img"), "a.img"],
      [`${TEMP_PREFIX}ba9876543210-a.img`, "a.img"],
    ]);
    await refusal(/it names a\.img twice/);
  });
});

describe("bookkeeping names", () => {
  it("are the journal, the lock and our temporary files, nothing else", () => {
    for (const n of [JOURNAL, LOCK, tmp("files.img"), tempName("x")]) expect(isBookkeeping(n), n).toBe(true);
    for (const n of ["files.img", `files.img${TEMP_PREFIX}`, `${JOURNAL}x`, `x${LOCK}`])
      expect(isBookkeeping(n), n).toBe(false);
  });
});

describe("recoverLocked", () => {
  it("finishes a committed journal: renames, removes it, then removes uncommitted temporary files", async () => {
    writeFileSync(join(dir, "a.img"), "old a");
    writeFileSync(join(dir, "b.img"), "old b");
    writeFileSync(join(dir, tmp("a.img")), "new a");
    // b's rename happened before the crash: its temporary file is gone.
    journal([
      [tmp("a.img"), "a.img"],
      [tmp("b.img"), "b.img"],
    ]);
    const stray = `${TEMP_PREFIX}ffffffffffff-c.img`;
    writeFileSync(join(dir, stray), "uncommitted");
    mkdirSync(join(dir, `${TEMP_PREFIX}eeeeeeeeeeee-d.img`));
    const done = await recoverLocked(dir);
    expect(done).toEqual([
      "completed the new a.img",
      "removed the finished journal",
      `removed the uncommitted ${stray}`,
    ]);
    expect(readFileSync(join(dir, "a.img"), "utf8")).toBe("new a");
    expect(readFileSync(join(dir, "b.img"), "utf8")).toBe("old b");
    // A folder with our prefix is not ours to remove.
    expect(readdirSync(dir).sort()).toEqual([`${TEMP_PREFIX}eeeeeeeeeeee-d.img`, "a.img", "b.img"].sort());
    expect(await recoverLocked(dir)).toEqual([]);
  });
});

describe("the writer lock", () => {
  it("takes over the lock of a dead writer, and leaves none behind", async () => {
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    writeFileSync(join(dir, LOCK), `${dead}\n`);
    expect(await withCheckpointLock(dir, async () => readFileSync(join(dir, LOCK), "utf8"))).toMatch(
      new RegExp(`^${process.pid} [0-9a-f]{24}\n$`),
    );
    expect(existsSync(join(dir, LOCK))).toBe(false);
  });

  it("waits for a live writer and then names it; a lock that holds no pid is waited for too", async () => {
    for (const [text, who] of [
      [`${process.ppid}\n`, `pid ${process.ppid}`],
      ["not a pid\n", "pid ?"],
      ["0\n", "pid ?"],
      [`${process.ppid}x\n`, "pid ?"],
    ] as const) {
      writeFileSync(join(dir, LOCK), text);
      const t = Date.now();
      const e = await withCheckpointLock(dir, async () => 1, { waitMs: 120 }).catch((x: unknown) => x);
      expect(e, text).toBeInstanceOf(FileError);
      expect((e as FileError).code).toBe("LOCKED");
      expect((e as FileError).message).toBe(
        `${dir}: locked by ${who}: another criu-image is writing this checkpoint; try again when it has finished (if ${who} is not criu-image, remove ${LOCK})`,
      );
      expect(Date.now() - t).toBeGreaterThanOrEqual(100);
      expect(readFileSync(join(dir, LOCK), "utf8")).toBe(text);
    }
  });

  it("refuses a lock that is not a regular file", async () => {
    mkdirSync(join(dir, LOCK));
    const e = await withCheckpointLock(dir, async () => 1, { waitMs: 50 }).catch((x: unknown) => x);
    expect((e as FileError).code).toBe("LOCKED");
    expect((e as FileError).message).toMatch(/is not a lock file this tool wrote/);
  });

  it("is released when the work throws", async () => {
    await expect(
      withCheckpointLock(dir, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe("writeFileAtomic targets", () => {
  it("replaces a regular file keeping its mode; creates a new one; leaves no temporary file", async () => {
    const p = join(dir, "f.img");
    writeFileSync(p, "old", { mode: 0o640 });
    await writeFileAtomic(p, new Uint8Array([1, 2]));
    expect([...readFileSync(p)]).toEqual([1, 2]);
    expect(statSync(p).mode & 0o777).toBe(0o640);
    await writeFileAtomic(join(dir, "new.img"), new Uint8Array([3]));
    expect(readdirSync(dir).sort()).toEqual(["f.img", "new.img"]);
  });

  it("writes through a link to a regular file (the link stays), refuses a dangling link and a folder", async () => {
    const target = join(dir, "target.img");
    writeFileSync(target, "old", { mode: 0o600 });
    symlinkSync(target, join(dir, "link.img"));
    await writeFileAtomic(join(dir, "link.img"), new Uint8Array([9]));
    expect([...readFileSync(target)]).toEqual([9]);
    expect(statSync(target).mode & 0o777).toBe(0o600);
    symlinkSync(join(dir, "missing"), join(dir, "dangling.img"));
    const e1 = await writeFileAtomic(join(dir, "dangling.img"), new Uint8Array([1])).catch((x: unknown) => x);
    expect((e1 as FileError).message).toMatch(/dangling\.img: .*symbolic link to a missing file/);
    expect(existsSync(join(dir, "missing"))).toBe(false);
    mkdirSync(join(dir, "sub"));
    const e2 = await writeFileAtomic(join(dir, "sub"), new Uint8Array([1])).catch((x: unknown) => x);
    expect((e2 as FileError).errno).toBe("EISDIR");
    expect((e2 as FileError).message).toMatch(/sub: .*is a folder/);
  });

  it("refuses a link of another user, or a chain through one; the file it names is untouched", async () => {
    const target = join(dir, "target.img");
    writeFileSync(target, "root's", { mode: 0o600 });
    symlinkSync(target, join(dir, "theirs.img"));
    lchownSync(join(dir, "theirs.img"), 12345, 12345);
    const e = await writeFileAtomic(join(dir, "theirs.img"), new Uint8Array([1])).catch((x: unknown) => x);
    expect((e as FileError).message).toBe(
      `${join(dir, "theirs.img")}: is a symbolic link of another user (uid 12345); criu-image follows only your own links: write to the file's own path`,
    );
    // Our own link to their link: refused at their link.
    symlinkSync("theirs.img", join(dir, "mine.img"));
    const e2 = await writeFileAtomic(join(dir, "mine.img"), new Uint8Array([1])).catch((x: unknown) => x);
    expect((e2 as FileError).message).toMatch(
      /mine\.img: leads through .*theirs\.img, which is a symbolic link of another user/,
    );
    expect(readFileSync(target, "utf8")).toBe("root's");
    // The CLI's -o says the same and exits 1.
    const r = await runCli([
      "decode",
      "-i",
      join(corpusRoot, "images", "tcp4", "inventory.img"),
      "-o",
      join(dir, "theirs.img"),
    ]);
    expect(r.code).toBe(1);
    expect(readFileSync(target, "utf8")).toBe("root's");
  });

  it("writes into what is not a regular file (a hard-linked name stays the same inode)", async () => {
    const p = join(dir, "a.img");
    writeFileSync(p, "old");
    linkSync(p, join(dir, "b.img"));
    await writeFileAtomic(p, new Uint8Array([5]));
    // A regular file is replaced: the other link keeps the old bytes.
    expect(readFileSync(join(dir, "b.img"), "utf8")).toBe("old");
    // A character device is written into, never replaced: a null device of the test's own (a mutant that
    // replaces it must not replace the machine's /dev/null).
    const dev = join(dir, "null");
    execFileSync("mknod", [dev, "c", "1", "3"]);
    await writeFileAtomic(dev, new Uint8Array([1, 2, 3]));
    expect(statSync(dev).isCharacterDevice()).toBe(true);
  });
});

describe("replaceFilesLocked", () => {
  const bytes = (s: string) => new TextEncoder().encode(s);

  it("replaces several files, each keeping its mode, and leaves only them", async () => {
    writeFileSync(join(dir, "a.img"), "old a");
    writeFileSync(join(dir, "b.img"), "old b");
    chmodSync(join(dir, "a.img"), 0o666);
    chmodSync(join(dir, "b.img"), 0o600);
    await replaceFilesLocked(
      dir,
      new Map([
        ["a.img", bytes("new a")],
        ["b.img", bytes("new b")],
        ["c.img", bytes("new c")],
      ]),
    );
    expect(readdirSync(dir).sort()).toEqual(["a.img", "b.img", "c.img"]);
    expect(readFileSync(join(dir, "a.img"), "utf8")).toBe("new a");
    // 0666 is wider than the umask allows a new file: it was set, not created.
    expect(statSync(join(dir, "a.img")).mode & 0o777).toBe(0o666);
    expect(statSync(join(dir, "b.img")).mode & 0o777).toBe(0o600);
  });

  it("refuses names outside the folder, links and non-files, writing nothing", async () => {
    for (const bad of ["../x.img", JOURNAL, ""]) {
      const e = await replaceFilesLocked(dir, new Map([[bad, bytes("x")]])).catch((x: unknown) => x);
      expect((e as FileError).code).toBe("INVALID");
      expect((e as FileError).message).toBe(`${bad}: not a file name of the folder`);
    }
    writeFileSync(join(dir, "t.img"), "t");
    symlinkSync(join(dir, "t.img"), join(dir, "link.img"));
    mkdirSync(join(dir, "sub.img"));
    const e1 = await replaceFilesLocked(dir, new Map([["link.img", bytes("x")]])).catch((x: unknown) => x);
    expect((e1 as FileError).message).toMatch(
      /link\.img: is a symbolic link; rewrite into a new folder \(--out\) instead of in place$/,
    );
    const e2 = await replaceFilesLocked(
      dir,
      new Map([
        ["t.img", bytes("y")],
        ["sub.img", bytes("x")],
      ]),
    ).catch((x: unknown) => x);
    expect((e2 as FileError).message).toMatch(/sub\.img: is not a regular file$/);
    // The temporary file of t.img, written before the refusal, is gone.
    expect(readdirSync(dir).sort()).toEqual(["link.img", "sub.img", "t.img"]);
    expect(readFileSync(join(dir, "t.img"), "utf8")).toBe("t");
  });

  it("a failed commit removes every temporary file and names the folder", async () => {
    writeFileSync(join(dir, "a.img"), "old");
    const rename = fsOps.rename;
    vi.spyOn(fsOps, "rename").mockImplementation(async (from, to) => {
      if (to.endsWith(JOURNAL)) throw Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
      return rename(from, to);
    });
    const e = await replaceFilesLocked(
      dir,
      new Map([
        ["a.img", bytes("new")],
        ["b.img", bytes("new")],
      ]),
    ).catch((x: unknown) => x);
    expect((e as FileError).message).toMatch(new RegExp(`^${dir}: cannot commit the rewrite: .*\\(EIO\\)$`));
    expect(readdirSync(dir)).toEqual(["a.img"]);
    expect(readFileSync(join(dir, "a.img"), "utf8")).toBe("old");
  });

  it("a folder that refuses fsync with EINVAL is still written; any other error fails", async () => {
    const sync = fsOps.sync;
    let calls = 0;
    vi.spyOn(fsOps, "sync").mockImplementation(async (h) => {
      const st = await h.stat();
      if (st.isDirectory()) {
        calls++;
        throw Object.assign(new Error("EINVAL"), { code: "EINVAL" });
      }
      return sync(h);
    });
    await replaceFilesLocked(dir, new Map([["a.img", bytes("x")]]));
    expect(calls).toBeGreaterThan(0);
    expect(readFileSync(join(dir, "a.img"), "utf8")).toBe("x");
    vi.restoreAllMocks();
    vi.spyOn(fsOps, "sync").mockImplementation(async (h) => {
      if ((await h.stat()).isDirectory()) throw Object.assign(new Error("EIO: i/o error"), { code: "EIO" });
      return sync(h);
    });
    await expect(replaceFilesLocked(dir, new Map([["a.img", bytes("y")]]))).rejects.toMatchObject({ code: "EIO" });
  });

  it("a write that makes no progress fails with EIO instead of looping", async () => {
    vi.spyOn(fsOps, "write").mockResolvedValue({ bytesWritten: 0 });
    const e = await writeFileAtomic(join(dir, "z.img"), bytes("data")).catch((x: unknown) => x);
    expect((e as FileError).errno).toBe("EIO");
    expect((e as FileError).message).toMatch(/z\.img: cannot write: .*\(EIO\)$/);
    expect(readdirSync(dir)).toEqual([]);
  });
});
