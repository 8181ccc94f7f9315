/**
 * verify is a list of named checks, each a function of its own: each one
 * run alone reports exactly the kind of problem it is named for, and the
 * list runs them in an order where later checks find what `parse` kept.
 */
import { describe, expect, it } from "vitest";
import { Checkpoint, memorySource } from "../../src/checkpoint/index.js";
import { CHECKS, runCheck } from "../../src/verify/checks/index.js";
import { checkInventory } from "../../src/verify/checks/inventory.js";
import { checkPages } from "../../src/verify/checks/pages.js";
import { checkParse } from "../../src/verify/checks/parse.js";
import { checkSource } from "../../src/verify/checks/source.js";
import { checkTasks } from "../../src/verify/checks/tasks.js";
import { checkTcpStreams } from "../../src/verify/checks/tcp-streams.js";
import { VerifyContext } from "../../src/verify/context.js";
import { corpusCheckpoint, corpusPageSizes, editImage } from "../helpers/checkpoints.js";

/** A context over a changed corpus dump, parsed (as every check after `parse` expects). */
function parsed(scenario: string, change: (cp: Map<string, Uint8Array>) => void = () => {}): VerifyContext {
  const cp = corpusCheckpoint(scenario);
  change(cp);
  const ctx = new VerifyContext(new Checkpoint(memorySource(cp, { sizes: corpusPageSizes(scenario) })), 4096);
  runCheck(ctx, checkParse);
  return ctx;
}

const checks = (ctx: VerifyContext) => [...new Set(ctx.pending.map((p) => p.check))];

describe("verify's named checks", () => {
  it("run in order: source, parse, then the checks that read what parse kept", () => {
    expect(CHECKS.map((c) => c.name)).toEqual([
      "source",
      "parse",
      "inventory",
      "tasks",
      "tcp-streams",
      "pages",
      "vmas",
    ]);
  });

  it("each finds nothing on a consistent dump", () => {
    for (const scenario of ["tcp4", "many-fds", "memory"]) {
      const ctx = parsed(scenario);
      for (const c of CHECKS.filter((x) => x.name !== "parse")) runCheck(ctx, c.run);
      expect(ctx.pending, scenario).toEqual([]);
    }
  });

  it("parse: an image cut short, and nothing else", () => {
    const ctx = parsed("tcp4", (cp) => cp.set("mm-11202.img", (cp.get("mm-11202.img") as Uint8Array).subarray(0, 20)));
    expect(checks(ctx)).toEqual(["parse"]);
    expect(ctx.pending[0]?.image).toBe("mm-11202.img");
  });

  it("inventory: a second entry", () => {
    const ctx = parsed("tcp4", (cp) =>
      editImage<"INVENTORY">(cp, "inventory.img", (img) => {
        img.entries.push(img.entries[0] as never);
      }),
    );
    runCheck(ctx, checkInventory);
    expect(ctx.pending).toEqual([{ image: "inventory.img", check: "inventory", message: "2 entries, expected 1" }]);
  });

  it("tasks: a task without its mm", () => {
    const ctx = parsed("tcp4", (cp) => cp.delete("mm-11205.img"));
    runCheck(ctx, checkTasks);
    expect(ctx.pending).toEqual([
      { image: "pstree.img", entry: 1, check: "tasks", message: "task 11205 has no mm-11205.img" },
    ]);
  });

  it("tcp-streams: an established socket without its stream", () => {
    const ctx = parsed("tcp4", (cp) => cp.delete("tcp-stream-50ba6.img"));
    runCheck(ctx, checkTcpStreams);
    expect(checks(ctx)).toEqual(["tcp-stream"]);
    expect(ctx.pending).toHaveLength(1);
    expect(ctx.pending[0]?.message).toMatch(/has no tcp-stream-50ba6\.img$/);
  });

  it("pages: a pages image of the wrong size", () => {
    const cp = corpusCheckpoint("tcp4");
    const wrong = corpusPageSizes("tcp4");
    wrong.set("pages-1.img", (wrong.get("pages-1.img") as number) + 4096);
    const ctx = new VerifyContext(new Checkpoint(memorySource(cp, { sizes: wrong })), 4096);
    runCheck(ctx, checkParse);
    runCheck(ctx, checkPages);
    expect(checks(ctx)).toEqual(["pages"]);
    expect(ctx.pending[0]?.message).toMatch(/but pages-1\.img has \d+ bytes$/);
  });

  it("source: unsafe archive members", () => {
    const src = {
      ...memorySource(corpusCheckpoint("tcp4")),
      unsafe: [{ name: "../x", index: 3, reason: 'a ".." component' }],
    };
    const ctx = new VerifyContext(new Checkpoint(src), 4096);
    runCheck(ctx, checkSource);
    expect(ctx.pending).toEqual([
      { image: "../x", check: "unsafe-member", message: 'unsafe archive member: a ".." component; it was not read' },
    ]);
  });
});
