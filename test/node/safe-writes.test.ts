/**
 * Writes that can be trusted: what is not a regular file is written into,
 * never replaced; journals are input and are checked; only writers recover,
 * under a lock; output folders are our own; no byte is silently dropped.
 */
import { execFileSync, spawn } from "node:child_process";
import {
  chmodSync,
  chownSync,
  constants,
  cpSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { writeStdout } from "../../src/cli/io.js";
import { TEMP_PREFIX, writeFileAtomic } from "../../src/node/atomic.js";
import { fsOps } from "../../src/node/fs-ops.js";
import { openCheckpoint, rewriteCheckpointDir } from "../../src/node/index.js";
import { JOURNAL } from "../../src/node/journal.js";
import { LOCK, withCheckpointLock } from "../../src/node/lock.js";
import { platform } from "../../src/node/out-dir.js";
import { listConnections } from "../../src/tcp/index.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

let work: string;
let dir: string;
const files = join(corpusRoot, "images", "tcp4", "files.img");
const golden = readFileSync(join(corpusRoot, "crit", "tcp4", "files.img.json"), "utf8");

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "criu-image-safe-"));
  dir = join(work, "ckpt");
  cpSync(join(corpusRoot, "images", "tcp4"), dir, { recursive: true, verbatimSymlinks: true });
  for (const n of readdirSync(dir)) chmodSync(join(dir, n), 0o644);
  chmodSync(dir, 0o755);
});
afterEach(() => {
  vi.restoreAllMocks();
  rmSync(work, { recursive: true, force: true });
});

const ls = (d: string) => readdirSync(d).sort();
/** Every name with its bytes (links as their target), to compare a folder before and after. */
const snapshot = (d: string) =>
  new Map(
    ls(d).map((n) => {
      const p = join(d, n);
      const st = lstatSync(p);
      return [n, st.isSymbolicLink() ? `link:${readlinkSync(p)}` : `${st.mode}:${readFileSync(p).toString("hex")}`];
    }),
  );
const move = { kind: "address", from: "127.0.0.2", to: "10.0.0.2" } as const;

describe("-o onto what is not a regular file", () => {
  it("a character device is written into and stays a device (mknod, like /dev/null)", async () => {
    const dev = join(work, "null");
    execFileSync("mknod", [dev, "c", "1", "3"]);
    const r = await runCli(["decode", "-i", files, "-o", dev]);
    expect(r.code, r.stderr).toBe(0);
    expect(statSync(dev).isCharacterDevice()).toBe(true);
    expect(ls(work).some((n) => n.startsWith(TEMP_PREFIX))).toBe(false);
  });

  it("a full device fails with exit 1 and a message naming the user's path", async () => {
    const dev = join(work, "full");
    execFileSync("mknod", [dev, "c", "1", "7"]);
    const r = await runCli(["decode", "-i", files, "-o", dev]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`criu-image: ${dev}: cannot write: no space left on device (ENOSPC)\n`);
    expect(statSync(dev).isCharacterDevice()).toBe(true);
  });

  it("a FIFO is written into, as cat > would", async () => {
    const fifo = join(work, "fifo");
    execFileSync("mkfifo", [fifo]);
    const reader = spawn("cat", [fifo]);
    const chunks: Buffer[] = [];
    reader.stdout.on("data", (c) => chunks.push(c));
    const closed = new Promise((r) => reader.on("close", r));
    const r = await runCli(["decode", "-i", files, "-o", fifo]);
    await closed;
    expect(r.code, r.stderr).toBe(0);
    expect(Buffer.concat(chunks).toString()).toBe(golden);
    expect(lstatSync(fifo).isFIFO()).toBe(true);
  });

  it("a symbolic link to a regular file is written through: the link stays, the target is replaced with its mode", async () => {
    const target = join(work, "real.json");
    writeFileSync(target, "old");
    chmodSync(target, 0o640);
    chownSync(target, 1234, 4321);
    const link = join(work, "link.json");
    symlinkSync(target, link);
    const r = await runCli(["decode", "-i", files, "-o", link]);
    expect(r.code, r.stderr).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(target, "utf8")).toBe(golden);
    const st = statSync(target);
    expect(st.mode & 0o7777).toBe(0o640);
    expect([st.uid, st.gid]).toEqual([1234, 4321]);
  });

  it("a dangling symbolic link is refused, creating nothing", async () => {
    const link = join(work, "dangling.json");
    symlinkSync(join(work, "nowhere", "x.json"), link);
    const r = await runCli(["decode", "-i", files, "-o", link]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/dangling\.json: is a symbolic link to a missing file/);
    expect(existsSync(join(work, "nowhere"))).toBe(false);
  });

  it("a new file follows the umask; a replaced one keeps mode and owner", async () => {
    // In a child with umask 027 (test runners may run tests in workers, where umask cannot be set).
    const fresh = join(work, "fresh.json");
    const script = `import("./src/node/atomic.ts").then((m) => m.writeFileAtomic(process.argv[1], new Uint8Array([1])))`;
    execFileSync("sh", ["-c", `umask 027 && exec "$0" --import tsx -e '${script}' "$1"`, process.execPath, fresh], {
      cwd: join(__dirname, "..", ".."),
    });
    expect(statSync(fresh).mode & 0o777).toBe(0o640);
    const kept = join(work, "kept.json");
    writeFileSync(kept, "x");
    chmodSync(kept, 0o604);
    chownSync(kept, 77, 88);
    await writeFileAtomic(kept, new TextEncoder().encode("y"));
    const st = statSync(kept);
    expect([st.mode & 0o7777, st.uid, st.gid]).toEqual([0o604, 77, 88]);
  });
});

describe("every byte or an error", () => {
  it("short writes are continued until every byte is written", async () => {
    const real = fsOps.write;
    vi.spyOn(fsOps, "write").mockImplementation((h, d, off, len) => real(h, d, off, Math.min(len, 7)));
    const out = join(work, "out.json");
    const r = await runCli(["decode", "-i", files, "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(golden);
  });

  it("ENOSPC: exit 1 naming the user's path, the old file intact, no temporary file left", async () => {
    const out = join(work, "out.json");
    writeFileSync(out, "previous");
    const real = fsOps.write;
    let budget = Math.floor(golden.length / 2);
    vi.spyOn(fsOps, "write").mockImplementation(async (h, d, off, len) => {
      if (budget <= 0) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      const n = Math.min(len, budget);
      budget -= n;
      return real(h, d, off, n);
    });
    const r = await runCli(["decode", "-i", files, "-o", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`criu-image: ${out}: cannot write: no space left on device (ENOSPC)\n`);
    expect(readFileSync(out, "utf8")).toBe("previous");
    expect(ls(work).filter((n) => n !== "ckpt")).toEqual(["out.json"]);
  });

  describe("chunksKept: the next chunk is made while the previous one is written", () => {
    const chunk = (i: number) => new Uint8Array(1000 + i).fill(i);
    const expected = Buffer.concat(Array.from({ length: 20 }, (_, i) => chunk(i)));

    it("writes every byte in order, with writes short and slow", async () => {
      const real = fsOps.write;
      let inFlight = 0;
      let overlapped = false;
      vi.spyOn(fsOps, "write").mockImplementation(async (h, d, off, len) => {
        inFlight++;
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
        return real(h, d, off, Math.min(len, 333));
      });
      async function* source() {
        for (let i = 0; i < 20; i++) {
          if (inFlight > 0) overlapped = true;
          yield chunk(i);
        }
      }
      const out = join(work, "out.bin");
      await writeFileAtomic(out, source(), { chunksKept: true });
      expect(readFileSync(out).equals(expected)).toBe(true);
      expect(overlapped).toBe(true);
    });

    it("a source that fails: the old file intact, no temporary file, no write left running", async () => {
      const out = join(work, "out.bin");
      writeFileSync(out, "previous");
      const real = fsOps.write;
      let inFlight = 0;
      vi.spyOn(fsOps, "write").mockImplementation(async (h, d, off, len) => {
        inFlight++;
        await new Promise((r) => setTimeout(r, 5));
        inFlight--;
        return real(h, d, off, len);
      });
      async function* source() {
        yield chunk(0);
        yield chunk(1);
        throw new Error("source broke");
      }
      await expect(writeFileAtomic(out, source(), { chunksKept: true })).rejects.toThrow(/source broke/);
      expect(inFlight).toBe(0);
      expect(readFileSync(out, "utf8")).toBe("previous");
      expect(ls(work).filter((n) => n !== "ckpt")).toEqual(["out.bin"]);
    });

    it("a write that fails: the error is the write's, the old file intact", async () => {
      const out = join(work, "out.bin");
      writeFileSync(out, "previous");
      const real = fsOps.write;
      let calls = 0;
      vi.spyOn(fsOps, "write").mockImplementation(async (h, d, off, len) => {
        if (++calls === 3) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
        return real(h, d, off, len);
      });
      async function* source() {
        for (let i = 0; i < 20; i++) yield chunk(i);
      }
      await expect(writeFileAtomic(out, source(), { chunksKept: true })).rejects.toThrow(
        /out.bin: cannot write: no space/,
      );
      expect(readFileSync(out, "utf8")).toBe("previous");
      expect(ls(work).filter((n) => n !== "ckpt")).toEqual(["out.bin"]);
    });
  });

  it("a write that makes no progress fails instead of looping", async () => {
    vi.spyOn(fsOps, "write").mockResolvedValue({ bytesWritten: 0 });
    await expect(writeFileAtomic(join(work, "x"), new Uint8Array(10))).rejects.toThrow(/x: cannot write/);
    expect(existsSync(join(work, "x"))).toBe(false);
  });
});

describe("durable and not", () => {
  it("fsyncs the file and its folder by default; durable: false (decode's JSON) leaves both out and is still atomic", async () => {
    const target = join(work, "out.json");
    writeFileSync(target, "old");
    const sync = vi.spyOn(fsOps, "sync");
    await writeFileAtomic(target, new TextEncoder().encode("new"));
    expect(sync).toHaveBeenCalledTimes(2);
    sync.mockClear();
    await writeFileAtomic(target, new TextEncoder().encode("newer"), { durable: false });
    expect(sync).not.toHaveBeenCalled();
    expect(readFileSync(target, "utf8")).toBe("newer");
    // A failure while writing still leaves the old file and no temporary file.
    vi.spyOn(fsOps, "write").mockRejectedValue(Object.assign(new Error("no space"), { code: "ENOSPC" }));
    await expect(writeFileAtomic(target, new TextEncoder().encode("lost"), { durable: false })).rejects.toThrow(
      /out\.json: cannot write: no space left on device/,
    );
    expect(readFileSync(target, "utf8")).toBe("newer");
    expect(ls(work).filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
  });

  it("decode -o writes its JSON without an fsync, encode -o its image with one", async () => {
    const out = join(work, "files.json");
    const sync = vi.spyOn(fsOps, "sync");
    expect((await runCli(["decode", "-i", files, "-o", out])).code).toBe(0);
    expect(readFileSync(out, "utf8")).toBe(golden);
    expect(sync).not.toHaveBeenCalled();
    expect((await runCli(["encode", "-i", out, "-o", join(work, "files.img")])).code).toBe(0);
    expect(sync).toHaveBeenCalled();
    expect(readFileSync(join(work, "files.img")).equals(readFileSync(files))).toBe(true);
  });
});

describe("journals are input", () => {
  it("a planted journal naming ../victim is never followed: readers ignore it with a note, writers refuse it", async () => {
    const victim = join(work, "victim");
    writeFileSync(victim, "precious");
    writeFileSync(join(dir, JOURNAL), JSON.stringify([["evil", "../victim"]]));
    writeFileSync(join(dir, "evil"), "X");
    const list = await runCli(["tcp", "list", dir]);
    expect(list.code).toBe(0);
    expect(list.stderr).toMatch(/\.criu-image-journal: .*not a journal criu-image wrote.*it was ignored/);
    const rw = await runCli(["tcp", "rewrite", dir, "--addr", "127.0.0.2=10.0.0.2"]);
    expect(rw.code).toBe(1);
    expect(rw.stderr).toMatch(
      /\.criu-image-journal: it names "\.\.\/victim", which is not a file of this folder; .*Remove /,
    );
    expect(readFileSync(victim, "utf8")).toBe("precious");
    expect(readFileSync(join(dir, "evil"), "utf8")).toBe("X");
  });

  it("a symlinked or malformed journal gets a message naming the file", async () => {
    symlinkSync("/etc/passwd", join(dir, JOURNAL));
    const a = await runCli(["recover", dir]);
    expect(a.code).toBe(1);
    expect(a.stderr).toContain(`${join(dir, JOURNAL)}: it is a symbolic link`);
    rmSync(join(dir, JOURNAL));
    writeFileSync(join(dir, JOURNAL), "{not json");
    const b = await runCli(["recover", dir]);
    expect(b.stderr).toContain(`${join(dir, JOURNAL)}: it is not JSON`);
    writeFileSync(join(dir, JOURNAL), JSON.stringify({ pairs: 1 }));
    const c = await runCli(["recover", dir]);
    expect(c.stderr).toContain("is not a list of (temporary, final) pairs");
  });

  it("a pending journal: readers read its committed state and change nothing; verify fails; recover finishes it", async () => {
    const moved = (await rewriteCheckpointDir(dir, [move], { dryRun: true })).report;
    expect(moved.changedImages).toEqual(["files.img"]);
    // A committed rewrite, interrupted before its renames.
    const next = join(work, "next");
    await rewriteCheckpointDir(dir, [move], { outDir: next });
    const tmp = `${TEMP_PREFIX}0123456789ab-files.img`;
    writeFileSync(join(dir, tmp), readFileSync(join(next, "files.img")));
    writeFileSync(join(dir, JOURNAL), JSON.stringify([[tmp, "files.img"]]));
    const before = snapshot(dir);
    const list = await runCli(["tcp", "list", dir, "--json"]);
    expect(JSON.parse(list.stdout.toString()).find((s: { id: number }) => s.id === 10).local.address).toBe("10.0.0.2");
    expect(list.stderr).toMatch(/an interrupted rewrite is pending; .*criu-image recover/);
    for (const args of [
      ["verify", dir],
      ["info", dir],
      ["x", dir, "ps"],
      ["tcp", "rewrite", dir, "--addr", "127.0.0.1=10.0.0.1", "--dry-run"],
    ]) {
      await runCli(args);
    }
    expect(snapshot(dir)).toEqual(before);
    const v = await runCli(["verify", dir]);
    expect(v.code).toBe(1);
    expect(v.stdout.toString()).toMatch(/\[pending-write\] an interrupted rewrite is pending/);
    const rec = await runCli(["recover", dir]);
    expect(rec.code).toBe(0);
    expect(rec.stdout.toString()).toContain("completed the new files.img");
    expect(readFileSync(join(dir, "files.img"))).toEqual(readFileSync(join(next, "files.img")));
    expect(ls(dir).some((n) => n === JOURNAL || n.startsWith(TEMP_PREFIX) || n === LOCK)).toBe(false);
    expect((await runCli(["verify", dir])).code).toBe(0);
  });

  it("readers never delete leftover temporary files", async () => {
    const tmp = `${TEMP_PREFIX}0123456789ab-files.img`;
    writeFileSync(join(dir, tmp), "left by a killed writer");
    const before = snapshot(dir);
    await runCli(["tcp", "list", dir]);
    await runCli(["verify", dir]);
    await runCli(["tcp", "rewrite", dir, "--addr", "127.0.0.2=10.0.0.2", "--out", join(work, "o")]);
    expect(snapshot(dir)).toEqual(before);
  });
});

describe("one writer at a time", () => {
  it("two rewrites of one folder at once both apply (no lost update), and leave no bookkeeping", async () => {
    const a = rewriteCheckpointDir(dir, [move]);
    const b = rewriteCheckpointDir(dir, [
      { kind: "endpoint", from: { address: "127.0.0.1", port: 45001 }, to: { address: "127.0.0.9", port: 45001 } },
    ]);
    await Promise.all([a, b]);
    const s = listConnections(await openCheckpoint(dir));
    expect(s.find((x) => x.id === 10)?.local.address).toBe("10.0.0.2");
    expect(s.find((x) => x.id === 10)?.remote.address).toBe("127.0.0.9");
    expect(ls(dir).some((n) => n === JOURNAL || n.startsWith(TEMP_PREFIX) || n === LOCK)).toBe(false);
  });

  it("a lock held by a live process: the writer waits, then says who holds it; a dead holder's lock is taken over", async () => {
    const holder = spawn("sleep", ["30"]);
    try {
      writeFileSync(join(dir, LOCK), `${holder.pid}\n`);
      await expect(rewriteCheckpointDir(dir, [move], { waitMs: 200 })).rejects.toThrow(
        new RegExp(`locked by pid ${holder.pid}: another criu-image is writing this checkpoint`),
      );
    } finally {
      holder.kill();
    }
    await new Promise((r) => holder.on("exit", r));
    // Its pid is gone now: the lock is stale.
    await rewriteCheckpointDir(dir, [move], { waitMs: 200 });
    expect(existsSync(join(dir, LOCK))).toBe(false);
  });

  it("the lock is released when the work fails", async () => {
    await expect(withCheckpointLock(dir, async () => Promise.reject(new Error("boom")))).rejects.toThrow("boom");
    expect(existsSync(join(dir, LOCK))).toBe(false);
  });
});

describe("output folders are made by this run", () => {
  it("an existing --out folder is refused and left as it was", async () => {
    const out = join(work, "out");
    mkdirSync(out);
    const r = await runCli(["tcp", "rewrite", dir, "--addr", "127.0.0.2=10.0.0.2", "--out", out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/out: already exists/);
    expect(existsSync(out)).toBe(true);
  });

  it("a link planted between creating the folder and writing a file is never followed", async () => {
    const secret = join(work, "secret");
    writeFileSync(secret, "root only");
    const out = join(work, "out");
    const real = fsOps.mkdir;
    vi.spyOn(fsOps, "mkdir").mockImplementation(async (p, mode) => {
      await real(p, mode);
      // The attacker's move, right after the folder appears.
      symlinkSync(secret, join(p, "files.img"));
    });
    await expect(rewriteCheckpointDir(dir, [move], { outDir: out })).rejects.toThrow(
      /files\.img: cannot write: already exists/,
    );
    expect(readFileSync(secret, "utf8")).toBe("root only");
    expect(existsSync(out)).toBe(false);
  });

  it("a folder swapped for a link right after it is made is refused; nothing lands in the link's target", async () => {
    const victim = join(work, "victim");
    mkdirSync(victim, { mode: 0o700 });
    const out = join(work, "out");
    const real = fsOps.mkdir;
    vi.spyOn(fsOps, "mkdir").mockImplementation(async (p, mode) => {
      await real(p, mode);
      // The attacker renames the new folder away and links the name to a folder of the victim's.
      renameSync(p, `${p}.away`);
      symlinkSync(victim, p);
    });
    await expect(rewriteCheckpointDir(dir, [move], { outDir: out })).rejects.toThrow(
      /out: was replaced right after it was created/,
    );
    expect(readdirSync(victim)).toEqual([]);
    expect(statSync(victim).mode & 0o777).toBe(0o700);
  });

  /**
   * Rewrites into out/ while, right after the first file is made, the folder
   * is moved away and its name linked to a private folder of a victim's.
   */
  async function swappedWhileWritten(): Promise<{ out: string; victim: string; swapped: boolean }> {
    const victim = join(work, "victim");
    mkdirSync(victim, { mode: 0o700 });
    const out = join(work, "out");
    const realOpen = fsOps.open;
    let swapped = false;
    vi.spyOn(fsOps, "open").mockImplementation(async (p, flags, mode) => {
      const h = await realOpen(p, flags, mode);
      if (!swapped && p.endsWith(".img") && flags & constants.O_CREAT) {
        swapped = true;
        renameSync(out, `${out}.away`);
        symlinkSync(victim, out);
      }
      return h;
    });
    await expect(rewriteCheckpointDir(dir, [move], { outDir: out })).rejects.toThrow(
      /out: was replaced while the checkpoint was written into it/,
    );
    // Nothing landed in the victim's folder, and its mode is as it was.
    expect(readdirSync(victim)).toEqual([]);
    expect(statSync(victim).mode & 0o777).toBe(0o700);
    return { out, victim, swapped };
  }

  it("a folder swapped for a link while it is written: every file goes into the folder made, none through the link", async () => {
    const { out, swapped } = await swappedWhileWritten();
    expect(swapped).toBe(true);
    // What was written went into the folder made, and was removed with the failure; the folder stays empty.
    expect(readdirSync(`${out}.away`)).toEqual([]);
  });

  it("without /proc, a folder swapped for a link is found at the next file", async () => {
    platform.byHandle = false;
    try {
      expect((await swappedWhileWritten()).swapped).toBe(true);
    } finally {
      platform.byHandle = true;
    }
  });

  it("the finished folder gets 0777 less the umask; files are fsynced before it is", async () => {
    const calls: string[] = [];
    const realSync = fsOps.sync;
    vi.spyOn(fsOps, "sync").mockImplementation(async (h) => {
      calls.push("sync");
      return realSync(h);
    });
    const realChmod = fsOps.fchmod;
    vi.spyOn(fsOps, "fchmod").mockImplementation(async (h, m) => {
      calls.push("chmod");
      return realChmod(h, m);
    });
    const out = join(work, "out");
    await rewriteCheckpointDir(dir, [move], { outDir: out });
    expect(statSync(out).mode & 0o777).toBe(0o777 & ~process.umask());
    expect(calls.at(-1)).toBe("chmod");
    expect(calls.filter((c) => c === "sync").length).toBeGreaterThanOrEqual(ls(dir).length);
  });
});

/** Records the order of fsyncs, renames and the journal's removal. */
function recordFsCalls(): string[] {
  const log: string[] = [];
  const real = { ...fsOps };
  vi.spyOn(fsOps, "sync").mockImplementation(async (h) => {
    log.push("fsync");
    return real.sync(h);
  });
  vi.spyOn(fsOps, "rename").mockImplementation(async (a, b) => {
    log.push(`rename ${b.split("/").pop()}`);
    return real.rename(a, b);
  });
  vi.spyOn(fsOps, "unlink").mockImplementation(async (p) => {
    if (p.endsWith(JOURNAL)) log.push("unlink journal");
    return real.unlink(p);
  });
  return log;
}

describe("durability order", () => {
  it("single image: temp data fsynced, then rename, then the folder fsynced", async () => {
    const log = recordFsCalls();
    await rewriteCheckpointDir(dir, [move]);
    // The lock's own file is not synced; the data is, before its rename.
    expect(log).toEqual(["fsync", "rename files.img", "fsync"]);
  });

  it("several images: each temp fsynced, the journal committed by rename before any image rename", async () => {
    const log = recordFsCalls();
    const { replaceFilesLocked } = await import("../../src/node/journal.js");
    await replaceFilesLocked(
      dir,
      new Map([
        ["files.img", new Uint8Array([1])],
        ["inventory.img", new Uint8Array([2])],
      ]),
    );
    expect(log).toEqual([
      "fsync", // files.img temp
      "fsync", // inventory.img temp
      "fsync", // journal temp
      `rename ${JOURNAL}`, // the commit point
      "fsync", // the folder
      "rename files.img",
      "rename inventory.img",
      "fsync",
      "unlink journal",
      "fsync",
    ]);
  });
});

describe("stdout", () => {
  it("waiting for drain adds no listener that outlives the wait", async () => {
    const spy = vi.spyOn(process.stdout, "write").mockImplementation((() => {
      setImmediate(() => process.stdout.emit("drain"));
      return false;
    }) as never);
    const before = process.stdout.listenerCount("error");
    for (let i = 0; i < 50; i++) await writeStdout("x");
    expect(process.stdout.listenerCount("error")).toBe(before);
    expect(process.stdout.listenerCount("drain")).toBe(0);
    spy.mockRestore();
  });
});
