import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { VERSION } from "../../src/cli/version.js";
import { runCli } from "../helpers/cli.js";
import { corpusDumps, corpusImages, corpusRoot, critDir, goldenFiles } from "../helpers/corpus.js";

const img = (scenario: string, name: string) => join(corpusRoot, "images", scenario, name);
const golden = (scenario: string, name: string) => readFileSync(join(corpusRoot, "crit", scenario, name), "utf8");

describe("criu-image CLI, as crit on the corpus", () => {
  it("decode -i IN (stdout, with crit's final newline) and --pretty", async () => {
    for (const [scenario, name] of [
      ["tcp4", "files.img"],
      ["many-fds", "ipcns-msg-9.img"],
      ["mixed-sockets", "sk-queues.img"],
    ]) {
      const plain = await runCli(["decode", "-i", img(scenario!, name!)]);
      expect(plain.code).toBe(0);
      expect(plain.stdout.toString()).toBe(`${golden(scenario!, `${name}.json`)}\n`);
      const pretty = await runCli(["decode", "--pretty", "-i", img(scenario!, name!)]);
      expect(pretty.stdout.toString()).toBe(`${golden(scenario!, `${name}.pretty.json`)}\n`);
    }
  });

  it("decode -o OUT writes the file crit writes (no final newline)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "criu-image-cli-"));
    try {
      const out = join(dir, "o.json");
      expect((await runCli(["decode", "-i", img("tcp6", "files.img"), "-o", out])).code).toBe(0);
      expect(readFileSync(out, "utf8")).toBe(golden("tcp6", "files.img.json"));
      const back = join(dir, "files.img");
      expect((await runCli(["encode", "-i", out, "-o", back])).code).toBe(0);
      expect(Buffer.compare(readFileSync(back), readFileSync(img("tcp6", "files.img")))).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("decode and encode through stdin / stdout", async () => {
    const bytes = new Uint8Array(readFileSync(img("netns", "netdev-9.img")));
    const dec = await runCli(["decode", "--pretty"], bytes);
    expect(dec.stdout.toString()).toBe(`${golden("netns", "netdev-9.img.pretty.json")}\n`);
    const enc = await runCli(["encode"], new Uint8Array(dec.stdout));
    expect(Buffer.compare(enc.stdout, bytes)).toBe(0);
  });

  it("info on every image with a golden .info.json", async () => {
    let n = 0;
    for (const i of corpusImages()) {
      const p = join(critDir(i.scenario), `${i.name}.info.json`);
      if (!existsSync(p)) continue;
      const r = await runCli(["info", i.path]);
      expect(r.stdout.toString(), `${i.scenario}/${i.name}`).toBe(readFileSync(p, "utf8"));
      n++;
    }
    expect(n).toBe(goldenFiles([".info.json"]).length);
    expect(n).toBeGreaterThan(150);
  });

  it("info on raw images (which crit has no info for): kind, raw and size, laid out as Python's json.dumps(indent=4)", async () => {
    let n = 0;
    for (const i of corpusImages().filter((x) =>
      /^(pages|ifaddr|route6?|tmpfs|iptables|ip6tables|nftables)-/.test(x.name),
    )) {
      const r = await runCli(["info", i.path]);
      expect(r.code).toBe(0);
      const want = {
        magic: i.name.startsWith("pages-") ? "PAGES" : expect.any(String),
        raw: true,
        size: i.bytes.length,
      };
      expect(JSON.parse(r.stdout.toString())).toEqual(want);
      // Python's layout for these values is JavaScript's JSON.stringify with indent 4.
      expect(r.stdout.toString()).toBe(`${JSON.stringify(JSON.parse(r.stdout.toString()), null, 4)}\n`);
      n++;
      if (n >= 6) break;
    }
    expect(n).toBe(6);
  });

  it("x DIR ps|fds|mems|rss on every dump with golden output", async () => {
    let n = 0;
    for (const dump of corpusDumps()) {
      for (const what of ["ps", "fds", "mems", "rss"]) {
        const p = join(dump.crit, `x-${what}.txt`);
        if (!existsSync(p)) continue;
        const r = await runCli(["x", dump.dir, what]);
        expect(r.stdout.toString(), `${dump.scenario} x ${what}`).toBe(readFileSync(p, "utf8"));
        n++;
      }
    }
    // Every x-*.txt on disk was compared; 32 when this test was written.
    expect(n).toBe(goldenFiles(["txt"]).filter(([, f]) => f.startsWith("x-")).length);
    expect(n).toBeGreaterThanOrEqual(32);
  });

  it("show --nopl replaces payloads by their size", async () => {
    const r = await runCli(["show", img("tcp4", "tcp-stream-50ba6.img"), "--nopl"]);
    expect(r.stdout.toString()).toMatch(/"extra": "\.\.\. <\d+(\.\d)?KB>"/);
  });
});

describe("what crit lacks", () => {
  it("--version and --help per command", async () => {
    expect((await runCli(["--version"])).stdout.toString()).toBe(`criu-image ${VERSION}\n`);
    const pkg = JSON.parse(readFileSync(join(__dirname, "..", "..", "package.json"), "utf8"));
    expect(VERSION).toBe(pkg.version);
    for (const c of ["decode", "encode", "info", "show", "x"]) {
      const r = await runCli([c, "--help"]);
      expect(r.code).toBe(0);
      expect(r.stdout.toString()).toContain(`usage: criu-image ${c}`);
    }
  });

  it("raw images have no JSON form: exit 1, the reason on stderr, nothing on stdout (as crit)", async () => {
    const r = await runCli(["decode", "-i", img("netns", "route-9.img")]);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBe(0);
    expect(r.stderr).toMatch(/^criu-image: route-9\.img: .*ROUTE is a raw image/);
    const viaName = await runCli(["decode", "--name", "pages-1.img"], new Uint8Array([1, 2, 3]));
    expect(viaName.code).toBe(1);
    expect(viaName.stdout.length).toBe(0);
    expect(viaName.stderr).toContain("PAGES is a raw image");
  });

  it("bad input: one line on stderr, exit 1, no stack trace", async () => {
    const dir = mkdtempSync(join(tmpdir(), "criu-image-cli-"));
    try {
      const bad = join(dir, "files.img");
      writeFileSync(bad, readFileSync(img("tcp4", "files.img")).subarray(0, 30));
      for (const args of [
        ["decode", "-i", bad],
        ["info", join(dir, "nope.img")],
        ["x", dir, "ps"],
      ]) {
        const r = await runCli(args);
        expect(r.code, args.join(" ")).toBe(1);
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).toMatch(/^criu-image: /);
        expect(r.stderr).not.toMatch(/\n\s+at /);
      }
      const badJson = await runCli(
        ["encode"],
        new TextEncoder().encode('{"magic": "FILES", "entries": [{"id": "x"}]}'),
      );
      expect(badJson.code).toBe(1);
      expect(badJson.stderr).toMatch(/^criu-image: entries\[0\]\.id: expected an integer/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("bad command lines: one line, a pointer to the help, exit 2", async () => {
    for (const [args, see] of [
      [["decode", "--bogus"], "criu-image decode --help"],
      [["frobnicate"], "criu-image --help"],
      [["x", "onlyone"], "criu-image x --help"],
      [["info"], "criu-image info --help"],
    ] as const) {
      const r = await runCli([...args]);
      expect(r.code, args.join(" ")).toBe(2);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines, args.join(" ")).toHaveLength(2);
      expect(lines[0]).toMatch(/^criu-image: /);
      expect(lines[1]).toBe(`see ${see}`);
    }
  });
});
