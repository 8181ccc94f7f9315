/** Progress on stderr: only on a terminal, only after about a second, never with --quiet. */
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { Progress, setQuiet } from "../../src/cli/progress.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

const work = mkdtempSync(join(tmpdir(), "criu-image-progress-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function fake(isTTY: boolean) {
  const lines: string[] = [];
  let t = 0;
  return {
    stream: { isTTY, write: (s: string) => lines.push(s) },
    now: () => t,
    at: (ms: number) => {
      t = ms;
    },
    lines,
  };
}

afterEach(() => setQuiet(false));

describe("Progress", () => {
  it("says nothing for the first second, then done and total, at most ten times a second, and clears its line", () => {
    const f = fake(true);
    const p = new Progress("reading x.tar", { total: 4 << 20, stream: f.stream, now: f.now });
    for (const ms of [0, 500, 999]) {
      f.at(ms);
      p.update(1 << 20);
    }
    expect(f.lines).toEqual([]);
    f.at(1000);
    p.update(1 << 20);
    f.at(1050);
    p.update(2 << 20); // throttled
    f.at(1100);
    p.update(3 << 20);
    expect(f.lines).toEqual([
      "\r\x1b[Kreading x.tar: 1.0 MiB of 4.0 MiB (25%)",
      "\r\x1b[Kreading x.tar: 3.0 MiB of 4.0 MiB (75%)",
    ]);
    p.done();
    expect(f.lines.at(-1)).toBe("\r\x1b[K");
  });

  it("counts entries, and works without a total", () => {
    const f = fake(true);
    const p = new Progress("decoding files.img", { unit: "entries", stream: f.stream, now: f.now });
    f.at(2000);
    p.update(1234567);
    expect(f.lines).toEqual(["\r\x1b[Kdecoding files.img: 1,234,567"]);
  });

  it("is silent when stderr is not a terminal, with --quiet, and clears nothing it did not show", () => {
    const pipe = fake(false);
    const p = new Progress("x", { total: 10, stream: pipe.stream, now: pipe.now });
    pipe.at(5000);
    p.update(5);
    p.done();
    expect(pipe.lines).toEqual([]);
    setQuiet(true);
    const tty = fake(true);
    const q = new Progress("x", { total: 10, stream: tty.stream, now: tty.now });
    tty.at(5000);
    q.update(5);
    q.done();
    expect(tty.lines).toEqual([]);
  });
});

describe("progress of the CLI on a terminal", () => {
  const archive = readFileSync(join(corpusRoot, "archives", "podman-web.tar.zst"));

  /** `inspect -` over an archive that arrives in two parts, 1.2 s apart, with stderr a terminal or not. */
  async function slowInspect(args: string[], tty: boolean): Promise<{ code: number; stderr: string }> {
    let err = "";
    const was = process.stderr.isTTY;
    process.stderr.isTTY = tty;
    const out = vi.spyOn(process.stdout, "write").mockImplementation((() => true) as never);
    const e = vi.spyOn(process.stderr, "write").mockImplementation(((c: string | Uint8Array) => {
      err += String(c);
      return true;
    }) as never);
    const input = vi.spyOn(process.stdin, Symbol.asyncIterator).mockImplementation(async function* () {
      yield archive.subarray(0, 1000);
      await new Promise((r) => setTimeout(r, 1200));
      yield archive.subarray(1000);
    } as never);
    try {
      return { code: await main(args), stderr: err };
    } finally {
      process.stderr.isTTY = was;
      out.mockRestore();
      e.mockRestore();
      input.mockRestore();
    }
  }

  it("shows how much of an archive was read when reading takes more than a second, then clears it", async () => {
    const r = await slowInspect(["inspect", "-", "--json"], true);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`\r\x1b[Kreading stdin: ${(archive.length / 1024).toFixed(1)} KiB`);
    expect(r.stderr.endsWith("\r\x1b[K")).toBe(true);
  });

  it("shows nothing with --quiet, or when stderr is not a terminal", async () => {
    expect((await slowInspect(["inspect", "-", "--json", "--quiet"], true)).stderr).toBe("");
    expect((await slowInspect(["-q", "inspect", "-", "--json"], true)).stderr).toBe("");
    expect((await slowInspect(["inspect", "-", "--json"], false)).stderr).toBe("");
  });
});

describe("Progress's numbers", () => {
  /** The lines a Progress shows, the clock starting at 10 s (not 0, so a delay measured from 0 would show). */
  function shown(
    label: string,
    options: { total?: number; unit?: "bytes" | "entries" },
    updates: [ms: number, done: number, total?: number][],
  ) {
    const f = fake(true);
    f.at(10_000);
    const p = new Progress(label, { ...options, stream: f.stream, now: f.now });
    for (const [ms, done, total] of updates) {
      f.at(10_000 + ms);
      p.update(done, total);
    }
    p.done();
    p.done();
    return f.lines;
  }

  it("bytes below a KiB whole, then one decimal up to TiB, and TiB above that", () => {
    expect(shown("a", { total: 2 ** 50 }, [[1000, 512]])).toEqual(["\r\x1b[Ka: 512 B of 1024.0 TiB (0%)", "\r\x1b[K"]);
    expect(shown("b", {}, [[1000, 1536]])).toEqual(["\r\x1b[Kb: 1.5 KiB", "\r\x1b[K"]);
  });

  it("waits a second from its start, takes a total that becomes known, and shows no share of a total of 0", () => {
    expect(shown("c", {}, [[999, 1]])).toEqual([]);
    expect(shown("d", {}, [[1000, 1, 4]])).toEqual(["\r\x1b[Kd: 1 B of 4 B (25%)", "\r\x1b[K"]);
    expect(shown("e", { total: 0 }, [[1000, 3]])).toEqual(["\r\x1b[Ke: 3 B", "\r\x1b[K"]);
    expect(shown("f", { total: 5, unit: "entries" }, [[1000, 1234]])).toEqual([
      "\r\x1b[Kf: 1,234 of 5 (100%)",
      "\r\x1b[K",
    ]);
  });
});

describe("progress of decode and encode on a terminal", () => {
  /** Runs the CLI with stderr a terminal and a clock that moves 2 s at each look, so every update shows. */
  async function onTerminal(args: string[], stdin?: Uint8Array): Promise<{ code: number; stderr: string }> {
    const was = process.stderr.isTTY;
    process.stderr.isTTY = true;
    let t = 0;
    const clock = vi.spyOn(Date, "now").mockImplementation(() => {
      t += 2000;
      return t;
    });
    try {
      const r = await runCli(args, stdin);
      return { code: r.code, stderr: r.stderr };
    } finally {
      clock.mockRestore();
      process.stderr.isTTY = was;
    }
  }
  // Over a KiB, so both sizes have a decimal.
  const files = join(corpusRoot, "images", "tcp4", "core-11202.img");
  const size = statSync(files).size;
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;

  it("decode counts the image's bytes against its size, or without one from stdin, then clears the line", async () => {
    const r = await onTerminal(["decode", "-i", files, "-o", join(work, "core.json")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`\r\x1b[Kdecoding ${files}: ${kib(size)} of ${kib(size)} (100%)\r\x1b[K`);
    const piped = await onTerminal(["decode", "-o", join(work, "core2.json")], readFileSync(files));
    expect(piped.stderr).toBe(`\r\x1b[Kdecoding stdin: ${kib(size)}\r\x1b[K`);
  });

  it("encode counts the JSON's bytes the same way", async () => {
    const json = join(work, "core-11202.img.json");
    expect((await runCli(["decode", "-i", files, "-o", json])).code).toBe(0);
    const n = statSync(json).size;
    const r = await onTerminal(["encode", "-i", json, "-o", join(work, "core-11202.img")]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`\r\x1b[Kencoding ${json}: ${kib(n)} of ${kib(n)} (100%)\r\x1b[K`);
    const piped = await onTerminal(["encode", "-o", join(work, "core-2.img")], readFileSync(json));
    expect(piped.stderr).toBe(`\r\x1b[Kencoding stdin: ${kib(n)}\r\x1b[K`);
  });

  it("reading an archive names it, or stdin", async () => {
    const archive = join(corpusRoot, "archives", "podman-web.tar");
    const n = statSync(archive).size;
    const r = await onTerminal(["x", archive, "ps"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`\r\x1b[Kreading ${archive}: `);
    expect(r.stderr).toContain(` of ${(n / 1024).toFixed(1)} KiB (`);
    expect(r.stderr).not.toContain("reading stdin");
  });
});
