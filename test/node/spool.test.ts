/**
 * Pages spooled from an archive for random access: bounded in all, and
 * removed on every way the process ends, a signal included.
 */
import { execFileSync, spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusRoot } from "../helpers/corpus.js";
import { tempDirPerTest } from "../helpers/temp-dir.js";

const root = resolve(__dirname, "..", "..");

describe("spooled pages", () => {
  let dir = "";
  tempDirPerTest("criu-image-spool-test-", (d) => {
    dir = d;
  });

  function archive(): string {
    const tar = join(dir, "memory.tar");
    execFileSync("tar", ["cf", tar, "-C", join(corpusRoot, "images", "memory"), "."]);
    return tar;
  }

  it("are refused past the spool limit with the member and the limit named", async () => {
    const e = await openCheckpoint(archive(), { pages: () => "spool", spoolLimit: 100_000 }).then(
      () => undefined,
      (x: unknown) => x,
    );
    expect((e as { code?: string }).code).toBe("TOO_LARGE");
    expect((e as Error).message).toMatch(
      /pages-\d\.img needs \d+ bytes of temporary space .* over the 100000-byte spool limit/,
    );
    const ok = await openCheckpoint(archive(), { pages: () => "spool" });
    expect(ok.size("pages-2.img")).toBe(151552);
  });

  it("are removed when the process is ended by SIGTERM", async () => {
    const tar = archive();
    const script = join(dir, "child.mts");
    mkdirSync(dirname(script), { recursive: true });
    writeFileSync(
      script,
      `import { openCheckpoint } from ${JSON.stringify(join(root, "src", "node", "index.ts"))};
import { readdirSync } from "node:fs";
import { tmpdir } from "node:os";
const spools = () => readdirSync(tmpdir()).filter((d) => d.startsWith("criu-image-spool-"));
const before = new Set(spools());
await openCheckpoint(${JSON.stringify(tar)}, { pages: () => "spool" });
console.log(spools().filter((d) => !before.has(d)).join(" "));
setInterval(() => {}, 1000);
`,
    );
    // One process (node with tsx's loader), so that the signal reaches the code that spooled.
    const child = spawn(process.execPath, ["--import", "tsx", script], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    const line = await new Promise<string>((res) => child.stdout.once("data", (b) => res(String(b).trim())));
    const made = line.split(" ").map((d) => join(tmpdir(), d));
    // The memory dump has three pages files, each spooled to a folder of its own.
    expect(made).toHaveLength(3);
    for (const d of made) expect(existsSync(d)).toBe(true);
    const ended = new Promise<NodeJS.Signals | null>((res) => child.once("exit", (_code, signal) => res(signal)));
    child.kill("SIGTERM");
    expect(await ended).toBe("SIGTERM");
    for (const d of made) expect(existsSync(d), d).toBe(false);
  }, 30_000);
});
