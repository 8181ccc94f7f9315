/**
 * --out from a folder copies only the folder's regular files, never through
 * a planted link, and keeps the source's modes (its folder's too).
 */
import { execFileSync } from "node:child_process";
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openCheckpoint } from "../../src/node/index.js";
import { eachConnection } from "../../src/tcp/index.js";
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

describe("--out NAME.tar[.gz|.zst] from a folder", () => {
  let dir = "";
  tempDirPerTest("criu-image-outarchive-", (d) => {
    dir = d;
  });

  it("writes the archive its name says, which opens as the same checkpoint with the change", async () => {
    const src = join(corpusRoot, "images", "tcp4");
    for (const name of ["moved.tar", "moved.tar.gz", "moved.tar.zst"]) {
      const out = join(dir, name);
      const r = await runCli(["tcp", "rewrite", src, "--addr", "127.0.0.2=10.0.0.2", "--out", out]);
      expect(r.code, r.stderr).toBe(0);
      const cp = await openCheckpoint(out, { pages: () => "all" });
      expect(cp.source.archive?.compression).toBe(
        name.endsWith(".tar") ? "none" : name.endsWith("gz") ? "gzip" : "zstd",
      );
      expect([...cp.source.files.keys()].sort()).toEqual(readdirSync(src).sort());
      expect(Buffer.from(cp.bytes("pages-1.img") as Uint8Array).equals(readFileSync(join(src, "pages-1.img")))).toBe(
        true,
      );
      expect(JSON.stringify([...eachConnection(cp)].map((s) => s.local.address))).toContain("10.0.0.2");
    }
  });

  it("an extracted export becomes its archive again: metadata at the top, images in checkpoint/", async () => {
    const tar = join(corpusRoot, "archives", "podman-web.tar");
    const x = join(dir, "x");
    mkdirSync(x);
    execFileSync("tar", ["xf", tar, "-C", x]);
    const out = join(dir, "again.tar.zst");
    const r = await runCli(["tcp", "rewrite", x, "--addr", "10.88.0.10=10.89.1.10", "--out", out]);
    expect(r.code, r.stderr).toBe(0);
    const cp = await openCheckpoint(out);
    expect(cp.source.archive?.layout).toBe("podman");
    expect(new TextDecoder().decode(cp.source.companions.get("network.status")?.bytes())).toContain("10.89.1.10/16");
    expect(new TextDecoder().decode(cp.source.companions.get("config.dump")?.bytes())).toBe(
      readFileSync(join(x, "config.dump"), "utf8"),
    );
  });
});
