/**
 * Core files opened by gdb (batch mode, no executable given) and read by
 * readelf and eu-readelf, checked against the checkpoint's own images as
 * crit printed them: one core per live task; every thread with its
 * registers; every documented marker, including ones in pre-dump parent
 * pages and in shared memory; the file mappings; the auxiliary vector.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { coreDump, coreTasks } from "../../src/coredump/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusDumps } from "../helpers/corpus.js";
import { chainMarkers, type Marker, memoryMarkers } from "../helpers/markers.js";
import { withZombie } from "../helpers/zombie.js";

const work = mkdtempSync(join(tmpdir(), "criu-image-cores-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Writes the core of `pid` and returns its path. */
async function writeCore(cp: Checkpoint, pid: number, tag: string): Promise<string> {
  const c = await coreDump(cp, pid);
  const parts: Uint8Array[] = [];
  for await (const chunk of c.chunks()) parts.push(chunk);
  const bytes = Buffer.concat(parts);
  expect(bytes.length).toBe(c.size);
  const path = join(work, `${tag}-core.${pid}`);
  writeFileSync(path, bytes);
  return path;
}

/** gdb's output for commands run on a core, with no executable and no init files. */
function gdb(core: string, commands: string[]): string {
  const r = spawnSync("gdb", ["-nx", "-batch", "-c", core, ...commands.flatMap((c) => ["-ex", c])], {
    encoding: "utf8",
    timeout: 120_000,
  });
  if (r.status !== 0) throw new Error(`gdb failed: ${r.stderr}`);
  return `${r.stdout}\n${r.stderr}`;
}

// biome-ignore lint/suspicious/noExplicitAny: crit's JSON.
const golden = (crit: string, name: string): any =>
  JSON.parse(readFileSync(join(crit, `${name}.json`), "utf8").replace(/(?<=[:[,]\s*)(\d{16,})(?=\s*[,\]}])/g, '"$1"'));

/** The markers of a dump the README documents, with shared-memory offsets turned into addresses. */
function markersOf(scenario: string, crit: string): (Marker & { address: bigint })[] {
  const list = scenario === "memory" ? memoryMarkers() : scenario === "predump/2" ? chainMarkers() : [];
  const mems = readFileSync(join(crit, "x-mems.txt"), "utf8");
  const shmemStart = /^\t([0-9a-f]+)-[0-9a-f]+ +[r-][w-][x-] shmem\[/m.exec(mems)?.[1];
  return list.flatMap((m) => {
    if (m.address !== undefined) return [{ ...m, address: m.address }];
    if (m.shmemOffset !== undefined && shmemStart)
      return [{ ...m, address: BigInt(`0x${shmemStart}`) + m.shmemOffset }];
    return [];
  });
}

const SCENARIOS = ["memory", "many-fds", "predump/2", "mixed-sockets", "simple"];

describe("core files in gdb", () => {
  for (const d of corpusDumps().filter((x) => SCENARIOS.includes(x.scenario))) {
    it(`${d.scenario}: one core per live task; threads, registers, markers, mappings and auxv as the images say`, async () => {
      const cp = await openCheckpoint(d.dir);
      const pstree = golden(d.crit, "pstree.img").entries as { pid: number; threads: number[] }[];
      const tasks = coreTasks(cp);
      expect(tasks.filter((t) => t.core).map((t) => t.pid)).toEqual(pstree.map((t) => t.pid));
      const markers = markersOf(d.scenario, d.crit);
      const tag = d.scenario.replace("/", "-");
      for (const t of pstree) {
        const core = await writeCore(cp, t.pid, tag);
        const mine = markers.filter(
          (m) => m.task === "both" || m.task === String(t.pid) || (m.task === undefined && t.pid === pstree[0]?.pid),
        );
        const threads = t.threads.length ? t.threads : [t.pid];
        const out = gdb(core, [
          "info threads",
          ...threads.flatMap((_, i) => [`thread ${i + 1}`, "info registers rip rsp"]),
          "info proc mappings",
          "info auxv",
          ...mine.filter((m) => !m.utf16).map((m) => `x/s 0x${m.address.toString(16)}`),
        ]);
        expect(out).not.toMatch(/Unexpected size of section|malformed note|Cannot access memory/);
        // Every thread, as an LWP.
        for (const tid of threads) expect(out, `LWP ${tid}`).toContain(`LWP ${tid}`);
        // Each thread's registers as its core image holds them.
        const regs = [...out.matchAll(/^(rip|rsp) +(0x[0-9a-f]+)/gm)].map((m) => [m[1], BigInt(m[2] as string)]);
        const want = threads.flatMap((tid) => {
          const gp = golden(d.crit, `core-${tid}.img`).entries[0].thread_info.gpregs;
          return [
            ["rip", BigInt(gp.ip)],
            ["rsp", BigInt(gp.sp)],
          ];
        });
        expect(regs.map(([r, v]) => `${r}=${(v as bigint).toString(16)}`).sort()).toEqual(
          want.map(([r, v]) => `${r}=${(v as bigint).toString(16)}`).sort(),
        );
        // Markers, read by gdb from the core's memory.
        for (const m of mine.filter((x) => !x.utf16))
          expect(out, m.name).toMatch(new RegExp(`^0x0*${m.address.toString(16)}:\\s+"${m.name}"`, "m"));
        // File mappings: every file VMA crit x mems lists for this task.
        const files = [...readFileSync(join(d.crit, "x-mems.txt"), "utf8").split(/^(?=\d+$)/m)]
          .find((b) => b.startsWith(`${t.pid}\n`))
          ?.split("\n")
          .flatMap((l) => {
            const m = /^\t([0-9a-f]+)-([0-9a-f]+) +[r-][w-][x-] (\/\S+)/.exec(l);
            return m ? [m] : [];
          });
        expect(files?.length).toBeGreaterThan(0);
        for (const [, start, end, path] of files ?? [])
          expect(out).toMatch(new RegExp(`0x0*${start}\\s+0x0*${end}\\s+0x[0-9a-f]+\\s+0x[0-9a-f]+\\s+${path}`));
        expect(out).toMatch(/AT_PAGESZ\s+System page size\s+4096/);
        expect(out).toMatch(/AT_NULL\s+End of vector/);
        // readelf and eu-readelf read every note without a word of complaint.
        const r1 = spawnSync("readelf", ["-n", "-l", "-W", core], { encoding: "utf8" });
        expect(r1.status).toBe(0);
        expect(r1.stderr).toBe("");
        expect(r1.stdout).toContain("NT_X86_XSTATE");
        const r2 = spawnSync("eu-readelf", ["-n", "-l", core], { encoding: "utf8" });
        expect(r2.status).toBe(0);
        expect(r2.stderr).toBe("");
        expect(r2.stdout).not.toMatch(/invalid|unknown note/i);
      }
    });
  }

  it("a zombie gets no core, with the reason; the others do", async () => {
    const d = corpusDumps().find((x) => x.scenario === "simple");
    if (!d) throw new Error("no simple dump");
    const files = new Map<string, Uint8Array>();
    const cp0 = await openCheckpoint(d.dir);
    for (const n of cp0.source.files.keys()) files.set(n, cp0.file(n)?.bytes() as Uint8Array);
    const cp = Checkpoint.of(withZombie(files));
    const tasks = coreTasks(cp);
    expect(tasks.find((t) => !t.core)?.reason).toMatch(/zombie/);
    await expect(coreDump(cp, tasks.find((t) => !t.core)?.pid as number)).rejects.toThrow(/zombie/);
    expect(existsSync(await writeCore(cp, tasks[0]?.pid as number, "zombie"))).toBe(true);
  });

  it("gdb is installed (the CI installs it)", () => {
    expect(execFileSync("gdb", ["--version"]).toString()).toMatch(/GNU gdb/);
  });
});
