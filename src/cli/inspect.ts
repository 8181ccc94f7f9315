/** `inspect PATH|-`: the checkpoint as its user sees it, as a tree (or --json). Formatting only. */

import { displayEndpoint } from "../image/address.js";
import { displayText } from "../image/display.js";
import type { InspectReport } from "../inspect/inspect.js";
import { inspectCheckpoint, lazyInspect } from "../inspect/inspect.js";
import type { MountView } from "../inspect/mounts.js";
import { cmdlineAndEnvPages } from "../inspect/pages-policy.js";
import type { ProcessView } from "../inspect/processes.js";
import { open } from "./checkpoint.js";
import { writeStdout } from "./io.js";
import { writeJson } from "./json-out.js";
import { NothingMatched, UsageError } from "./usage.js";

export interface InspectArgs {
  path: string;
  "ps-tree"?: boolean;
  files?: boolean;
  env?: boolean;
  sockets?: boolean;
  mounts?: boolean;
  ns?: boolean;
  stats?: boolean;
  container?: boolean;
  all?: boolean;
  json?: boolean;
  pid?: string[];
}

/**
 * How wide a line may be: the terminal's width on a terminal (COLUMNS when
 * set), none in a pipe or file (whole lines, for grep and for the record).
 */
export function lineWidth(
  out: { isTTY?: boolean; columns?: number } = process.stdout,
  env: Record<string, string | undefined> = process.env,
): number {
  if (!out.isTTY) return Number.POSITIVE_INFINITY;
  const columns = Number(env.COLUMNS);
  return Number.isInteger(columns) && columns > 20 ? columns : (out.columns ?? 80);
}
/** A line cut to `width` columns, an ellipsis at its end. */
type Cut = (s: string) => string;
const cutTo =
  (width: number): Cut =>
  (s) =>
    s.length > width ? `${s.slice(0, width - 1)}…` : s;
const quote = (a: string) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`);

function processLines(p: ProcessView, a: InspectArgs, lead: string, last: boolean, out: string[]): void {
  const branch = lead === "" ? "" : last ? "└─ " : "├─ ";
  const threads = p.threads.length > 1 ? `, ${p.threads.length} threads` : "";
  out.push(
    `${lead}${branch}${p.pid} ${p.comm} [${p.state}${p.exitCode !== null ? `, exit ${p.exitCode}` : ""}${threads}]`,
  );
  const inner = lead + (lead === "" ? "   " : last ? "   " : "│  ");
  const line = (s: string) => out.push(`${inner}${s}`);
  if (p.cmdline) line(`cmdline: ${p.cmdline.map(quote).join(" ")}`);
  else if (p.state !== "zombie") line(`cmdline: unknown (${p.memoryNote ?? "not read"})`);
  if ((a.env || a.all) && p.env) for (const e of p.env) line(`env: ${e}`);
  if (a.files || a.all) {
    if (p.exe) line(`exe: ${p.exe}`);
    if (p.cwd) line(`cwd: ${p.cwd}`);
    if (p.root && p.root !== "/") line(`root: ${p.root}`);
    for (const f of p.fds) line(`fd ${f.fd}: ${f.description}`);
  }
  if (a.all && p.creds) {
    const c = p.creds;
    line(
      `uid ${c.uid} gid ${c.gid}, ${c.capabilities.effective.length} capabilities${p.seccomp ? `, seccomp ${p.seccomp.mode}` : ""}`,
    );
  }
}

function tree(procs: ProcessView[], a: InspectArgs, out: string[]): void {
  const kids = new Map<number, ProcessView[]>();
  const pids = new Set(procs.map((p) => p.pid));
  for (const p of procs) if (pids.has(p.ppid)) kids.set(p.ppid, [...(kids.get(p.ppid) ?? []), p]);
  const walk = (p: ProcessView, lead: string, last: boolean, depth: number) => {
    processLines(p, a, lead, last, out);
    const ks = kids.get(p.pid) ?? [];
    const next = depth === 0 ? "" : lead + (last ? "   " : "│  ");
    for (let i = 0; i < ks.length; i++)
      walk(ks[i] as ProcessView, depth === 0 ? " " : next, i === ks.length - 1, depth + 1);
  };
  for (const root of procs.filter((p) => !pids.has(p.ppid))) walk(root, "", true, 0);
}

function mountTree(mounts: MountView[], out: string[]): void {
  for (const ns of [...new Set(mounts.map((m) => m.ns))]) {
    const list = mounts.filter((m) => m.ns === ns);
    const ids = new Set(list.map((m) => m.id));
    out.push(`mount namespace ${ns}: ${list.length} mounts`);
    const kids = new Map<number, MountView[]>();
    for (const m of list)
      if (ids.has(m.parentId) && m.parentId !== m.id) kids.set(m.parentId, [...(kids.get(m.parentId) ?? []), m]);
    const walk = (m: MountView, depth: number) => {
      out.push(`${"  ".repeat(depth + 1)}${m.mountpoint} ${m.fstype} ${m.source}${m.external ? " (external)" : ""}`);
      for (const k of (kids.get(m.id) ?? []).sort((x, y) => (x.mountpoint < y.mountpoint ? -1 : 1))) walk(k, depth + 1);
    };
    for (const r of list.filter((m) => !ids.has(m.parentId) || m.parentId === m.id)) walk(r, 0);
  }
}

export function inspectText(r: InspectReport, a: InspectArgs, width = lineWidth()): string {
  const cut = cutTo(width);
  const out: string[] = [];
  const c = r.container;
  out.push(`${r.source}: ${r.kind}${c?.engine ? `, ${c.engine} container ${c.name ?? c.id ?? ""}` : ""}`);
  const all = a.all === true;
  if ((a.container || all) && c) {
    out.push("container:");
    out.push(`  id ${c.id ?? "?"}`);
    out.push(`  image ${c.image ?? "?"}, runtime ${c.runtime ?? "?"}`);
    out.push(`  created ${c.created ?? "?"}, checkpointed ${c.checkpointed ?? "?"}`);
    if (c.command) out.push(`  command ${c.command.map(quote).join(" ")}`);
    for (const n of c.network) out.push(`  ${n.interface} ${n.addresses.join(" ")}${n.mac ? ` (${n.mac})` : ""}`);
    if (c.rootfsDiffBytes !== null) out.push(`  rootfs-diff.tar ${c.rootfsDiffBytes} bytes`);
  }
  const psTree = a["ps-tree"] || all || !(a.sockets || a.mounts || a.ns || a.stats || a.container || a.files);
  if (psTree || a.files) {
    out.push("process tree:");
    tree(r.processes, a, out);
  }
  if (a.sockets || all) {
    const s = r.sockets;
    out.push(
      `sockets: ${s.inet.length} inet, ${s.unix.length} unix, ${s.netlink.length} netlink, ${s.packet.length} packet`,
    );
    const own = (o: { pid: number; fd: number }[]) => o.map((x) => `${x.pid}/${x.fd}`).join(" ") || "-";
    for (const i of s.inet) {
      const ep = (e: { address: string; port: number }) => displayEndpoint(e.address, e.port);
      out.push(`  ${i.kind} ${i.state} ${ep(i.local)} -> ${ep(i.remote)} ${own(i.owners)}`);
    }
    for (const u of s.unix)
      out.push(
        `  unix ${u.type} ${u.state} ${u.name || "-"} ino ${u.ino}${u.peer ? ` peer ${u.peer}` : ""}${u.queuedBytes ? `, ${u.queuedBytes} bytes queued` : ""} ${own(u.owners)}`,
      );
    for (const n of s.netlink) out.push(`  netlink protocol ${n.protocol} portid ${n.portid} ${own(n.owners)}`);
    for (const p of s.packet) out.push(`  packet type ${p.type} ifindex ${p.ifindex} ${own(p.owners)}`);
  }
  if (a.mounts || all) mountTree(r.mounts, out);
  if (a.ns || all) {
    const n = r.namespaces;
    for (const net of n.net) {
      out.push(`net namespace ${net.id}: ${net.devices.map((d) => `${d.name}${d.up ? "" : " (down)"}`).join(", ")}`);
      for (const ad of net.addresses ?? [])
        out.push(`  ${ad.label ?? `if ${ad.ifindex}`} ${ad.address}/${ad.prefixLength}`);
    }
    for (const u of n.uts) out.push(`uts namespace ${u.id}: hostname ${u.hostname}`);
    for (const i of n.ipc)
      out.push(`ipc namespace ${i.id}: ${i.sharedMemory} shm, ${i.semaphores} sem, ${i.messageQueues} msg`);
    for (const u of n.user)
      out.push(
        `user namespace ${u.id}: uid ${u.uidMap.map((m) => `${m.first}->${m.lowerFirst}+${m.count}`).join(" ")}`,
      );
    for (const t of n.time) out.push(`time namespace ${t.id}: monotonic +${t.monotonic}s, boottime +${t.boottime}s`);
  }
  if ((a.stats || all) && r.stats) {
    const s = r.stats;
    out.push(
      `dump statistics: frozen ${s.frozenTimeUs} µs, memory dump ${s.memdumpTimeUs} µs, write ${s.memwriteTimeUs} µs`,
    );
    out.push(
      `  pages: ${s.pagesScanned} scanned, ${s.pagesWritten} written, ${s.pagesSkippedParent} in parent, ${s.pagesLazy} lazy`,
    );
  }
  for (const n of r.notes) out.push(`note: ${n}`);
  // Names, command lines and paths come from the checkpoint: no control character reaches the terminal, and
  // every line, escapes and all, is cut to the width.
  return `${out.map((l) => cut(displayText(l))).join("\n")}\n`;
}

export async function inspect(a: InspectArgs): Promise<void> {
  const pids = (a.pid ?? []).map((p) => {
    if (!/^\d+$/.test(p)) throw new UsageError(`inspect: --pid ${p} is not a process id`, "inspect");
    return Number(p);
  });
  // One pass over an archive, keeping of the pages only what cmdline and env need.
  const cp = await open(a.path, true, { pages: cmdlineAndEnvPages });
  const known = new Set(cp.tasks().map((t) => t.pid));
  const missing = pids.filter((p) => !known.has(p));
  if (missing.length > 0)
    throw new NothingMatched(
      `no task ${missing.join(", ")} in ${cp.label} (tasks: ${[...known].join(", ") || "none"})`,
    );
  const options = pids.length ? { pids } : {};
  if (a.json) {
    // The inet sockets are read as they are written: one is held at a time, not 10k or a million.
    await writeJson(await lazyInspect(cp, options));
    return;
  }
  await writeStdout(inspectText(await inspectCheckpoint(cp, options), a));
}
