/** `coredump`: ELF core files of a checkpoint's processes, written atomically. Formatting only. */
import { join } from "node:path";
import { coreDump, coreTasks } from "../coredump/core.js";
import { writeFileAtomic } from "../node/atomic.js";
import { mappedFilesUnder } from "../node/mapped-files.js";
import { openForMemory } from "./checkpoint.js";
import { warn, writeStdout } from "./io.js";
import { writeJson } from "./json-out.js";
import { Progress } from "./progress.js";
import { NothingMatched, UsageError } from "./usage.js";

const mib = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;

export async function coredumpCmd(a: {
  path: string;
  pid?: string[];
  out?: string;
  root?: string;
  json?: boolean;
}): Promise<void> {
  const pids = (a.pid ?? []).map((p) => {
    if (!/^\d+$/.test(p)) throw new UsageError(`coredump: --pid takes a process id, not "${p}"`, "coredump");
    return Number(p);
  });
  const cp = await openForMemory(a.path);
  const tasks = coreTasks(cp);
  for (const p of pids)
    if (!tasks.some((t) => t.pid === p))
      throw new NothingMatched(`no task ${p} in ${cp.label} (tasks: ${tasks.map((t) => t.pid).join(", ") || "none"})`);
  const chosen = pids.length ? tasks.filter((t) => pids.includes(t.pid)) : tasks;
  const files = a.root === undefined ? undefined : mappedFilesUnder(a.root);
  const dir = a.out ?? ".";
  const report = [];
  for (const t of chosen) {
    if (!t.core) {
      warn(`${t.pid}: no core: ${t.reason}`);
      report.push({ pid: t.pid, file: null, reason: t.reason });
      continue;
    }
    const core = await coreDump(cp, t.pid, files ? { files } : {});
    const file = join(dir, `core.${t.pid}`);
    const progress = new Progress(`writing ${file}`, { total: core.size });
    let done = 0;
    const chunks = (async function* () {
      for await (const c of core.chunks()) {
        done += c.length;
        progress.update(done);
        yield c;
      }
    })();
    try {
      await writeFileAtomic(file, chunks, { chunksKept: true });
    } finally {
      progress.done();
    }
    report.push({
      pid: t.pid,
      file,
      bytes: core.size,
      threads: core.threads,
      segments: core.segments,
      zeroPages: core.zeroPages,
      filePages: core.filePages,
      omittedPages: core.omittedPages,
      warnings: core.warnings,
    });
    if (a.json) continue;
    const parts = [`${core.threads.length} thread${core.threads.length === 1 ? "" : "s"}`, `${core.segments} segments`];
    if (core.zeroPages) parts.push(`${core.zeroPages} pages never dumped written as zeros`);
    if (core.filePages) parts.push(`${core.filePages} file pages read from ${a.root}`);
    if (core.omittedPages)
      parts.push(
        `${core.omittedPages} file pages left out (${a.root === undefined ? "give --root" : "not under --root"})`,
      );
    await writeStdout(`${file}: ${mib(core.size)}, ${parts.join(", ")}\n`);
    for (const w of core.warnings) warn(`${file}: ${w}`);
  }
  if (a.json) await writeJson(report);
  if (!report.some((r) => r.file)) throw new NothingMatched("no process of this checkpoint has a core");
}
