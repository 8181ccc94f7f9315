/** `criu-image preflight` on this machine: exit status, text and --json. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

const simple = join(corpusRoot, "images", "simple");
const archive = join(corpusRoot, "archives", "podman-web.tar.gz");
const dir = mkdtempSync(join(tmpdir(), "criu-image-preflight-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(process.platform === "linux")("criu-image preflight", () => {
  it("exits 1 and names CRIU's error when a file the checkpoint opens is missing", async () => {
    // The corpus was dumped elsewhere: its work folder is not on this machine.
    const r = await runCli(["preflight", simple, "--rule", "files", "--root", dir]);
    expect(r.code).toBe(1);
    const text = r.stdout.toString();
    expect(text).toContain(`${simple} on this host (root ${dir}):`);
    expect(text).toMatch(/^BLOCKS {6}Open files, cwd and root \(4 checked\)$/m);
    expect(text).toContain(
      "CRIU would say: Can't open file srv/ckpt/work/simple/out.log on restore: No such file or directory",
    );
    expect(text).toMatch(/the restore would fail: \d+ blocking problem\(s\)\n$/);
  });

  it("exits 0 when what it checks is there, in a root that holds the files", async () => {
    mkdirSync(join(dir, "srv/ckpt/work/simple"), { recursive: true });
    // crit: the log was 42 bytes, mode 0644, at dump time.
    writeFileSync(join(dir, "srv/ckpt/work/simple/out.log"), "x".repeat(41));
    const r = await runCli(["preflight", simple, "--rule", "files", "--root", dir, "--json"]);
    const j = JSON.parse(r.stdout.toString());
    // /dev/null and / have other modes in a temporary folder than on the dumped machine's root.
    const log = j.rules[0].findings.filter((f: { subject: string }) => f.subject === "/srv/ckpt/work/simple/out.log");
    expect(log.map((f: { criuError: string }) => f.criuError)).toEqual([
      "File srv/ckpt/work/simple/out.log has bad size 41 (expect 42)",
    ]);
    writeFileSync(join(dir, "srv/ckpt/work/simple/out.log"), "x".repeat(42));
    chmodSync(join(dir, "srv/ckpt/work/simple/out.log"), 0o644);
    const fixed = JSON.parse(
      (await runCli(["preflight", simple, "--rule", "files", "--root", dir, "--json"])).stdout.toString(),
    );
    expect(fixed.rules[0].findings.map((f: { subject: string }) => f.subject)).not.toContain(
      "/srv/ckpt/work/simple/out.log",
    );
    expect(j).toMatchObject({ path: simple, root: dir, restoreOptions: [] });
    const none = await runCli(["preflight", simple, "--rule", "pids", "--rule", "kernel"]);
    expect(none.stdout.toString()).toMatch(/^nothing blocks the restore/m);
    expect(none.code).toBe(0);
  });

  it("reads archives, and lists the options a container's restore must be given", async () => {
    const r = await runCli(["preflight", archive, "--rule", "external", "--rule", "pids", "--json"]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout.toString());
    expect(j.root).toBeNull();
    expect(j.rules.map((x: { rule: string; verdict: string }) => [x.rule, x.verdict])).toEqual([
      ["pids", "not-applicable"],
      ["external", "ok"],
    ]);
    expect(j.restoreOptions).toContain("--inherit-fd fd[<fd>]:extRootNetNS");
    const text = (await runCli(["preflight", archive, "--rule", "files"])).stdout.toString();
    expect(text).toMatch(/^not checked Open files, cwd and root/m);
    expect(text).toContain("name the file system the restore will see (--root");
  });

  it("refuses an unknown rule with exit status 2", async () => {
    const r = await runCli(["preflight", simple, "--rule", "disks"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('no rule "disks"');
  });
});
