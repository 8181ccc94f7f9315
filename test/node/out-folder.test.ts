/**
 * --out from a folder copies only the folder's regular files, never through
 * a planted link, and keeps the source's modes (its folder's too).
 */
import { chmodSync, cpSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { tempDirPerTest } from "../helpers/temp-dir.js";

describe("--out from a folder", () => {
  let dir = "";
  tempDirPerTest("criu-image-outdir-", (d) => {
    dir = d;
  });

  it("leaves a planted link out, says so, and keeps 0700/0600", async () => {
    const src = join(dir, "src");
    cpSync(join(corpusRoot, "images", "tcp4"), src, { recursive: true, verbatimSymlinks: true });
    const secret = join(dir, "secret");
    writeFileSync(secret, "s3cr3t");
    symlinkSync(secret, join(src, "zz-notes"));
    chmodSync(join(src, "files.img"), 0o600);
    chmodSync(join(src, "pstree.img"), 0o600);
    chmodSync(src, 0o700);
    const out = join(dir, "out");
    const r = await runCli(["tcp", "rewrite", src, "--addr", "127.0.0.2=10.0.0.2", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/left out of the output: zz-notes: a symbolic link or special file, not copied/);
    expect(existsSync(join(out, "zz-notes"))).toBe(false);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    // The changed image and an unchanged one keep their modes.
    expect(statSync(join(out, "files.img")).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, "pstree.img")).mode & 0o777).toBe(0o600);
    expect(readFileSync(join(out, "inventory.img")).equals(readFileSync(join(src, "inventory.img")))).toBe(true);
    expect(readFileSync(secret, "utf8")).toBe("s3cr3t");
  });
});
