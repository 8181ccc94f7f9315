/** Progress on stderr: only on a terminal, only after about a second, never with --quiet. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../../src/cli/main.js";
import { Progress, setQuiet } from "../../src/cli/progress.js";
import { corpusRoot } from "../helpers/corpus.js";

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
