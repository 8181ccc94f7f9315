/**
 * inspect of an archive of the 10k-connection, 256 MiB-pages checkpoint:
 * one streaming pass, no temporary file, peak RSS (the goal: under 128 MiB).
 *
 *   npm run build && npx tsx bench/inspect-archive.ts
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { bigCheckpoint } from "./checkpoint.js";

const here = dirname(fileURLToPath(import.meta.url));
const out = join(here, "out");
mkdirSync(out, { recursive: true });

/** Peak RSS (MiB, the highest of `runs`), seconds (median) and temp files made, for `inspect --all --json` of the archive. */
export function inspectArchive(runs = 3): { peakMiB: number; seconds: number; tempFiles: number; archiveMiB: number } {
  const all = Array.from({ length: runs }, () => inspectOnce());
  const seconds = all.map((r) => r.seconds).sort((a, b) => a - b)[Math.floor(runs / 2)] as number;
  return {
    peakMiB: Math.max(...all.map((r) => r.peakMiB)),
    seconds,
    tempFiles: Math.max(...all.map((r) => r.tempFiles)),
    archiveMiB: all[0]?.archiveMiB as number,
  };
}

function inspectOnce(): { peakMiB: number; seconds: number; tempFiles: number; archiveMiB: number } {
  const dir = join(out, "big-inspect");
  const tar = join(out, "big.tar.zst");
  if (!existsSync(tar)) {
    bigCheckpoint(dir, 10_000, 256);
    execFileSync("sh", [
      "-c",
      `tar cf - -C ${JSON.stringify(out)} big-inspect | zstd -q -1 -f -o ${JSON.stringify(tar)}`,
    ]);
    rmSync(dir, { recursive: true, force: true });
  }
  const tmp = mkdtempSync(join(tmpdir(), "criu-image-bench-tmp-"));
  const t = performance.now();
  const r = spawnSync(
    "/usr/bin/time",
    ["-v", process.execPath, join(here, "..", "dist", "cli.js"), "inspect", tar, "--all", "--json"],
    {
      env: { ...process.env, TMPDIR: tmp },
      maxBuffer: 1 << 30,
    },
  );
  const seconds = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`inspect failed: ${r.stderr.toString()}`);
  const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr.toString())?.[1]);
  const tempFiles = readdirSync(tmp).length;
  rmSync(tmp, { recursive: true, force: true });
  const archiveMiB = Number(execFileSync("stat", ["-c", "%s", tar]).toString()) / 2 ** 20;
  return { peakMiB: kb / 1024, seconds, tempFiles, archiveMiB };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const r = inspectArchive();
  console.log(
    `inspect --all --json of a ${r.archiveMiB.toFixed(1)} MiB tar.zst (10k connections, 256 MiB pages), 3 runs: ${r.seconds.toFixed(2)} s (median), peak RSS ${r.peakMiB.toFixed(0)} MiB (highest), ${r.tempFiles} temp files`,
  );
}
