/**
 * What a core says of its process, read by eu-readelf against the corpus
 * README (the memory scenario's command lines and names), and the typed
 * errors coreDump gives for tasks it cannot write.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { coreDump } from "../../src/coredump/index.js";
import { CriuImageError } from "../../src/index.js";
import { editImage } from "../helpers/checkpoints.js";
import { corpusRoot } from "../helpers/corpus.js";

const work = mkdtempSync(join(tmpdir(), "criu-image-notes-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const haveEu = spawnSync("eu-readelf", ["--version"]).status === 0;

function dump(scenario: string): Map<string, Uint8Array> {
  const dir = join(corpusRoot, "images", scenario);
  return new Map(readdirSync(dir).map((n) => [n, new Uint8Array(readFileSync(join(dir, n)))]));
}

async function notesOf(cp: Map<string, Uint8Array>, pid: number): Promise<string> {
  const c = await coreDump(Checkpoint.of(cp), pid);
  const parts: Uint8Array[] = [];
  for await (const p of c.chunks()) parts.push(p);
  const path = join(work, `core.${pid}`);
  writeFileSync(path, Buffer.concat(parts));
  return spawnSync("eu-readelf", ["-n", path], { encoding: "utf8" }).stdout;
}

async function error(p: Promise<unknown>): Promise<CriuImageError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof CriuImageError) return e;
    throw e;
  }
  throw new Error("no error");
}

describe("process notes", () => {
  it.runIf(haveEu)("name each process, its parent and its command line as the README gives them", async () => {
    const cp = dump("memory");
    const parent = await notesOf(cp, 29313);
    expect(parent).toMatch(/pid: 29313, ppid: 0, pgrp: 29313, sid: 29313/);
    expect(parent).toContain("fname: mem_marks\n");
    expect(parent).toContain("psargs: /srv/ckpt/scripts/bin/mem_marks alpha beta gamma delta\n");
    const child = await notesOf(cp, 29316);
    expect(child).toMatch(/pid: 29316, ppid: 29313,/);
    expect(child).toContain("fname: mem_child\n");
    // The child overwrote argv[1] in place.
    expect(child).toContain("psargs: /srv/ckpt/scripts/bin/mem_marks CHILD beta gamma delta\n");
  });

  it.runIf(haveEu)(
    "leaves psargs empty when the command line's bounds are empty, and says nothing is wrong",
    async () => {
      const cp = dump("memory");
      editImage<"MM">(cp, "mm-29313.img", (img) => {
        const mm = img.entries[0];
        if (mm) mm.mmArgEnd = mm.mmArgStart;
      });
      expect(await notesOf(cp, 29313)).toMatch(/psargs: *\n/);
    },
  );
});

describe("coreDump's errors", () => {
  it("names the image and what it expected", async () => {
    const none = await error(coreDump(Checkpoint.of(dump("simple")), 1));
    expect([none.code, none.image, none.expected]).toEqual(["INVALID", "pstree.img", "a task 1"]);
    const noMm = dump("simple");
    noMm.delete("mm-11146.img");
    const e = await error(coreDump(Checkpoint.of(noMm), 11146));
    expect([e.code, e.image, e.expected]).toEqual([
      "UNSUPPORTED",
      "core-11146.img",
      "a task with memory and registers",
    ]);
    expect(e.message).toContain("no mm-11146.img: no memory");
    const empty = dump("simple");
    editImage<"MM">(empty, "mm-11146.img", (img) => {
      img.entries = [];
    });
    const m = await error(coreDump(Checkpoint.of(empty), 11146));
    expect([m.code, m.image, m.expected]).toEqual(["UNSUPPORTED", "mm-11146.img", "an mm entry"]);
  });

  it("leaves out a thread without its core image, and says so", async () => {
    const cp = dump("many-fds");
    cp.delete("core-11674.img");
    const c = await coreDump(Checkpoint.of(cp), 11673);
    expect(c.threads).toEqual([11673, 11675]);
    expect(c.warnings).toContain("thread 11674 has no core-11674.img: left out");
  });
});
