/**
 * verify hands problems on as it finds them: a checkpoint whose 27,000
 * established sockets lack their streams is 27,000 problems, which the
 * library streams (the first arrives before the others are looked for) and
 * the CLI summarises per kind in text and lists whole in --json.
 */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inetskFilesImage } from "../../bench/generate.js";
import { SHOWN_PER_CHECK } from "../../src/cli/verify.js";
import { openCheckpoint } from "../../src/node/index.js";
import { verifyCheckpoint, verifyProblems } from "../../src/verify/index.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

const SOCKETS = 30_000;
// Every tenth is a listener (bench/generate.ts); the others are established, without a stream.
const MISSING = SOCKETS - SOCKETS / 10;
let dir: string;
beforeAll(() => {
  dir = join(mkdtempSync(join(tmpdir(), "criu-image-verify-")), "ck");
  cpSync(join(corpusRoot, "images", "tcp4"), dir, { recursive: true });
  rmSync(join(dir, "tcp-stream-50ba6.img"), { force: true });
  writeFileSync(join(dir, "files.img"), inetskFilesImage(SOCKETS));
});
afterAll(() => rmSync(join(dir, ".."), { recursive: true, force: true }));

describe("verify with many problems", () => {
  it("streams them: the first tcp-stream problem comes before the other sockets are looked at", async () => {
    const cp = await openCheckpoint(dir);
    let asked = 0;
    const has = cp.has.bind(cp);
    cp.has = (name: string) => {
      if (name.startsWith("tcp-stream-")) asked++;
      return has(name);
    };
    const run = verifyProblems(cp);
    let first = run.next();
    while (!first.done && first.value.check !== "tcp-stream") first = run.next();
    expect(first.done).toBe(false);
    expect(asked).toBeLessThanOrEqual(2);
    let n = 1;
    for (let r = run.next(); !r.done; r = run.next()) if (r.value.check === "tcp-stream") n++;
    expect(n).toBe(MISSING);
    expect(asked).toBe(MISSING);
    // The whole report, as before.
    expect(verifyCheckpoint(cp).problems.filter((p) => p.check === "tcp-stream")).toHaveLength(MISSING);
  });

  it("the text shows the first of each kind and counts the rest; --json lists every one", async () => {
    const text = await runCli(["verify", dir]);
    expect(text.code).toBe(1);
    const lines = text.stdout.toString().trimEnd().split("\n");
    expect(lines.filter((l) => l.includes("[tcp-stream]"))).toHaveLength(SHOWN_PER_CHECK + 1);
    expect(lines).toContain(
      `… and ${MISSING - SHOWN_PER_CHECK} more [tcp-stream] problem(s); criu-image verify --json lists every one`,
    );
    expect(lines.at(-1)).toMatch(new RegExp(`^\\d+ problem\\(s\\) in ${dir}$`));
    const json = await runCli(["verify", dir, "--json"]);
    expect(json.code).toBe(1);
    const report = JSON.parse(json.stdout.toString());
    expect(Object.keys(report)).toEqual(["kind", "problems", "notes", "companions", "parents"]);
    expect(report.problems.filter((p: { check: string }) => p.check === "tcp-stream")).toHaveLength(MISSING);
    expect(Number(lines.at(-1)?.split(" ")[0])).toBe(report.problems.length);
    // The same text as JSON.stringify of the library's report.
    expect(json.stdout.toString()).toBe(`${JSON.stringify(verifyCheckpoint(await openCheckpoint(dir)), null, 2)}\n`);
  });
});
