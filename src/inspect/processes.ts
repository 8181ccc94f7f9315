/** Processes as plain data: the tree, threads, creds, namespaces, limits, handlers, cmdline and environment. */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import type { TaskState } from "../checkpoint/tasks.js";
import type { core_entry, creds_entry } from "../gen/index.js";
import { decodeUtf8Lossless } from "../image/text-codec.js";
import { type MemoryRange, pageSizeOf, readMemory } from "../memory/read.js";
import { type FdView, FileTable, taskFds } from "./files.js";
import { capabilityNames, RLIMITS, signalName } from "./names.js";

/** One thread of a process. */
export interface ThreadView {
  tid: number;
  comm: string | null;
}

/** A task's credentials, with capabilities by name. */
export interface CredsView {
  uid: number;
  gid: number;
  euid: number;
  egid: number;
  suid: number;
  sgid: number;
  fsuid: number;
  fsgid: number;
  groups: number[];
  capabilities: {
    effective: string[];
    permitted: string[];
    inheritable: string[];
    bounding: string[];
    ambient: string[];
  };
  noNewPrivs: boolean | null;
  lsmProfile: string | null;
}

/** One process of the tree, with its threads, credentials, namespaces, files and (when read) cmdline and env. */
export interface ProcessView {
  pid: number;
  ppid: number;
  pgid: number;
  sid: number;
  comm: string;
  state: TaskState;
  exitCode: number | null;
  threads: ThreadView[];
  /** NUL-separated strings of mm_arg_start..mm_arg_end, read from memory; null when unknown. */
  cmdline: string[] | null;
  env: string[] | null;
  /** Why cmdline or env is null, when it is. */
  memoryNote: string | null;
  cwd: string | null;
  root: string | null;
  exe: string | null;
  creds: CredsView | null;
  seccomp: { mode: string; filter: number | null } | null;
  /** Namespace ids by kind (ids-<pid>.img). */
  namespaces: Record<string, number>;
  cgroupSet: number | null;
  rlimits: Record<string, { cur: string; max: string }>;
  /** Handled signals (not default, not ignored): name → handler address. */
  signalHandlers: Record<string, string>;
  fds: FdView[];
}

/** A proto2 optional field's value when it was set (unset ones read as defaults from the prototype). */
function own<T extends object, K extends keyof T>(o: T | undefined, k: K): T[K] | undefined {
  return o && Object.hasOwn(o, k) ? o[k] : undefined;
}

const UNLIMITED = 0xffffffffffffffffn;
const limit = (v: bigint) => (v === UNLIMITED ? "unlimited" : String(v));
const SECCOMP = ["disabled", "strict", "filter"];

function credsOf(c: creds_entry | undefined): CredsView | null {
  if (!c) return null;
  return {
    uid: c.uid,
    gid: c.gid,
    euid: c.euid,
    egid: c.egid,
    suid: c.suid,
    sgid: c.sgid,
    fsuid: c.fsuid,
    fsgid: c.fsgid,
    groups: [...c.groups],
    capabilities: {
      effective: capabilityNames(c.capEff),
      permitted: capabilityNames(c.capPrm),
      inheritable: capabilityNames(c.capInh),
      bounding: capabilityNames(c.capBnd),
      ambient: capabilityNames(c.capAmb),
    },
    noNewPrivs: Object.hasOwn(c, "noNewPrivs") ? c.noNewPrivs !== 0 : null,
    lsmProfile: Object.hasOwn(c, "lsmProfile") ? c.lsmProfile : null,
  };
}

/** NUL-terminated strings of a memory range; null with a reason when any byte is unknown. */
async function strings(
  cp: Checkpoint,
  pid: number,
  start: bigint,
  end: bigint,
  pageSize: number,
): Promise<{ list: string[] | null; why: string | null }> {
  if (end < start) return { list: null, why: "the range ends before it starts" };
  if (end === start) return { list: [], why: null };
  if (end - start > 1n << 24n) return { list: null, why: `range of ${end - start} bytes is not plausible` };
  let read: { bytes: Uint8Array; unknown: MemoryRange[] };
  try {
    read = await readMemory(cp, pid, start, Number(end - start), { pageSize });
  } catch (e) {
    return { list: null, why: (e as Error).message };
  }
  if (read.unknown.length > 0) {
    const u = read.unknown[0] as MemoryRange;
    return { list: null, why: `bytes 0x${u.start.toString(16)}-0x${u.end.toString(16)} were not dumped` };
  }
  const parts = decodeUtf8Lossless(read.bytes).split("\0");
  if (parts[parts.length - 1] === "") parts.pop();
  return { list: parts, why: null };
}

/** Signals in the order CRIU lists their actions: 1 to 64 without SIGKILL and SIGSTOP (sigact.c). */
const SIGACTION_SIGNALS = Array.from({ length: 64 }, (_, i) => i + 1).filter((n) => n !== 9 && n !== 19);

const NS_FIELDS = [
  "pidNsId",
  "netNsId",
  "ipcNsId",
  "utsNsId",
  "mntNsId",
  "userNsId",
  "cgroupNsId",
  "timeNsId",
] as const;

/** Every task of the checkpoint as a ProcessView, in pstree order. */
export async function processes(
  cp: Checkpoint,
  options: { memory?: boolean; pids?: number[] } = {},
): Promise<ProcessView[]> {
  const table = new FileTable(cp);
  const pageSize = pageSizeOf(cp);
  const out: ProcessView[] = [];
  for (const t of cp.tasks()) {
    if (options.pids && !options.pids.includes(t.pid)) continue;
    const coreName = `core-${t.pid}.img`;
    // first() of an image the checkpoint lacks is undefined: a zombie has no mm, fs or ids image, old dumps no ids.
    const core: core_entry | undefined = cp.first(coreName, "CORE");
    const state = cp.taskState(t.pid);
    const zombie = state === "zombie";
    const tc = core?.tc;
    const threads: ThreadView[] = (zombie ? [t.pid] : t.threads.length ? t.threads : [t.pid]).map((tid) => {
      const tcore = tid === t.pid ? core : cp.first(`core-${tid}.img`, "CORE");
      return { tid, comm: own(tcore?.threadCore, "comm") ?? (tid === t.pid ? (tc?.comm ?? null) : null) };
    });
    const mm = cp.first(`mm-${t.pid}.img`, "MM");
    let cmdline: string[] | null = null;
    let env: string[] | null = null;
    let memoryNote: string | null = zombie ? "a zombie has no memory" : mm ? null : "no mm image";
    if (mm && options.memory !== false) {
      const a = await strings(cp, t.pid, mm.mmArgStart, mm.mmArgEnd, pageSize);
      const e = await strings(cp, t.pid, mm.mmEnvStart, mm.mmEnvEnd, pageSize);
      cmdline = a.list;
      env = e.list;
      memoryNote = a.why ?? e.why;
    } else if (mm) memoryNote = "memory not read";
    const fs = cp.first(`fs-${t.pid}.img`, "FS");
    const ids = cp.first(`ids-${t.pid}.img`, "IDS");
    const namespaces: Record<string, number> = {};
    for (const f of NS_FIELDS) if (ids && Object.hasOwn(ids, f)) namespaces[f.replace(/NsId$/, "")] = ids[f] as number;
    const thread = core?.threadCore;
    const legacyCreds = cp.first(`creds-${t.pid}.img`, "CREDS");
    const seccompMode = own(thread, "seccompMode") ?? own(tc, "oldSeccompMode");
    const rlimits: Record<string, { cur: string; max: string }> = {};
    (tc?.rlimits?.rlimits ?? []).forEach((r, i) => {
      rlimits[RLIMITS[i] ?? `RLIMIT_${i}`] = { cur: limit(r.cur), max: limit(r.max) };
    });
    // Older dumps keep signal actions in sigacts-<pid>.img (one entry per signal), not in the core.
    const sigactions = tc?.sigactions?.length
      ? tc.sigactions
      : (cp.kind(`sigacts-${t.pid}.img`, "SIGACT")?.entries ?? []);
    const signalHandlers: Record<string, string> = {};
    sigactions.forEach((sa, i) => {
      // SIG_DFL is 0 and SIG_IGN 1: only real handlers are listed.
      if (sa.sigaction > 1n)
        signalHandlers[signalName(SIGACTION_SIGNALS[i] ?? i + 1)] = `0x${sa.sigaction.toString(16)}`;
    });
    out.push({
      pid: t.pid,
      ppid: t.ppid,
      pgid: t.pgid,
      sid: t.sid,
      comm: tc?.comm ?? "",
      state,
      exitCode: zombie ? (tc?.exitCode ?? null) : null,
      threads,
      cmdline,
      env,
      memoryNote,
      cwd: fs ? (table.path(fs.cwdId) ?? null) : null,
      root: fs ? (table.path(fs.rootId) ?? null) : null,
      exe: mm ? (table.path(mm.exeFileId) ?? null) : null,
      creds: credsOf(thread?.creds ?? legacyCreds),
      seccomp:
        seccompMode === undefined
          ? null
          : {
              mode: SECCOMP[seccompMode] ?? String(seccompMode),
              filter: own(thread, "seccompFilter") ?? own(tc, "oldSeccompFilter") ?? null,
            },
      namespaces,
      cgroupSet: own(tc, "cgSet") ?? own(thread, "cgSet") ?? null,
      rlimits,
      signalHandlers,
      fds: zombie ? [] : taskFds(cp, t.pid, table),
    });
  }
  return out;
}
