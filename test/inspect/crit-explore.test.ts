/**
 * crit's explorers as a library call: the text of `crit x DIR ps|fds|mems|rss`
 * for every corpus dump with crit 4.2's output beside it (the goldens), the
 * notes for tasks they pass over, and what they refuse.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { CRIT_EXPLORERS, critExplore, isCritExplorer } from "../../src/inspect/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusDumps } from "../helpers/corpus.js";

describe("critExplore", () => {
  it("prints what crit x prints, for every dump with golden output", async () => {
    let compared = 0;
    for (const dump of corpusDumps()) {
      const cp = await openCheckpoint(dump.dir);
      for (const what of CRIT_EXPLORERS) {
        const golden = join(dump.crit, `x-${what}.txt`);
        if (!existsSync(golden)) continue;
        const r = critExplore(cp, what);
        expect(r.text, `${dump.scenario} x ${what}`).toBe(readFileSync(golden, "utf8"));
        compared++;
      }
    }
    expect(compared).toBeGreaterThanOrEqual(32);
  });

  it("names its explorers in crit's order, and knows them by name only", () => {
    expect(CRIT_EXPLORERS).toEqual(["ps", "fds", "mems", "rss"]);
    expect(["ps", "fds", "mems", "rss"].every(isCritExplorer)).toBe(true);
    expect(["sk", "toString", "", "PS"].some(isCritExplorer)).toBe(false);
  });

  it("refuses a pre-dump and a folder without inventory.img, saying which", async () => {
    const pre: Checkpoint[] = [];
    for (const d of corpusDumps()) {
      const cp = await openCheckpoint(d.dir);
      if (cp.dumpKind() === "pre-dump") pre.push(cp);
    }
    expect(pre.length).toBeGreaterThan(0);
    for (const cp of pre)
      expect(() => critExplore(cp, "ps")).toThrow(
        "expected a full dump with pstree.img (this is a pre-dump, which has no process tree)",
      );
    expect(() => critExplore(pre[0] as Checkpoint, "ps")).toThrow(expect.objectContaining({ code: "UNSUPPORTED" }));
    const empty = Checkpoint.of(new Map([["pstree.img", new Uint8Array(0)]]));
    expect(() => critExplore(empty, "fds")).toThrow("expected a full dump with pstree.img (no inventory.img)");
  });

  it("notes each zombie it passes over, by what it lacks; ps shows zombies and notes nothing", async () => {
    const { corpusCheckpoint } = await import("../helpers/checkpoints.js");
    const { withZombie, ZOMBIE_PID } = await import("../helpers/zombie.js");
    const cp = Checkpoint.of(withZombie(corpusCheckpoint("tcp4")));
    const notes = Object.fromEntries(CRIT_EXPLORERS.map((w) => [w, critExplore(cp, w).notes]));
    expect(notes).toEqual({
      ps: [],
      fds: [`task ${ZOMBIE_PID} is a zombie: it has no files; skipped`],
      mems: [`task ${ZOMBIE_PID} is a zombie: it has no memory mappings; skipped`],
      rss: [`task ${ZOMBIE_PID} is a zombie: it has no memory; skipped`],
    });
  });

  it("refuses with a typed error naming the image a task lacks; ps without a root task prints its header", async () => {
    const { corpusCheckpoint, editImage } = await import("../helpers/checkpoints.js");
    const images = corpusCheckpoint("tcp4");
    const pid = [...images.keys()].find((n) => /^core-\d+\.img$/.test(n)) as string;
    images.delete(pid);
    expect(() => critExplore(Checkpoint.of(images), "ps")).toThrow(
      expect.objectContaining({
        code: "NOT_CHECKPOINT",
        image: pid,
        message: `${pid}: at byte 0: expected an image of the checkpoint (no such image)`,
      }),
    );
    const rootless = corpusCheckpoint("tcp4");
    editImage<"PSTREE">(rootless, "pstree.img", (img) => {
      for (const t of img.entries) t.ppid = 1;
    });
    expect(critExplore(Checkpoint.of(rootless), "ps").text).toBe("    PID   PGID    SID   COMM\n");
    // A core without task_core (CRIU always writes one): the task is listed without a name.
    const nameless = corpusCheckpoint("tcp4");
    editImage<"CORE">(nameless, pid, (img) => {
      for (const c of img.entries) c.tc = undefined;
    });
    const line = critExplore(Checkpoint.of(nameless), "ps")
      .text.split("\n")
      .find((l) => l.trim().split(/\s+/)[0] === pid.replace(/\D/g, ""));
    expect(line).toMatch(/^\s*\d+\s+\d+\s+\d+ {3}$/);
    // Nor with a core image holding no entry at all.
    editImage<"CORE">(nameless, pid, (img) => {
      img.entries = [];
    });
    expect(critExplore(Checkpoint.of(nameless), "ps").text).toContain(line as string);
  });

  it("names a pipe or unix socket it finds in no image pipe[?] and unix[?]", async () => {
    const { corpusCheckpoint, legacyLayout } = await import("../helpers/checkpoints.js");
    const old = legacyLayout(corpusCheckpoint("many-fds"), { allSockets: true, regFiles: true, pipes: true });
    old.delete("pipes.img");
    old.delete("unixsk.img");
    const text = critExplore(Checkpoint.of(old), "fds").text;
    expect(text).toContain(": pipe[?]");
    expect(text).toContain(": unix[?]");
    expect(text).not.toMatch(/pipe\[\d|unix\[\d/);
  });

  it("reads the layout before CRIU 3.4 (sockets and regular files in their own images) to the same text", async () => {
    const { corpusCheckpoint, legacyLayout } = await import("../helpers/checkpoints.js");
    for (const scenario of ["mixed-sockets", "many-fds", "tcp4"]) {
      const old = Checkpoint.of(legacyLayout(corpusCheckpoint(scenario), { allSockets: true, regFiles: true }));
      const golden = readFileSync(
        join(corpusDumps().find((d) => d.scenario === scenario)?.crit ?? "", "x-fds.txt"),
        "utf8",
      );
      expect(critExplore(old, "fds").text, scenario).toBe(golden);
    }
  });
});
