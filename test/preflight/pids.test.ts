/** The pids rule: the pids and tids of crit's pstree JSON against made-up hosts. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { preflight, unknownHost } from "../../src/preflight/index.js";
import { corpusCheckpoint } from "../helpers/checkpoints.js";
import { critDir } from "../helpers/corpus.js";
import { fact, fakeHost } from "../helpers/fake-host.js";

const tids = (scenario: string): number[] =>
  JSON.parse(readFileSync(join(critDir(scenario), "pstree.img.json"), "utf8")).entries.flatMap(
    (e: { threads: number[] }) => e.threads,
  );

const run = (scenario: string, inUse: number[], pidMax = 4194304) =>
  preflight(corpusCheckpoint(scenario), fakeHost(new Map(), { pids: fact({ inUse: new Set(inUse), pidMax }) }), {
    rules: ["pids"],
  });

describe("pids", () => {
  it("blocks exactly the pids and tids the host has taken (property)", async () => {
    const mine = tids("many-fds");
    expect(mine).toContain(11675);
    await fc.assert(
      fc.asyncProperty(fc.subarray([...mine, 1, 2, 11671, 99999]), async (inUse) => {
        const r = await run("many-fds", inUse);
        const blocked = r.rules[0]?.findings.map((f) => Number(f.subject)) ?? [];
        expect(blocked.sort()).toEqual(mine.filter((t) => inUse.includes(t)).sort());
        expect(r.blocked).toBe(blocked.length > 0);
        expect(r.rules[0]?.checked).toBe(mine.length);
      }),
      { numRuns: 50 },
    );
  });

  it("names CRIU's fork error and the thread's process", async () => {
    const r = await run("many-fds", [11674]);
    expect(r.rules[0]?.findings).toEqual([
      expect.objectContaining({
        severity: "blocks",
        image: "pstree.img",
        entry: "pid 11673",
        subject: "11674",
        problem: "thread 11674 of pid 11673 is taken by a process of this host",
        criuError: "Can't fork for 11674: File exists",
      }),
    ]);
  });

  it("pids at or above pid_max block", async () => {
    const r = await run("many-fds", [], 11673);
    expect(r.rules[0]?.findings.map((f) => [f.subject, f.criuError])).toEqual([
      ["11673", "Can't fork for 11673: Invalid argument"],
      ["11674", "Can't fork for 11674: Invalid argument"],
      ["11675", "Can't fork for 11675: Invalid argument"],
    ]);
    // pid_max goes up to 4194304 on Linux; a pid past that (a damaged pstree) is named as it is.
    const { editImage } = await import("../helpers/checkpoints.js");
    const cp = corpusCheckpoint("simple");
    editImage<"PSTREE">(cp, "pstree.img", (img) => {
      for (const t of img.entries) t.threads = [...t.threads, 5_000_000];
    });
    const high = await preflight(cp, fakeHost(new Map(), { pids: fact({ inUse: new Set<number>(), pidMax: 32768 }) }), {
      rules: ["pids"],
    });
    expect(high.rules[0]?.findings.at(-1)?.fix).toBe(
      "Raise kernel.pid_max above 5000000 (sysctl -w kernel.pid_max=5000001).",
    );
  });

  it("does not apply with a pid namespace of its own; not checked without the host's pids", async () => {
    const { openCheckpoint } = await import("../../src/node/open.js");
    const cp = await openCheckpoint(join(critDir("simple"), "../../archives/podman-web.tar"));
    const own = await preflight(cp, fakeHost(new Map(), { pids: fact({ inUse: new Set([1, 21]), pidMax: 32768 }) }));
    expect(own.rules.find((r) => r.rule === "pids")).toMatchObject({
      verdict: "not-applicable",
      findings: [],
      note: "the checkpoint has its own pid namespace",
    });
    const r = await preflight(corpusCheckpoint("simple"), unknownHost("no /proc"), { rules: ["pids"] });
    expect(r.rules[0]?.verdict).toBe("not-checked");
    expect(r.rules[0]?.findings[0]?.problem).toContain("no /proc");
  });
});
