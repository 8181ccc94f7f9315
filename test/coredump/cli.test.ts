/**
 * `criu-image coredump` on every kind of input (folder, archive, stdin),
 * with --pid, -o, --root and --json, and MappedFiles' confinement to the
 * root it is given.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { mappedFilesUnder } from "../../src/node/index.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";

const memory = join(corpusRoot, "images", "memory");
const archive = join(corpusRoot, "archives", "podman-web.tar.zst");
// Every folder a test writes cores into, removed at the end: a core of the memory dump is 65 MB.
const made: string[] = [];
const fresh = () => {
  const dir = mkdtempSync(join(tmpdir(), "criu-image-coredump-"));
  made.push(dir);
  return dir;
};
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

const gdb = (core: string, ...commands: string[]) =>
  spawnSync("gdb", ["-nx", "-batch", "-c", core, ...commands.flatMap((c) => ["-ex", c])], { encoding: "utf8" });

describe("criu-image coredump", () => {
  it("writes core.PID for every process of a folder, says what each holds, and gdb opens them", async () => {
    const out = fresh();
    const r = await runCli(["coredump", memory, "-o", out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(["core.29313", "core.29316"]);
    const lines = r.stdout.toString().trim().split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(
      new RegExp(
        `^${join(out, "core.29313")}: [\\d.]+ MiB, 1 thread, \\d+ segments, \\d+ pages never dumped written as zeros, \\d+ file pages left out \\(give --root\\)$`,
      ),
    );
    const g = gdb(join(out, "core.29316"), "info threads");
    expect(g.stdout).toContain("LWP 29316");
  });

  it("--pid selects; a task that is not there is exit 1 with the tasks named; --json reports each core", async () => {
    const out = fresh();
    const r = await runCli(["coredump", memory, "-o", out, "--pid", "29316", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout.toString());
    expect(report).toHaveLength(1);
    expect(report[0]).toMatchObject({ pid: 29316, file: join(out, "core.29316"), threads: [29316], warnings: [] });
    expect(report[0].bytes).toBe(readFileSync(join(out, "core.29316")).length);
    expect(readdirSync(out)).toEqual(["core.29316"]);
    const none = await runCli(["coredump", memory, "-o", out, "--pid", "1"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no task 1 in .* \(tasks: 29313, 29316\)/);
    const bad = await runCli(["coredump", memory, "--pid", "x"]);
    expect(bad.code).toBe(2);
  });

  it("an archive and an archive on stdin give the same cores", async () => {
    const a = fresh();
    const b = fresh();
    expect((await runCli(["coredump", archive, "-o", a])).code).toBe(0);
    const r = await runCli(["coredump", "-", "-o", b], readFileSync(archive));
    expect(r.code, r.stderr).toBe(0);
    const names = readdirSync(a).sort();
    expect(names.length).toBeGreaterThan(0);
    expect(readdirSync(b).sort()).toEqual(names);
    for (const n of names) expect(readFileSync(join(a, n)).equals(readFileSync(join(b, n))), n).toBe(true);
    expect(gdb(join(a, names[0] as string), "info proc mappings").stdout).toContain("/bin/busybox");
  });

  it("--root fills file-backed pages the checkpoint does not hold from the copy of the file", async () => {
    // MARK-FILE-alpha's mapping (corpus README): a 4-page private file mapping at 0x7f58bc160000 whose page 0
    // was only read, so the checkpoint does not hold it; page 1 holds the marker.
    const root = fresh();
    const file = join(root, "srv", "ckpt", "work", "memory");
    mkdirSync(file, { recursive: true });
    writeFileSync(join(file, "filemap.dat"), Buffer.alloc(4 * 4096, "R"));
    const without = fresh();
    const withRoot = fresh();
    expect((await runCli(["coredump", memory, "-o", without, "--pid", "29313"])).code).toBe(0);
    const r = await runCli(["coredump", memory, "-o", withRoot, "--pid", "29313", "--root", root]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(/ 3 file pages read from /);
    const a = gdb(join(without, "core.29313"), "x/s 0x7f58bc160000", "x/s 0x7f58bc161358");
    // Left out of the file (p_filesz 0): gdb shows the zeros of memory past p_filesz, or the file if it has it.
    expect(a.stdout).toMatch(/0x7f58bc160000:\s+""/);
    expect(a.stdout).toMatch(/0x7f58bc161358:\s+"MARK-FILE-alpha"/);
    const b = gdb(join(withRoot, "core.29313"), "x/4c 0x7f58bc160000", "x/s 0x7f58bc161358");
    expect(b.stdout).toMatch(/0x7f58bc160000:\s+82 'R'\s+82 'R'\s+82 'R'\s+82 'R'/);
    expect(b.stdout).toMatch(/0x7f58bc161358:\s+"MARK-FILE-alpha"/);
  });
});

describe("mappedFilesUnder", () => {
  it("reads files under the root only, and reports missing, escaping and non-regular paths as absent", async () => {
    const root = fresh();
    mkdirSync(join(root, "lib"));
    writeFileSync(join(root, "lib", "a.so"), "0123456789");
    const f = mappedFilesUnder(root);
    expect(await f.size("/lib/a.so")).toBe(10);
    expect(new TextDecoder().decode(await f.read("/lib/a.so", 4, 3))).toBe("456");
    expect(new TextDecoder().decode(await f.read("/lib/a.so", 8, 10))).toBe("89");
    expect(await f.size("/lib/none.so")).toBeUndefined();
    expect(await f.size("/lib")).toBeUndefined();
    expect(await f.size("/../../etc/passwd")).toBeUndefined();
    expect(await f.size("/")).toBeUndefined();
    expect((await f.read("/../../etc/passwd", 0, 4)).length).toBe(0);
    // The whole host as the root.
    expect(await mappedFilesUnder("/").size("/etc/passwd")).toBeGreaterThan(0);
  });
});
