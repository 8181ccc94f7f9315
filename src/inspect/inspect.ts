/**
 * A whole checkpoint as its user sees it: one plain object with processes,
 * sockets, mounts, namespaces, the container and the dump statistics. The
 * CLI only formats it.
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { type ContainerView, container, metadataNotes } from "./container.js";
import { type MountView, mounts } from "./mounts.js";
import { type NamespacesView, namespaces } from "./namespaces.js";
import { type ProcessView, processes } from "./processes.js";
import { type LazySocketsView, lazySockets, type SocketsView } from "./sockets.js";
import { dumpStats, type StatsView } from "./stats.js";

/** Everything `inspectCheckpoint` found, as plain data (the CLI's `inspect --json` prints it). */
export interface InspectReport {
  /** What was inspected (a path, "stdin", "memory"). */
  source: string;
  kind: "dump" | "pre-dump" | "images";
  criu: { imgVersion: number | null; dumpedWith: string | null; parent: string | null };
  container: ContainerView | null;
  processes: ProcessView[];
  sockets: SocketsView;
  mounts: MountView[];
  namespaces: NamespacesView;
  stats: StatsView | null;
  /** What could not be read, and why. */
  notes: string[];
}

/** Options of `inspectCheckpoint`. */
export interface InspectOptions {
  /** Read cmdline and environment from process memory (default true). */
  memory?: boolean;
  /** Only these processes. */
  pids?: number[];
}

/** Builds every view of a checkpoint: processes (cmdline and env from memory), files, sockets, mounts, namespaces, container and dump statistics. */
export async function inspectCheckpoint(cp: Checkpoint, options: InspectOptions = {}): Promise<InspectReport> {
  const r = await lazyInspect(cp, options);
  return { ...r, sockets: { ...r.sockets, inet: [...r.sockets.inet] } };
}

/** The report with its inet sockets still to be read (see lazySockets): what `inspect --json` writes one socket at a time. */
export type LazyInspectReport = Omit<InspectReport, "sockets"> & { sockets: LazySocketsView };

/** inspectCheckpoint, with the inet sockets read as they are iterated. */
export async function lazyInspect(cp: Checkpoint, options: InspectOptions = {}): Promise<LazyInspectReport> {
  const inv = cp.inventory();
  const procs = await processes(cp, options);
  const notes = procs
    .filter((p) => p.memoryNote && p.state !== "zombie")
    .map((p) => `task ${p.pid}: cmdline/env unknown: ${p.memoryNote}`);
  notes.push(...metadataNotes(cp));
  for (const n of cp.source.notes) notes.push(`${n.file ? `${n.file}: ` : ""}${n.message}`);
  for (const u of cp.source.unsafe ?? [])
    notes.push(`unsafe archive member ${JSON.stringify(u.name)}: ${u.reason}; not read`);
  return {
    source: cp.label,
    kind: cp.dumpKind(),
    criu: {
      imgVersion: inv?.imgVersion ?? null,
      dumpedWith: inv && Object.hasOwn(inv, "dumpCriuRunId") ? `run ${inv.dumpCriuRunId}` : null,
      parent: cp.source.parentLink ?? null,
    },
    container: container(cp),
    processes: procs,
    sockets: lazySockets(cp),
    mounts: mounts(cp),
    namespaces: namespaces(cp),
    stats: dumpStats(cp),
    notes,
  };
}
