import {
  cpSync,
  existsSync,
  lstatSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TEMP_PREFIX } from "../../src/node/atomic.js";
import { recoverCheckpointDir, rewriteCheckpointDir } from "../../src/node/index.js";
import { JOURNAL, replaceFilesLocked } from "../../src/node/journal.js";
import { listConnections } from "../../src/tcp/index.js";
import { corpusCheckpoint } from "../helpers/checkpoints.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

let work: string;
let dir: string;
// Links are taken as what they point to, not read (a dangling one stands for unreadable pages).
const snapshot = (d: string) =>
  new Map(
    readdirSync(d).map((n) => [
      n,
      lstatSync(join(d, n)).isSymbolicLink() ? Buffer.from(readlinkSync(join(d, n))) : readFileSync(join(d, n)),
    ]),
  );

beforeEach(() => {
  work = mkdtempSync(join(tmpdir(), "criu-image-tcp-"));
  dir = join(work, "ckpt");
  cpSync(join(corpusRoot, "images", "tcp4"), dir, { recursive: true, verbatimSymlinks: true });
});
afterEach(() => rmSync(work, { recursive: true, force: true }));

describe("rewriteCheckpointDir", () => {
  it("in place: replaces files.img only, leaves no temporary file, never reads pages", async () => {
    // A dangling link: reading any pages image would fail the rewrite.
    unlinkSync(join(dir, "pages-1.img"));
    symlinkSync("/nonexistent/pages", join(dir, "pages-1.img"));
    const before = snapshot(dir);
    const { report, written } = await rewriteCheckpointDir(dir, [
      { kind: "address", from: "127.0.0.2", to: "10.0.0.2" },
    ]);
    expect(written).toEqual([join(dir, "files.img")]);
    expect(report.changes).toHaveLength(2);
    const after = snapshot(dir);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    for (const [name, bytes] of before) {
      expect(Buffer.compare(bytes, after.get(name) as Buffer) === 0, name).toBe(name !== "files.img");
    }
  });

  it("dry run writes nothing; --out writes a full copy and leaves the original", async () => {
    const before = snapshot(dir);
    await rewriteCheckpointDir(dir, [{ kind: "address", from: "127.0.0.2", to: "10.0.0.2" }], { dryRun: true });
    expect(snapshot(dir)).toEqual(before);
    const out = join(work, "out");
    await rewriteCheckpointDir(dir, [{ kind: "address", from: "127.0.0.2", to: "10.0.0.2" }], { outDir: out });
    expect(snapshot(dir)).toEqual(before);
    const copy = snapshot(out);
    expect([...copy.keys()].sort()).toEqual([...before.keys()].sort());
    const cp = new Map([...copy].filter(([n]) => !n.startsWith("pages-")).map(([n, b]) => [n, new Uint8Array(b)]));
    expect(listConnections(cp).find((s) => s.id === 10)?.local.address).toBe("10.0.0.2");
  });

  it("a refused rewrite leaves the directory byte for byte", async () => {
    const before = snapshot(dir);
    await expect(rewriteCheckpointDir(dir, [{ kind: "address", from: "127.0.0.1", to: "::9" }])).rejects.toThrow(
      /AF_INET/,
    );
    expect(snapshot(dir)).toEqual(before);
  });

  it("several images at once: a committed journal is finished by the next run, an uncommitted one undone", async () => {
    const a = new TextEncoder().encode("new files");
    const b = new TextEncoder().encode("new inventory");
    await replaceFilesLocked(
      dir,
      new Map([
        ["files.img", a],
        ["inventory.img", b],
      ]),
    );
    expect(readFileSync(join(dir, "files.img"), "utf8")).toBe("new files");
    expect(readdirSync(dir).some((n) => n.startsWith(TEMP_PREFIX) || n === JOURNAL)).toBe(false);
    // Crash after the commit point: journal and one temporary file left.
    writeFileSync(join(dir, `${TEMP_PREFIX}0123456789ab-files.img`), "newer files");
    writeFileSync(
      join(dir, JOURNAL),
      JSON.stringify([
        [`${TEMP_PREFIX}0123456789ab-files.img`, "files.img"],
        [`${TEMP_PREFIX}0123456789ac-inventory.img`, "inventory.img"],
      ]),
    );
    await recoverCheckpointDir(dir);
    expect(readFileSync(join(dir, "files.img"), "utf8")).toBe("newer files");
    expect(existsSync(join(dir, JOURNAL))).toBe(false);
    // Crash before it: temporary files only, which are removed.
    writeFileSync(join(dir, `${TEMP_PREFIX}0123456789ad-files.img`), "never committed");
    await recoverCheckpointDir(dir);
    expect(readFileSync(join(dir, "files.img"), "utf8")).toBe("newer files");
    expect(readdirSync(dir).some((n) => n.startsWith(TEMP_PREFIX))).toBe(false);
  });
});

describe("tcp CLI", () => {
  it("tcp list prints an ss-like table, and --json the records", async () => {
    const t = await runCli(["tcp", "list", dir]);
    expect(t.code).toBe(0);
    const lines = t.stdout.toString().trim().split("\n");
    expect(lines[0]).toMatch(/^Netid\s+State\s+Recv-Q\s+Send-Q\s+Local Address:Port\s+Peer Address:Port/);
    expect(lines.some((l) => /tcp\s+ESTAB\s+\d+\s+\d+\s+127\.0\.0\.2:45002\s+127\.0\.0\.1:45001/.test(l))).toBe(true);
    const j = await runCli(["tcp", "list", dir, "--json"]);
    const recs = JSON.parse(j.stdout.toString());
    expect(recs).toEqual(JSON.parse(JSON.stringify(listConnections(corpusCheckpoint("tcp4")))));
    for (const k of ["id", "ino", "family", "state", "local", "remote", "owners", "stream"])
      expect(recs[0]).toHaveProperty(k);
  });

  it("tcp rewrite: --endpoint with IPv6 brackets, --dry-run, --out, refusal with exit 1", async () => {
    const v6 = join(work, "v6");
    cpSync(join(corpusRoot, "images", "tcp6"), v6, { recursive: true, verbatimSymlinks: true });
    const dry = await runCli(["tcp", "rewrite", v6, "--endpoint", "[::1]:45012=[fd00::2]:45112", "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout.toString()).toContain("[::1]:45012 -> [fd00::2]:45112");
    expect(dry.stdout.toString()).toContain("dry run, would rewrite: files.img");
    const out = join(work, "v6-out");
    expect((await runCli(["tcp", "rewrite", v6, "--endpoint", "[::1]:45012=[fd00::2]:45112", "--out", out])).code).toBe(
      0,
    );
    expect(existsSync(join(out, "pages-1.img"))).toBe(true);
    const bad = await runCli(["tcp", "rewrite", dir, "--addr", "127.0.0.1=2001:db8::1"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^criu-image: refused, nothing was changed:\n {2}--addr 127\.0\.0\.1=2001:db8::1 would put the IPv6 address 2001:db8::1 into AF_INET sockets/,
    );
    const usage = await runCli(["tcp", "rewrite", dir]);
    expect(usage.code).toBe(2);
    const unmatched = await runCli([
      "tcp",
      "rewrite",
      dir,
      "--addr",
      "192.0.2.1=10.0.0.1",
      "--allow-unmatched",
      "--json",
    ]);
    expect(JSON.parse(unmatched.stdout.toString()).unmatchedRules).toEqual(["--addr 192.0.2.1=10.0.0.1"]);
  });
});
