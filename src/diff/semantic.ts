/**
 * What changed for the user: processes, their cmdline, environment, creds
 * and files, sockets, VMAs, mounts and namespaces, compared by key on the
 * inspect views.
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { inspectCheckpoint } from "../inspect/inspect.js";
import { pageSizeOf, vmasOf } from "../memory/read.js";
import { diffValues, type FieldChange } from "./values.js";

/** What a semantic change is about. */
export type SemanticKind = "process" | "fd" | "socket" | "vma" | "mount" | "namespace" | "container";

/** A change seen as its user sees it: a process, fd, socket, VMA, mount, namespace or container. */
export interface SemanticChange {
  what: SemanticKind;
  change: "added" | "removed" | "changed";
  /** What it is: "process 29313", "fd 3 of 29313", "tcp socket 10", "vma 0x7f…-0x7f… of 29313". */
  key: string;
  fields: FieldChange[];
}

const json = (v: unknown) => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? String(x) : x)));

function compare<T>(what: SemanticKind, a: Map<string, T>, b: Map<string, T>, out: SemanticChange[]): void {
  for (const [key, x] of a) {
    const y = b.get(key);
    if (y === undefined) {
      out.push({ what, change: "removed", key, fields: [] });
      continue;
    }
    const fields: FieldChange[] = [];
    diffValues(json(x), json(y), "", fields);
    if (fields.length > 0) out.push({ what, change: "changed", key, fields });
  }
  for (const key of b.keys()) if (!a.has(key)) out.push({ what, change: "added", key, fields: [] });
}

/** The semantic differences of two checkpoints. */
export async function diffSemantic(a: Checkpoint, b: Checkpoint): Promise<SemanticChange[]> {
  const [ra, rb] = [await inspectCheckpoint(a), await inspectCheckpoint(b)];
  const out: SemanticChange[] = [];
  const procs = (r: typeof ra) =>
    new Map(r.processes.map(({ fds: _fds, memoryNote: _n, ...p }) => [`process ${p.pid}`, p]));
  compare("process", procs(ra), procs(rb), out);
  const fds = (r: typeof ra) =>
    new Map(r.processes.flatMap((p) => p.fds.map((f) => [`fd ${f.fd} of ${p.pid}`, f] as const)));
  compare("fd", fds(ra), fds(rb), out);
  const socks = (r: typeof ra) =>
    new Map<string, unknown>([
      ...r.sockets.inet.map((s) => [`${s.kind} socket ${s.id}`, s] as const),
      ...r.sockets.unix.map((s) => [`unix socket ${s.id}`, s] as const),
      ...r.sockets.netlink.map((s) => [`netlink socket ${s.id}`, s] as const),
      ...r.sockets.packet.map((s) => [`packet socket ${s.id}`, s] as const),
    ]);
  compare("socket", socks(ra), socks(rb), out);
  const vmas = (cp: Checkpoint) => {
    const ps = pageSizeOf(cp);
    return new Map(
      cp.tasks().flatMap((t) =>
        vmasOf(cp, t.pid, ps).map((v) => {
          const { pages: _p, ...rest } = v;
          return [`vma 0x${v.start.toString(16)}-0x${v.end.toString(16)} of ${t.pid}`, rest] as const;
        }),
      ),
    );
  };
  compare("vma", vmas(a), vmas(b), out);
  compare(
    "mount",
    new Map(ra.mounts.map((m) => [`mount ${m.id} (ns ${m.ns})`, m])),
    new Map(rb.mounts.map((m) => [`mount ${m.id} (ns ${m.ns})`, m])),
    out,
  );
  const ns = (r: typeof ra) =>
    new Map<string, unknown>(
      Object.entries(r.namespaces).flatMap(([k, list]) =>
        Array.isArray(list)
          ? list.map(
              (x, i) =>
                [
                  `${k} namespace ${typeof x === "object" && x && "id" in x ? (x as { id: number }).id : i}`,
                  x,
                ] as const,
            )
          : [],
      ),
    );
  compare("namespace", ns(ra), ns(rb), out);
  compare(
    "container",
    new Map(ra.container ? [["container", ra.container]] : []),
    new Map(rb.container ? [["container", rb.container]] : []),
    out,
  );
  return out;
}
