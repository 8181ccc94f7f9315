import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { memorySource } from "../../src/checkpoint/index.js";
import { type VerifyProblem as Problem, verifyCheckpoint } from "../../src/verify/index.js";
import { corpusCheckpoint, editImage } from "../helpers/checkpoints.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot, corpusScenarios } from "../helpers/corpus.js";

const sizes = (scenario: string, _cp?: Map<string, Uint8Array>) => {
  const out = new Map<string, number>();
  for (const n of [
    "pages-1.img",
    "pages-2.img",
    "pages-3.img",
    "pages-4.img",
    "pages-5.img",
    "pages-6.img",
    "pages-7.img",
  ]) {
    const p = join(corpusRoot, "images", scenario, n);
    if (existsSync(p)) out.set(n, statSync(p).size);
  }
  return out;
};
const verify = (scenario: string, cp: Map<string, Uint8Array>) =>
  verifyCheckpoint(memorySource(cp, { sizes: sizes(scenario, cp) })).problems;
const checks = (p: Problem[]) => p.map((x) => x.check);

// cpuinfo holds `criu cpuinfo dump` only: not a checkpoint.
const CHECKPOINTS = corpusScenarios().filter((s) => s !== "cpuinfo");

describe("verifyCheckpoint", () => {
  it.each(CHECKPOINTS)("finds %s consistent", (scenario) => {
    expect(verify(scenario, corpusCheckpoint(scenario))).toEqual([]);
  });

  it("an image cut short: parse", () => {
    const cp = corpusCheckpoint("tcp4");
    cp.set("files.img", (cp.get("files.img") as Uint8Array).subarray(0, 100));
    const p = verify("tcp4", cp);
    expect(p.find((x) => x.check === "parse")).toMatchObject({ image: "files.img" });
  });

  it("ids naming a missing fdinfo image, and an fdinfo entry of the wrong type or a missing file", () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"IDS">(cp, "ids-11205.img", (img) => {
      img.entries[0]!.filesId = 77;
    });
    expect(verify("tcp4", cp).find((x) => x.check === "ids")).toMatchObject({ image: "ids-11205.img", entry: 0 });
    const cp2 = corpusCheckpoint("tcp4");
    editImage<"FDINFO">(cp2, "fdinfo-3.img", (img) => {
      img.entries[3]!.type = 1; // says REG, files.img says INETSK
      img.entries[0]!.id = 999;
    });
    const p = verify("tcp4", cp2).filter((x) => x.check === "fdinfo");
    expect(p.map((x) => x.entry).sort()).toEqual([0, 3]);
    expect(p.find((x) => x.entry === 3)?.message).toMatch(/is REG but files.img entry 10 is INETSK/);
  });

  it("an established socket without its tcp-stream image", () => {
    const cp = corpusCheckpoint("tcp4");
    cp.delete("tcp-stream-50cf3.img");
    expect(verify("tcp4", cp).find((x) => x.check === "tcp-stream")?.message).toMatch(/has no tcp-stream-50cf3\.img/);
  });

  it("pagemaps that do not match the size of their pages image", () => {
    const cp = corpusCheckpoint("tcp4");
    const s = sizes("tcp4", cp);
    s.set("pages-1.img", (s.get("pages-1.img") as number) - 4096);
    expect(checks(verifyCheckpoint(memorySource(cp, { sizes: s })).problems)).toEqual(["pages"]);
    s.delete("pages-1.img");
    expect(verifyCheckpoint(memorySource(cp, { sizes: s })).problems[0]?.message).toMatch(
      /pages-1\.img, which is missing/,
    );
  });

  it("a task without its core or mm, and a bad inventory", () => {
    const cp = corpusCheckpoint("many-fds");
    cp.delete("core-11674.img"); // a thread
    cp.delete("mm-11672.img");
    const p = verify("many-fds", cp).filter((x) => x.check === "tasks");
    expect(p.map((x) => x.message).sort()).toEqual([
      "task 11672 has no mm-11672.img",
      "task 11673: thread 11674 has no core-11674.img",
    ]);
    const cp2 = corpusCheckpoint("simple");
    editImage<"INVENTORY">(cp2, "inventory.img", (img) => {
      img.entries[0]!.imgVersion = 1;
    });
    expect(verify("simple", cp2)).toMatchObject([{ image: "inventory.img", check: "inventory" }]);
  });

  it("criu-image verify: exit 0 when consistent, 1 with one line per problem", async () => {
    const ok = await runCli(["verify", join(corpusRoot, "images", "netns")]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.toString()).toMatch(/consistent/);
    const bad = await runCli(["verify", join(corpusRoot, "images", "cpuinfo"), "--json"]);
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout.toString()).problems.map((p: Problem) => p.check)).toEqual(["inventory"]);
  });
});
