/** The CLI as a new user meets it: help, usage errors, paths in messages, big tables. */
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { inetskFilesImage } from "../../bench/generate.js";
import { fsOps } from "../../src/node/fs-ops.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

let work: string;
beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "criu-image-edges-"));
});
afterAll(() => {
  vi.restoreAllMocks();
  rmSync(work, { recursive: true, force: true });
});
const tcp4 = join(corpusRoot, "images", "tcp4");
function copy(name: string, from = tcp4): string {
  const d = join(work, name);
  cpSync(from, d, { recursive: true, verbatimSymlinks: true });
  return d;
}

describe("help", () => {
  it("tcp and tcp --help list the subcommands", async () => {
    const bare = await runCli(["tcp"]);
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("criu-image tcp list PATH");
    expect(bare.stderr).toContain("criu-image tcp rewrite PATH");
    const help = await runCli(["tcp", "--help"]);
    expect(help.code).toBe(0);
    expect(help.stdout.toString()).toContain("criu-image tcp list PATH");
    expect(help.stdout.toString()).toContain("criu-image tcp rewrite PATH");
    expect((await runCli(["help", "tcp"])).stdout.toString()).toBe(help.stdout.toString());
  });

  it("help decode prints decode's help alone", async () => {
    const r = await runCli(["help", "decode"]);
    expect(r.code).toBe(0);
    const text = r.stdout.toString();
    expect(text.startsWith("usage: criu-image decode [-i IN]")).toBe(true);
    expect(text).not.toContain("encode [");
    expect(text).toBe((await runCli(["decode", "--help"])).stdout.toString());
    expect((await runCli(["help", "tcp", "rewrite"])).stdout.toString()).toMatch(/^usage: criu-image tcp rewrite PATH/);
  });

  it("a usage error is one line and a pointer to the command's help", async () => {
    const r = await runCli(["verify", "a", "b"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("criu-image: verify: expected 1 argument, got 2\nsee criu-image verify --help\n");
    const sub = await runCli(["tcp", "frob"]);
    expect(sub.stderr).toBe('criu-image: unknown command "tcp frob"\nsee criu-image tcp --help\n');
  });

  it("decode FILE without -i suggests -i", async () => {
    const r = await runCli(["decode", join(tcp4, "files.img")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`did you mean -i ${join(tcp4, "files.img")}?`);
  });
});

describe("rules", () => {
  it("a malformed rule is a bad command line: exit 2", async () => {
    for (const rule of [
      ["--addr", "127.0.0.1"],
      ["--addr", "1.2.3.4=10.0.0.300"],
      ["--endpoint", "127.0.0.1:99999=127.0.0.2:1"],
      ["--endpoint", "127.0.0.1=127.0.0.2:1"],
    ]) {
      const r = await runCli(["tcp", "rewrite", tcp4, ...rule]);
      expect(r.code, rule.join(" ")).toBe(2);
      expect(r.stderr).toMatch(/^criu-image: tcp rewrite: /);
      expect(r.stderr).toContain("see criu-image tcp rewrite --help");
    }
  });

  it("a refusal over many endpoints is a few lines: the rule, the count, the first three", async () => {
    const d = copy("many");
    writeFileSync(join(d, "files.img"), inetskFilesImage(400));
    const r = await runCli(["tcp", "rewrite", d, "--addr", "192.0.2.1=2001:db8::1"]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      /^ {2}--addr 192\.0\.2\.1=2001:db8::1 would put the IPv6 address 2001:db8::1 into AF_INET sockets: 300 endpoints \(socket 1 .*; socket 2 .*; socket 3 .*, and 297 more\)$/,
    );
    expect(r.stderr.length).toBeLessThan(600);
  });
});

describe("paths in messages", () => {
  it("a write refused by the file system names the user's file, not a temporary one", async () => {
    const d = copy("ro");
    const real = fsOps.open;
    const spy = vi.spyOn(fsOps, "open").mockImplementation(async (p, flags, mode) => {
      if (p.includes(".criu-image-tmp-") && p.endsWith("files.img"))
        throw Object.assign(new Error(`EACCES: permission denied, open '${p}'`), { code: "EACCES", path: p });
      return real(p, flags, mode);
    });
    const r = await runCli(["tcp", "rewrite", d, "--addr", "127.0.0.2=10.0.0.2"]);
    spy.mockRestore();
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`criu-image: ${d}: cannot write the new images: permission denied (EACCES)\n`);
  });

  it("decode -i DIR names the folder; tcp list on one image or a non-checkpoint folder says what is expected", async () => {
    const dec = await runCli(["decode", "-i", tcp4]);
    expect(dec.code).toBe(1);
    expect(dec.stderr).toContain(`${tcp4}: at byte 0: expected one image file (it is a folder;`);
    const one = await runCli(["tcp", "list", join(tcp4, "files.img")]);
    expect(one.code).toBe(1);
    expect(one.stderr).toBe(
      `criu-image: ${join(tcp4, "files.img")}: is one CRIU image, not a checkpoint; this command takes a checkpoint folder or archive (decode, info and show take one image)\n`,
    );
    const empty = join(work, "empty");
    mkdirSync(empty);
    writeFileSync(join(empty, "notes.txt"), "hi");
    const e = await runCli(["verify", empty]);
    expect(e.code).toBe(1);
    expect(e.stderr).toBe(`criu-image: ${empty}: is not a checkpoint: the folder holds no CRIU image\n`);
    const missing = await runCli(["x", join(work, "nope"), "ps"]);
    expect(missing.stderr).toBe(`criu-image: ${join(work, "nope")}: no such file or folder (ENOENT)\n`);
  });
});

describe("rewrites in place", () => {
  it("keep each image's mode", async () => {
    const d = copy("modes");
    chmodSync(join(d, "files.img"), 0o640);
    expect((await runCli(["tcp", "rewrite", d, "--addr", "127.0.0.2=10.0.0.2"])).code).toBe(0);
    expect(statSync(join(d, "files.img")).mode & 0o7777).toBe(0o640);
  });

  it("wait for another live writer, saying so once, then run", async () => {
    const d = copy("busy");
    const lock = join(d, ".criu-image-lock");
    writeFileSync(lock, `${process.ppid} ${"ab".repeat(12)}\n`);
    const gone = setTimeout(() => rmSync(lock), 300);
    const r = await runCli(["tcp", "rewrite", d, "--addr", "127.0.0.2=10.0.0.2"]);
    clearTimeout(gone);
    expect(r.code).toBe(0);
    const err = r.stderr.split("\n");
    expect(err[0]).toBe(
      `criu-image: ${d}: pid ${process.ppid} is writing this checkpoint; waiting up to 10 s for it to finish`,
    );
    expect(err.filter((l) => l.includes("waiting"))).toHaveLength(1);
    expect(r.stdout.toString()).toMatch(/10\.0\.0\.2/);
    // What the images cannot fix is said on stderr, never mixed into the report on stdout.
    expect(r.stdout.toString()).not.toContain("warning:");
    expect(err.slice(1).some((l) => l.startsWith("criu-image: warning: network lock: iptables"))).toBe(true);
  });
});

describe("tcp list output", () => {
  it("v4-mapped addresses print as ss does; the JSON keeps crit's form", async () => {
    const d = join(corpusRoot, "images", "tcp-v4mapped");
    const t = (await runCli(["tcp", "list", d])).stdout.toString();
    expect(t).toContain("[::ffff:127.0.0.1]:45021");
    expect(t).not.toContain("7f00");
    const j = JSON.parse((await runCli(["tcp", "list", d, "--json"])).stdout.toString());
    expect(j.some((s: { local: { address: string } }) => s.local.address === "::ffff:7f00:1")).toBe(true);
  });
});

describe("usage errors in our own words", () => {
  it("an unknown option, an option without its value, recover of an archive, info - of an archive", async () => {
    const bogus = await runCli(["verify", "--bogus", tcp4]);
    expect([bogus.code, bogus.stderr]).toEqual([
      2,
      "criu-image: verify: unknown option --bogus\nsee criu-image verify --help\n",
    ]);
    const bare = await runCli(["mem", tcp4, "--pid"]);
    expect([bare.code, bare.stderr]).toEqual([
      2,
      "criu-image: mem: option --pid needs a value\nsee criu-image mem --help\n",
    ]);
    const tar = join(corpusRoot, "archives", "podman-web.tar");
    const rec = await runCli(["recover", tar]);
    expect(rec.code).toBe(2);
    expect(rec.stderr).toBe(
      `criu-image: recover: ${tar} is not a folder; recover finishes an interrupted rewrite of a checkpoint folder (archives are never rewritten in place)\nsee criu-image recover --help\n`,
    );
    for (const name of ["podman-web.tar", "podman-web.tar.gz", "podman-web.tar.zst"]) {
      const r = await runCli(["info", "-"], readFileSync(join(corpusRoot, "archives", name)));
      expect(r.code, name).toBe(2);
      expect(r.stderr).toMatch(/^criu-image: info: stdin holds an archive; info - reads one image/);
    }
    // An image on stdin is still read.
    const one = await runCli(["info", "-"], readFileSync(join(tcp4, "inventory.img")));
    expect(one.code).toBe(0);
  });
});

describe("diff of a damaged side", () => {
  it("names the side the damaged image is in", async () => {
    const a = copy("side-a");
    const b = copy("side-b");
    chmodSync(join(b, "files.img"), 0o644);
    writeFileSync(join(b, "files.img"), readFileSync(join(tcp4, "files.img")).subarray(0, 30));
    for (const [x, y, bad] of [
      [a, b, b],
      [b, a, b],
    ]) {
      const r = await runCli(["diff", x as string, y as string]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(new RegExp(`^criu-image: ${bad}: files\\.img: at byte 12: expected `));
    }
  });
});
