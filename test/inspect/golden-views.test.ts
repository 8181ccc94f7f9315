/**
 * Every field of every inspect view, on every corpus dump and the Podman
 * export, against what crit 4.2 printed for the same images (the golden
 * JSON, compact and --pretty): the expected views are built here from crit's
 * output alone, with the kernel's own name tables (capability.h,
 * resource.h, signal.h, tcp.h), never from our decoder. The export has no
 * goldens; its images are rendered by our crit JSON writer, which the golden
 * suites prove byte-identical to crit's.
 */
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Checkpoint } from "../../src/checkpoint/index.js";
import { fstype } from "../../src/gen/mnt_pb.js";
import type { InspectReport } from "../../src/inspect/index.js";
import { inspectCheckpoint } from "../../src/inspect/index.js";
import { toCritJson } from "../../src/json/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusDumps, corpusRoot } from "../helpers/corpus.js";

// biome-ignore lint/suspicious/noExplicitAny: crit's JSON, read field by field.
type J = any;

/** crit's JSON with integers past 2^53 kept exact (as decimal strings). */
const parse = (text: string): J => JSON.parse(text.replace(/(?<=[:[,]\s*)-?\d{16,}(?=\s*[,\]}])/g, '"$&"'));

/** An image's crit JSON (compact or --pretty): the golden when there is one, else our writer's. */
function goldens(cp: Checkpoint, critDir: string | undefined) {
  return (name: string, pretty = false): J | undefined => {
    const file = critDir && join(critDir, `${name}${pretty ? ".pretty" : ""}.json`);
    if (file && existsSync(file)) return parse(readFileSync(file, "utf8"));
    const img = cp.has(name) ? cp.image(name) : undefined;
    return img && parse(toCritJson(img, { pretty }));
  };
}

/** Decodes crit's quoted-printable bytes (names of unix sockets). */
function quopri(s: string): string {
  const out: number[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] === "=" && s[i + 1] === "\n") i++;
    else if (s[i] === "=") {
      out.push(Number.parseInt(s.slice(i + 1, i + 3), 16));
      i += 2;
    } else out.push(s.charCodeAt(i));
  }
  return new TextDecoder().decode(new Uint8Array(out));
}

// linux/capability.h, bit by bit.
const CAPS =
  "CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE"
    .split(" ")
    .map((c) => `CAP_${c}`);
// asm-generic/resource.h, in order.
const RLIMITS = "CPU FSIZE DATA STACK CORE RSS NPROC NOFILE MEMLOCK AS LOCKS SIGPENDING MSGQUEUE NICE RTPRIO RTTIME"
  .split(" ")
  .map((r) => `RLIMIT_${r}`);
// asm-generic/signal.h, 1 to 31; 32 on are real-time.
const SIGNALS = [
  "",
  ..."HUP INT QUIT ILL TRAP ABRT BUS FPE KILL USR1 SEGV USR2 PIPE ALRM TERM STKFLT CHLD CONT STOP TSTP TTIN TTOU URG XCPU XFSZ VTALRM PROF WINCH IO PWR SYS"
    .split(" ")
    .map((s) => `SIG${s}`),
];
const signal = (n: number) => (n < 32 ? SIGNALS[n] : `SIGRT${n - 32}`);
// The order CRIU saves sigactions in: every signal but SIGKILL and SIGSTOP.
const SAVED_SIGNALS = Array.from({ length: 64 }, (_, i) => i + 1).filter((n) => n !== 9 && n !== 19);
// linux/tcp.h's TCPI_OPT_* bits, the ones CRIU restores.
const TCP_OPTS: [string, number][] = [
  ["timestamps", 1],
  ["sack", 2],
  ["wscale", 4],
  ["ecn", 8],
];
// mnt.proto's fstype enum, by the kernel's names for the two it spells otherwise.
const fsName = (n: number) => {
  const name = fstype[n];
  if (name === undefined) return `fstype ${n}`;
  return ({ UNSUPPORTED: "unknown", OVERLAYFS: "overlay" } as Record<string, string>)[name] ?? name.toLowerCase();
};
// criu/include/pid.h and compel's task states, by what they mean.
const TASK_STATES: Record<number, string> = { 1: "alive", 2: "zombie", 3: "stopped", 6: "zombie" };

const caps = (words: number[] = []) =>
  words.flatMap((w, i) =>
    Array.from({ length: 32 }, (_, b) => b)
      .filter((b) => (w >>> b) & 1)
      .map((b) => CAPS[i * 32 + b] ?? `CAP_${i * 32 + b}`),
  );
const limit = (v: number | string) => (String(v) === "18446744073709551615" ? "unlimited" : String(v));
const ts = (t: J) => (t ? `${t.tv_sec}.${String(t.tv_nsec).padStart(9, "0")}` : "0");

/** The processes view as crit's JSON of pstree, core, fs, mm, ids and files tells it (memory and fds left out). */
function expectedProcesses(j: ReturnType<typeof goldens>) {
  const files: J[] = j("files.img")?.entries ?? [];
  const regPath = (id: number) => files.find((f) => f.id === id && f.type === "REG")?.reg.name ?? null;
  return (j("pstree.img")?.entries ?? []).map((t: J) => {
    const core = j(`core-${t.pid}.img`)?.entries[0];
    const prettyCore = j(`core-${t.pid}.img`, true)?.entries[0];
    const tc = core?.tc;
    const th = core?.thread_core;
    const state = TASK_STATES[tc?.task_state] ?? "unknown";
    const zombie = state === "zombie";
    const tids: number[] = zombie ? [t.pid] : t.threads?.length ? t.threads : [t.pid];
    const fs = zombie ? undefined : j(`fs-${t.pid}.img`)?.entries[0];
    const mm = zombie ? undefined : j(`mm-${t.pid}.img`)?.entries[0];
    const ids = zombie ? undefined : j(`ids-${t.pid}.img`)?.entries[0];
    const c = th?.creds;
    const mode = th?.seccomp_mode ?? tc?.old_seccomp_mode;
    const prettyMode = prettyCore?.thread_core?.seccomp_mode ?? prettyCore?.tc?.old_seccomp_mode;
    const handlers: Record<string, string> = {};
    (tc?.sigactions ?? []).forEach((sa: J, i: number) => {
      if (BigInt(sa.sigaction) > 1n)
        handlers[signal(SAVED_SIGNALS[i] as number) as string] = `0x${BigInt(sa.sigaction).toString(16)}`;
    });
    return {
      pid: t.pid,
      ppid: t.ppid,
      pgid: t.pgid,
      sid: t.sid,
      comm: tc?.comm ?? "",
      state,
      exitCode: zombie ? (tc?.exit_code ?? null) : null,
      threads: tids.map((tid) => ({
        tid,
        comm: j(`core-${tid}.img`)?.entries[0]?.thread_core?.comm ?? (tid === t.pid ? (tc?.comm ?? null) : null),
      })),
      cwd: fs ? regPath(fs.cwd_id) : null,
      root: fs ? regPath(fs.root_id) : null,
      exe: mm ? regPath(mm.exe_file_id) : null,
      creds: c
        ? {
            uid: c.uid,
            gid: c.gid,
            euid: c.euid,
            egid: c.egid,
            suid: c.suid,
            sgid: c.sgid,
            fsuid: c.fsuid,
            fsgid: c.fsgid,
            groups: c.groups ?? [],
            capabilities: {
              effective: caps(c.cap_eff),
              permitted: caps(c.cap_prm),
              inheritable: caps(c.cap_inh),
              bounding: caps(c.cap_bnd),
              ambient: caps(c.cap_amb),
            },
            noNewPrivs: "no_new_privs" in c ? c.no_new_privs !== 0 : null,
            lsmProfile: "lsm_profile" in c ? c.lsm_profile : null,
          }
        : null,
      // crit's --pretty names the mode; its compact JSON gives the number.
      seccomp:
        mode === undefined
          ? null
          : { mode: String(prettyMode).toLowerCase(), filter: th?.seccomp_filter ?? tc?.old_seccomp_filter ?? null },
      namespaces: Object.fromEntries(
        Object.entries(ids ?? {})
          .filter(([k]) => k.endsWith("_ns_id"))
          .map(([k, v]) => [k.slice(0, -"_ns_id".length), v]),
      ),
      cgroupSet: tc?.cg_set ?? th?.cg_set ?? null,
      rlimits: Object.fromEntries(
        (tc?.rlimits?.rlimits ?? []).map((r: J, i: number) => [
          RLIMITS[i] ?? `RLIMIT_${i}`,
          { cur: limit(r.cur), max: limit(r.max) },
        ]),
      ),
      signalHandlers: handlers,
    };
  });
}

/** Every fd of every task as fdinfo's crit JSON has it, with what files.img says for files and pipes. */
function expectedFds(j: ReturnType<typeof goldens>, pid: number) {
  const ids = j(`ids-${pid}.img`)?.entries[0];
  if (!ids) return [];
  const files: J[] = j("files.img")?.entries ?? [];
  return (j(`fdinfo-${ids.files_id}.img`)?.entries ?? []).map((fd: J) => {
    const f = files.find((x) => x.id === fd.id);
    const extra: Record<string, unknown> = {};
    if (fd.type === "REG" && f?.reg)
      Object.assign(extra, { path: f.reg.name, description: f.reg.name, pos: String(f.reg.pos) });
    if (fd.type === "PIPE" && f?.pipe)
      Object.assign(extra, { pipeId: f.pipe.pipe_id, description: `pipe:[${f.pipe.pipe_id}]` });
    return { fd: fd.fd, type: fd.type, id: fd.id, ...extra };
  });
}

/** Who holds each file id, from every task's fdinfo. */
function holders(j: ReturnType<typeof goldens>) {
  const out = new Map<number, { pid: number; fd: number }[]>();
  for (const t of j("pstree.img")?.entries ?? []) {
    const ids = j(`ids-${t.pid}.img`)?.entries[0];
    if (!ids) continue;
    for (const fd of j(`fdinfo-${ids.files_id}.img`)?.entries ?? []) {
      const list = out.get(fd.id) ?? [];
      list.push({ pid: t.pid, fd: fd.fd });
      out.set(fd.id, list);
    }
  }
  return out;
}

function expectedSockets(j: ReturnType<typeof goldens>) {
  const files: J[] = j("files.img")?.entries ?? [];
  const pretty: J[] = j("files.img", true)?.entries ?? [];
  const prettyOf = (id: number) => pretty.find((p) => p.id === id);
  const held = holders(j);
  const queued = new Map<number, number>();
  for (const q of j("sk-queues.img")?.entries ?? []) queued.set(q.id_for, (queued.get(q.id_for) ?? 0) + q.length);
  const unix = files
    .filter((f) => f.usk)
    .map((f) => {
      const u = f.usk;
      const name = quopri(u.name ?? "");
      return {
        id: u.id,
        ino: u.ino,
        type: prettyOf(f.id).usk.type,
        state: prettyOf(f.id).usk.state,
        name: name.startsWith("\0") ? `@${name.slice(1)}` : name,
        peer: u.peer,
        queuedBytes: queued.get(u.id) ?? 0,
        owners: held.get(u.id) ?? [],
      };
    });
  const netlink = files
    .filter((f) => f.nlsk)
    .map(({ nlsk: n }) => ({
      id: n.id,
      ino: n.ino,
      protocol: n.protocol,
      portid: n.portid,
      groups: n.groups ?? [],
      owners: held.get(n.id) ?? [],
    }));
  const packet = files
    .filter((f) => f.psk)
    .map(({ psk: p }) => ({
      id: p.id,
      type: p.type,
      protocol: p.protocol,
      ifindex: p.ifindex,
      owners: held.get(p.id) ?? [],
    }));
  const inet = files
    .filter((f) => f.isk)
    .map((f) => {
      const s = f.isk;
      const p = prettyOf(f.id).isk;
      const streamName = `tcp-stream-${s.ino.toString(16)}.img`;
      const st = j(streamName)?.entries[0];
      const stream = st && {
        image: streamName,
        inqLen: st.inq_len,
        outqLen: st.outq_len,
        inqSeq: st.inq_seq,
        outqSeq: st.outq_seq,
        options: TCP_OPTS.filter(([, bit]) => st.opt_mask & bit).map(([n]) => n),
        optMask: st.opt_mask,
        sndWscale: st.snd_wscale,
        mssClamp: st.mss_clamp,
        ...Object.fromEntries(
          (
            [
              ["rcvWscale", "rcv_wscale"],
              ["timestamp", "timestamp"],
              ["sndWnd", "snd_wnd"],
              ["rcvWnd", "rcv_wnd"],
              ["maxWindow", "max_window"],
              ["unsqLen", "unsq_len"],
              ["cork", "cork"],
              ["nodelay", "nodelay"],
            ] as [string, string][]
          )
            .filter(([, k]) => k in st)
            .map(([ours, k]) => [ours, st[k]]),
        ),
      };
      const kind =
        p.type === "RAW" ? "raw" : (({ TCP: "tcp", UDP: "udp", UDPLITE: "udplite" } as J)[p.proto] ?? "other");
      return {
        id: s.id,
        ino: s.ino,
        family: p.family,
        type: p.type,
        proto: typeof p.proto === "number" ? String(p.proto) : p.proto,
        kind,
        state: p.state,
        local: { address: p.src_addr?.[0] ?? "", port: s.src_port },
        remote: { address: p.dst_addr?.[0] ?? "", port: s.dst_port },
        owners: held.get(s.id) ?? [],
        netnsId: s.ns_id ?? null,
        stream: stream ?? null,
        layout: "files.img",
        image: "files.img",
      };
    });
  return { inet, unix, netlink, packet };
}

function expectedNamespaces(j: ReturnType<typeof goldens>, names: string[]) {
  const ids = (prefix: string) =>
    names.flatMap((n) => {
      const m = new RegExp(`^${prefix}-(\\d+)\\.img$`).exec(n);
      return m ? [Number(m[1])] : [];
    });
  const mac = (b64: string | undefined) =>
    b64 ? Array.from(Buffer.from(b64, "base64"), (x) => x.toString(16).padStart(2, "0")).join(":") || null : null;
  const taskIds = (key: string) =>
    [
      ...new Set(
        (j("pstree.img")?.entries ?? [])
          .map((t: J) => j(`ids-${t.pid}.img`)?.entries[0]?.[key])
          .filter((x: unknown) => x !== undefined),
      ),
    ].sort((a, b) => (a as number) - (b as number));
  const count = (name: string) => j(name)?.entries.length ?? 0;
  return {
    net: ids("netns").map((id) => ({
      id,
      devices: (j(`netdev-${id}.img`)?.entries ?? []).map((d: J) => ({
        name: d.name,
        ifindex: d.ifindex,
        type: String(d.type).toLowerCase(),
        mtu: d.mtu,
        up: (d.flags & 1) !== 0,
        mac: mac(d.address),
      })),
    })),
    uts: ids("utsns").map((id) => {
      const e = j(`utsns-${id}.img`)?.entries[0];
      return { id, hostname: e?.nodename ?? "", domainname: e?.domainname ?? "" };
    }),
    ipc: ids("ipcns-var").map((id) => ({
      id,
      sharedMemory: count(`ipcns-shm-${id}.img`),
      semaphores: count(`ipcns-sem-${id}.img`),
      messageQueues: count(`ipcns-msg-${id}.img`),
    })),
    user: ids("userns").map((id) => {
      const e = j(`userns-${id}.img`)?.entries[0];
      const map = (l: J[] = []) => l.map((x) => ({ first: x.first, lowerFirst: x.lower_first, count: x.count }));
      return { id, uidMap: map(e?.uid_map), gidMap: map(e?.gid_map) };
    }),
    time: ids("timens").map((id) => {
      const e = j(`timens-${id}.img`)?.entries[0];
      return { id, monotonic: ts(e?.monotonic), boottime: ts(e?.boottime) };
    }),
    mnt: taskIds("mnt_ns_id"),
    pid: taskIds("pid_ns_id"),
  };
}

function expectedMounts(j: ReturnType<typeof goldens>, names: string[]) {
  return names.flatMap((n) => {
    const m = /^mountpoints-(\d+)\.img$/.exec(n);
    if (!m) return [];
    return (j(n)?.entries ?? []).map((e: J) => ({
      ns: Number(m[1]),
      id: e.mnt_id,
      parentId: e.parent_mnt_id,
      mountpoint: e.mountpoint,
      root: e.root,
      fstype: e.fsname || fsName(e.fstype),
      source: e.source,
      options: e.options,
      flags: e.flags,
      sharedId: e.shared_id ?? null,
      masterId: e.master_id ?? null,
      external: "ext_key" in e || e.ext_mount === true,
      extKey: e.ext_key ?? null,
    }));
  });
}

function expectedStats(j: ReturnType<typeof goldens>, beside: J | undefined) {
  const d = (j("stats-dump") ?? beside)?.entries[0]?.dump;
  return d
    ? {
        freezingTimeUs: d.freezing_time,
        frozenTimeUs: d.frozen_time,
        memdumpTimeUs: d.memdump_time,
        memwriteTimeUs: d.memwrite_time,
        pagesScanned: String(d.pages_scanned),
        pagesSkippedParent: String(d.pages_skipped_parent),
        pagesWritten: String(d.pages_written),
        pagesLazy: String(d.pages_lazy),
      }
    : null;
}

/** Checks each view of `r` against crit's JSON of the same images. */
function checkViews(cp: Checkpoint, r: InspectReport, j: ReturnType<typeof goldens>, statsBeside?: J) {
  const names = cp.names();
  const procs = expectedProcesses(j);
  expect(r.processes.length).toBe(procs.length);
  r.processes.forEach((p, i) => {
    const { cmdline: _c, env: _e, memoryNote: _m, fds, ...rest } = p;
    expect(rest, `pid ${p.pid}`).toEqual(procs[i]);
    expect(
      fds.map((f) => ({
        fd: f.fd,
        type: f.type,
        id: f.id,
        ...(f.path !== undefined && f.type === "REG" ? { path: f.path, description: f.description, pos: f.pos } : {}),
        ...(f.type === "PIPE" ? { pipeId: f.pipeId, description: f.description } : {}),
      })),
      `fds of ${p.pid}`,
    ).toEqual(expectedFds(j, p.pid));
  });
  expect(r.sockets).toEqual(expectedSockets(j));
  const ns = expectedNamespaces(j, names);
  // Addresses come from the raw ifaddr image, which crit does not decode (inspect.test.ts checks them).
  expect({ ...r.namespaces, net: r.namespaces.net.map(({ addresses: _a, ...n }) => n) }).toEqual(ns);
  expect(r.mounts).toEqual(expectedMounts(j, names));
  expect(r.stats).toEqual(expectedStats(j, statsBeside));
  const inv = j("inventory.img")?.entries[0];
  expect(r.criu.imgVersion).toBe(inv?.img_version ?? null);
}

describe("inspect views against crit's JSON", () => {
  for (const d of corpusDumps()) {
    it(`${d.scenario}: processes, fds, sockets, namespaces, mounts, stats`, async () => {
      const cp = await openCheckpoint(d.dir);
      const r = await inspectCheckpoint(cp, { memory: false });
      checkViews(cp, r, goldens(cp, d.crit));
    });
  }

  it("the Podman export: the same views, its mounts, uts and ipc namespaces, stats beside the images", async () => {
    const cp = await openCheckpoint(join(corpusRoot, "archives", "podman-web.tar"));
    const r = await inspectCheckpoint(cp, { memory: false });
    const beside = cp.source.companions.get("stats-dump");
    const { readImage } = await import("../../src/index.js");
    const stats = beside && parse(toCritJson(readImage(beside.bytes(), { name: "stats-dump" })));
    checkViews(cp, r, goldens(cp, undefined), stats);
    // The export has what the flat dumps lack: every kind of view is non-empty somewhere.
    expect(r.mounts.length).toBeGreaterThan(0);
    expect(r.namespaces.uts.length).toBeGreaterThan(0);
    expect(r.namespaces.ipc.length).toBeGreaterThan(0);
    expect(r.stats).not.toBeNull();
  });
});

describe("the container view against the export's own files, read by GNU tar", () => {
  it("podman-web.tar: every field from config.dump, spec.dump, network.status and the members' sizes and times", async () => {
    const tar = join(corpusRoot, "archives", "podman-web.tar");
    const member = (name: string) => execFileSync("tar", ["xOf", tar, name]).toString();
    const config = JSON.parse(member("config.dump"));
    const spec = JSON.parse(member("spec.dump"));
    const status = JSON.parse(member("network.status"));
    // "-rw-r--r-- root/root 2048 2026-11-29 13:30:41 rootfs-diff.tar", in UTC.
    const listing = execFileSync("tar", ["tvf", tar, "--full-time", "--utc"]).toString().split("\n");
    const line = (name: string) =>
      listing
        .find((l) => l.endsWith(` ${name}`))
        ?.trim()
        .split(/\s+/) ?? [];
    const [, , size, day, time] = line("rootfs-diff.tar");
    const [, , , invDay, invTime] = line("checkpoint/inventory.img");
    const r = await inspectCheckpoint(await openCheckpoint(tar), { memory: false });
    expect(r.container).toEqual({
      engine: "podman",
      id: config.id,
      name: config.name,
      image: config.rootfsImageName,
      runtime: config.runtime,
      created: config.createdTime,
      checkpointed: new Date(`${invDay}T${invTime}Z`).toISOString(),
      hostname: spec.hostname,
      command: spec.process.args,
      env: spec.process.env,
      mounts: spec.mounts.map((m: J) => ({
        destination: m.destination,
        type: m.type ?? null,
        source: m.source ?? null,
      })),
      network: Object.values(status).flatMap((n: J) =>
        Object.entries(n.interfaces).map(([name, i]: [string, J]) => ({
          interface: name,
          addresses: i.subnets.map((s: J) => s.ipnet),
          mac: i.mac_address,
        })),
      ),
      rootfsDiffBytes: Number(size),
    });
    expect(day && time).toBeTruthy();
    expect(r.container?.network[0]?.addresses.length).toBeGreaterThan(0);
    expect(r.container?.mounts.length).toBeGreaterThan(0);
  });
});
