/**
 * What every rule shares: the checkpoint, the host, and which namespaces
 * the checkpoint brings of its own. CRIU restores a namespace only when the
 * root task's differs from the one CRIU itself ran in at dump time
 * (inventory root_ids); otherwise the restored tasks live in the namespace
 * CRIU runs in on the target host, and so share its pids, addresses and
 * ports (criu/pstree.c, prepare_pstree_kobj_ids and get_clone_mask).
 */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { fd_types, type file_entry, type task_kobj_ids_entry } from "../gen/index.js";
import { filesByType } from "./files-of.js";
import type { HostFacts } from "./host.js";

/** Namespace kinds as task_kobj_ids_entry names their ids. */
export const NS_KINDS = ["pid", "net", "ipc", "uts", "mnt", "user", "cgroup", "time"] as const;

/** A namespace kind. */
export type NsKind = (typeof NS_KINDS)[number];

/** Everything a rule reads. */
export interface PreflightContext {
  cp: Checkpoint;
  host: HostFacts;
  /** The namespaces the checkpoint brings of its own (restored by CRIU, not shared with the host). */
  own: ReadonlySet<NsKind>;
  /** The root task's pid. */
  rootPid: number | undefined;
  /** The files.img entries of one fd_types type (inet sockets excepted), read once for all rules. */
  files(type: number): readonly file_entry[];
}

const ID_FIELD: Record<NsKind, keyof task_kobj_ids_entry> = {
  pid: "pidNsId",
  net: "netNsId",
  ipc: "ipcNsId",
  uts: "utsNsId",
  mnt: "mntNsId",
  user: "userNsId",
  cgroup: "cgroupNsId",
  time: "timeNsId",
};

/** The root task's ids: ids-<pid>.img, or core_entry.ids where older dumps keep them. */
export function taskIds(cp: Checkpoint, pid: number): task_kobj_ids_entry | undefined {
  const name = `ids-${pid}.img`;
  if (cp.has(name)) return cp.first(name, "IDS");
  const core = `core-${pid}.img`;
  return cp.has(core) ? cp.first(core, "CORE")?.ids : undefined;
}

/** Which namespaces the root task does not share with the CRIU that dumped it (cgroup is never restored as one). */
export function ownNamespaces(cp: Checkpoint): Set<NsKind> {
  const root = cp.tasks()[0];
  const rootIds = cp.inventory()?.rootIds;
  const ids = root ? taskIds(cp, root.pid) : undefined;
  const own = new Set<NsKind>();
  if (!ids || !rootIds) return own;
  for (const k of NS_KINDS) {
    if (k === "cgroup") continue;
    if ((ids[ID_FIELD[k]] ?? 0) !== (rootIds[ID_FIELD[k]] ?? 0)) own.add(k);
  }
  return own;
}

/** The context rules run in. */
export function preflightContext(cp: Checkpoint, host: HostFacts): PreflightContext {
  let byType: Map<number, file_entry[]> | undefined;
  return {
    cp,
    host,
    own: ownNamespaces(cp),
    rootPid: cp.tasks()[0]?.pid,
    files(type) {
      if (type === fd_types.INETSK) throw new Error("inet sockets are read by socketFields, not kept");
      byType ??= filesByType(cp, new Set([fd_types.INETSK]));
      return byType.get(type) ?? [];
    },
  };
}
