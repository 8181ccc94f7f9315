/**
 * Text from a checkpoint never reaches the terminal as control characters:
 * a process name with an ESC sequence, a newline or a bidi override is
 * escaped in every human output, and kept as it is in JSON.
 */
import { cpSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { displayText } from "../../src/index.js";
import { corpusCheckpoint, editImage } from "../helpers/checkpoints.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { tempDirPerTest } from "../helpers/temp-dir.js";

const EVIL = "evil\u001b[2J\nroot\u009b1m\u202eexe";
// Any C0 or C1 control, DEL, or bidi override: none may be printed raw (a tree's own newlines aside).
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe("control characters in human output", () => {
  let dir = "";
  tempDirPerTest("criu-image-ctl-", (d) => {
    dir = d;
  });

  it("displayText escapes them, and only them", () => {
    expect(displayText(EVIL)).toBe("evil\\x1b[2J\\nroot\\x9b1m\\u202eexe");
    expect(displayText("plain ünïcode/path 1")).toBe("plain ünïcode/path 1");
    expect(displayText(displayText(EVIL))).toBe(displayText(EVIL));
  });

  it("inspect, x ps, x fds and mem escape a hostile process name; inspect --json keeps it", async () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"CORE">(cp, "core-11205.img", (img) => {
      (img.entries[0]?.tc as { comm: string }).comm = EVIL;
    });
    const d = join(dir, "cp");
    cpSync(join(corpusRoot, "images", "tcp4"), d, { recursive: true });
    writeFileSync(join(d, "core-11205.img"), cp.get("core-11205.img") as Uint8Array);
    for (const args of [
      ["inspect", d],
      ["x", d, "ps"],
      ["mem", d],
    ]) {
      const r = await runCli(args);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      const text = r.stdout.toString();
      expect(text, args.join(" ")).toContain("evil\\x1b[2J\\nroot");
      for (const line of text.split("\n"))
        expect(RAW.test(line), `${args.join(" ")}: ${JSON.stringify(line)}`).toBe(false);
    }
    const json = JSON.parse((await runCli(["inspect", "--json", d])).stdout.toString());
    expect(json.processes.some((p: { comm: string }) => p.comm === EVIL)).toBe(true);
  });
});
