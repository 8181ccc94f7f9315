/** tcp list of 150,000 sockets: the rows are streamed, never spread from one huge array (npm run test:stress). */
import { cpSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { inetskFilesImage } from "../../bench/generate.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

const work = mkdtempSync(join(tmpdir(), "criu-image-stress-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe("tcp list output", () => {
  it("prints a table of 150,000 sockets, and their JSON", async () => {
    const d = join(work, "big");
    cpSync(join(corpusRoot, "images", "tcp4"), d, { recursive: true, verbatimSymlinks: true });
    writeFileSync(join(d, "files.img"), inetskFilesImage(150_000));
    const r = await runCli(["tcp", "list", d]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString().split("\n").length).toBe(150_000 + 2);
    const j = await runCli(["tcp", "list", d, "--json"]);
    expect(JSON.parse(j.stdout.toString())).toHaveLength(150_000);
  }, 300_000);
});
