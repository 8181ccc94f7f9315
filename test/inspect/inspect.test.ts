/** inspect: every view checked against what the images (and the corpus README) say. */
import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Checkpoint, memorySource } from "../../src/checkpoint/index.js";
import { readImage } from "../../src/index.js";
import { cmdlineAndEnvPages, inspectCheckpoint, parseIfaddr } from "../../src/inspect/index.js";
import { openCheckpoint } from "../../src/node/index.js";
import { corpusCheckpoint } from "../helpers/checkpoints.js";
import { runCli } from "../helpers/cli.js";
import { corpusRoot } from "../helpers/corpus.js";
import { withZombie, ZOMBIE_PID } from "../helpers/zombie.js";

const img = (s: string) => join(corpusRoot, "images", s);
const archive = (n: string) => join(corpusRoot, "archives", n);
const MEMORY_ENV = ["MARK_USER=corpus", "MARK_TOKEN=s3cr3t-0001", "PATH=/usr/bin"];

describe("cmdline and environment, from memory", () => {
  it("memory scenario: as its README lists them, for the parent and the child that rewrote argv[1]", async () => {
    const r = await inspectCheckpoint(await openCheckpoint(img("memory")));
    const parent = r.processes.find((p) => p.pid === 29313);
    const child = r.processes.find((p) => p.pid === 29316);
    expect(parent?.cmdline?.slice(1)).toEqual(["alpha", "beta", "gamma delta"]);
    expect(parent?.cmdline?.[0]).toMatch(/mem_marks$/);
    expect(parent?.env).toEqual(MEMORY_ENV);
    expect(child?.comm).toBe("mem_child");
    expect(child?.cmdline?.slice(1)).toEqual(["CHILD", "beta", "gamma delta"]);
    expect(child?.env).toEqual(MEMORY_ENV);
  });

  it("a pre-dump chain: bytes in PE_PARENT pages come from the parent dump", async () => {
    const r = await inspectCheckpoint(await openCheckpoint(join(corpusRoot, "chains", "images", "predump", "2")));
    const p = r.processes.find((x) => x.pid === 188);
    expect(p?.cmdline?.slice(1)).toEqual(["bravo", "one", "two three"]);
    expect(p?.env).toEqual(["MARK_USER=corpus", "MARK_TOKEN=s3cr3t-0002", "PATH=/usr/bin"]);
  });

  for (const name of ["podman-web.tar", "podman-web.tar.gz", "podman-web.tar.zst"]) {
    it(`${name}: the container's command and -e variables, read in one pass (the spec agrees)`, async () => {
      const cp = await openCheckpoint(archive(name), { pages: cmdlineAndEnvPages });
      const r = await inspectCheckpoint(cp);
      const sh = r.processes.find((p) => p.ppid === 0);
      expect(sh?.cmdline).toEqual(r.container?.command);
      expect(sh?.cmdline?.slice(0, 2)).toEqual(["sh", "-c"]);
      expect(sh?.env).toContain("APP_ENV=corpus");
      expect(sh?.env).toContain("GREETING=hello world");
      const sleep = r.processes.find((p) => p.ppid === sh?.pid);
      expect(sleep?.cmdline).toEqual(["sleep", "1"]);
      expect(r.notes).toEqual([]);
    });
  }

  it("pages that were not dumped make cmdline unknown (null, with why), never zeros", async () => {
    const images = new Map([...corpusCheckpoint("memory")]);
    const r = await inspectCheckpoint(new Checkpoint(memorySource(images)));
    for (const p of r.processes) {
      expect(p.cmdline).toBeNull();
      expect(p.memoryNote).toMatch(/pages-\d+\.img/);
    }
    expect(r.notes.length).toBe(r.processes.length);
  });
});

describe("processes", () => {
  it("match pstree, core and ids: pids, parents, comm, threads, namespaces, creds", async () => {
    const cp = await openCheckpoint(img("many-fds"));
    const r = await inspectCheckpoint(cp, { memory: false });
    const pstree = readImage(cp.bytes("pstree.img") as Uint8Array, { name: "pstree.img" });
    if (pstree.kind !== "PSTREE") throw new Error("pstree");
    expect(r.processes.map((p) => [p.pid, p.ppid, p.pgid, p.sid])).toEqual(
      pstree.entries.map((t) => [t.pid, t.ppid, t.pgid, t.sid]),
    );
    for (const p of r.processes) {
      const t = pstree.entries.find((x) => x.pid === p.pid)!;
      expect(p.threads.map((x) => x.tid)).toEqual(t.threads.length ? t.threads : [t.pid]);
      const core = cp.first(`core-${p.pid}.img`, "CORE")!;
      expect(p.comm).toBe(core.tc?.comm);
      const ids = cp.first(`ids-${p.pid}.img`, "IDS")!;
      expect(p.namespaces.ipc).toBe(ids.ipcNsId);
      expect(p.namespaces.uts).toBe(ids.utsNsId);
      expect(p.creds?.uid).toBe(core.threadCore?.creds?.uid);
      expect(p.state).toBe("alive");
    }
    expect(r.processes.some((p) => p.threads.length === 3)).toBe(true);
    expect(Object.keys(r.processes[0]!.rlimits)).toContain("RLIMIT_NOFILE");
  });

  it("a zombie: state, exit code, no files, no memory note in the report", async () => {
    const cp = new Checkpoint(memorySource(withZombie(corpusCheckpoint("tcp4"))));
    const r = await inspectCheckpoint(cp, { memory: false });
    const z = r.processes.find((p) => p.pid === ZOMBIE_PID);
    expect(z).toMatchObject({ state: "zombie", exitCode: 9, comm: "zomb", fds: [], cmdline: null });
    expect(z?.threads).toEqual([{ tid: ZOMBIE_PID, comm: "zomb" }]);
  });
});

describe("files, sockets, mounts, namespaces, container, stats", () => {
  it("every fd of fdinfo, typed and described", async () => {
    const cp = await openCheckpoint(img("many-fds"));
    const r = await inspectCheckpoint(cp, { memory: false });
    for (const p of r.processes) {
      const ids = cp.first(`ids-${p.pid}.img`, "IDS")!;
      const fdinfo = cp.kind(`fdinfo-${ids.filesId}.img`, "FDINFO")!.entries;
      expect(p.fds.map((f) => f.fd)).toEqual(fdinfo.map((f) => f.fd));
      for (const f of p.fds) expect(f.description).not.toMatch(/no entry for file id/);
    }
    const types = new Set(r.processes.flatMap((p) => p.fds.map((f) => f.type)));
    for (const t of ["REG", "PIPE", "FIFO", "EVENTFD", "EVENTPOLL", "TIMERFD", "SIGNALFD", "INOTIFY", "MEMFD", "TTY"])
      expect(types, t).toContain(t);
    const tcp = await inspectCheckpoint(await openCheckpoint(img("tcp4")), { memory: false });
    expect(tcp.processes[1]?.fds.find((f) => f.type === "INETSK")?.description).toBe(
      "INET tcp ESTABLISHED 127.0.0.2:45002 -> 127.0.0.1:45001",
    );
  });

  it("tcp-stream images are read for the view, not kept decoded", async () => {
    const cp = await openCheckpoint(img("tcp4"));
    const r = await inspectCheckpoint(cp, { memory: false });
    const streams = r.sockets.inet.flatMap((s) => (s.stream ? [s.stream.image] : []));
    expect(streams.length).toBeGreaterThan(0);
    for (const name of streams) {
      const once = cp.image(name, { cache: false });
      expect(cp.image(name, { cache: false })).not.toBe(once); // decoded afresh: nothing was kept
      expect(cp.image(name)).toBe(cp.image(name)); // the default still keeps it
    }
  });

  it("unix sockets with their queued bytes; inet as tcp list", async () => {
    const cp = await openCheckpoint(img("mixed-sockets"));
    const r = await inspectCheckpoint(cp, { memory: false });
    const files = cp.kind("files.img", "FILES")!.entries;
    expect(r.sockets.unix).toHaveLength(files.filter((f) => f.usk).length);
    expect(r.sockets.netlink).toHaveLength(files.filter((f) => f.nlsk).length);
    expect(r.sockets.packet).toHaveLength(files.filter((f) => f.psk).length);
    const queued = cp.kind("sk-queues.img", "SK_QUEUES")!.entries.reduce((s, q) => s + q.length, 0);
    expect(r.sockets.unix.reduce((s, u) => s + u.queuedBytes, 0)).toBe(queued);
    expect(queued).toBeGreaterThan(0);
    expect(r.sockets.unix.some((u) => u.name.startsWith("@"))).toBe(true);
    expect(r.sockets.inet.length).toBe(files.filter((f) => f.isk).length);
  });

  it("mounts: every entry of every mountpoints image, with the tree's parent ids", async () => {
    const cp = await openCheckpoint(archive("podman-web.tar.gz"));
    const r = await inspectCheckpoint(cp, { memory: false });
    const name = cp.names().find((n) => n.startsWith("mountpoints-"))!;
    const entries = cp.kind(name, "MNTS")!.entries;
    expect(r.mounts.map((m) => [m.id, m.parentId, m.mountpoint])).toEqual(
      entries.map((e) => [e.mntId, e.parentMntId, e.mountpoint]),
    );
    expect(r.mounts.find((m) => m.mountpoint === "/proc")?.fstype).toBe("proc");
  });

  it("namespaces: devices and addresses of the netns scenario, hostname of the container", async () => {
    const r = await inspectCheckpoint(await openCheckpoint(img("netns")), { memory: false });
    const net = r.namespaces.net[0]!;
    expect(net.devices.map((d) => d.name)).toContain("lo");
    expect(net.addresses?.map((a) => `${a.address}/${a.prefixLength}`)).toEqual(
      expect.arrayContaining(["127.0.0.1/8", "127.0.0.5/8"]),
    );
    const p = await inspectCheckpoint(await openCheckpoint(archive("podman-web.tar.zst")), { memory: false });
    expect(p.namespaces.uts[0]?.hostname).toBe(p.container?.hostname);
    expect(parseIfaddr(new Uint8Array([1, 2, 3, 4]))).toBeNull();
  });

  it("container and stats of a Podman export", async () => {
    const r = await inspectCheckpoint(await openCheckpoint(archive("podman-web.tar")), { memory: false });
    expect(r.container).toMatchObject({ engine: "podman", name: "web", image: "localhost/bb:latest", runtime: "runc" });
    expect(r.container?.env).toContain("APP_ENV=corpus");
    expect(r.container?.network[0]?.addresses[0]).toMatch(/^10\.88\.0\.\d+\/16$/);
    expect(r.container?.rootfsDiffBytes).toBe(2048);
    expect(Number(r.stats?.pagesWritten)).toBeGreaterThan(0);
  });
});

describe("criu-image inspect", () => {
  it("prints the tree with cmdlines; --json is one object with every section", async () => {
    const t = await runCli(["inspect", img("memory")]);
    expect(t.code, t.stderr).toBe(0);
    const text = t.stdout.toString();
    expect(text).toMatch(/^29313 mem_marks \[alive\]$/m);
    expect(text).toMatch(/cmdline: \S*mem_marks alpha beta 'gamma delta'/);
    expect(text).toMatch(/└─ 29316 mem_child \[alive\]/);
    for (const line of text.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    const j = JSON.parse((await runCli(["inspect", img("memory"), "--json"])).stdout.toString());
    for (const k of ["container", "processes", "sockets", "mounts", "namespaces", "stats"]) expect(j).toHaveProperty(k);
    expect(j.processes[0].env).toEqual(MEMORY_ENV);
    const one = JSON.parse((await runCli(["inspect", img("memory"), "--json", "--pid", "29316"])).stdout.toString());
    expect(one.processes.map((p: { pid: number }) => p.pid)).toEqual([29316]);
  });

  it("reads an archive from stdin", async () => {
    const bytes = readFileSync(archive("podman-web.tar.zst"));
    const r = await runCli(["inspect", "-", "--all"], new Uint8Array(bytes));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.toString()).toMatch(/^stdin: dump, podman container web$/m);
    expect(r.stdout.toString()).toContain("env: APP_ENV=corpus");
    expect(createReadStream).toBeDefined();
  });

  it("works on every corpus dump", async () => {
    const dirs = [
      "bpfmap",
      "many-fds",
      "memory",
      "mixed-sockets",
      "netns",
      "simple",
      "tcp-v4mapped",
      "tcp4",
      "tcp6",
    ].map(img);
    dirs.push(
      join(corpusRoot, "chains", "images", "predump", "1"),
      join(corpusRoot, "chains", "images", "predump", "2"),
    );
    for (const d of dirs) {
      const r = await runCli(["inspect", d, "--all"]);
      expect(r.code, `${d}: ${r.stderr}`).toBe(0);
    }
  });
});

describe("inspect's line width", () => {
  it("whole lines in a pipe, the terminal's width (COLUMNS first) on a terminal", async () => {
    const { inspectText, lineWidth } = await import("../../src/cli/inspect.js");
    expect(lineWidth({ isTTY: false, columns: 80 }, { COLUMNS: "200" })).toBe(Number.POSITIVE_INFINITY);
    expect(lineWidth({ isTTY: true, columns: 120 }, {})).toBe(120);
    expect(lineWidth({ isTTY: true, columns: 120 }, { COLUMNS: "200" })).toBe(200);
    expect(lineWidth({ isTTY: true }, {})).toBe(80);
    // A long source line is cut only to a terminal's width.
    const real = await inspectCheckpoint(await openCheckpoint(join(corpusRoot, "images", "tcp4")), { memory: false });
    const report = { ...real, source: "x".repeat(150) };
    const firstLine = (w: number) => inspectText(report, {} as never, w).split("\n")[0] as string;
    expect(firstLine(Number.POSITIVE_INFINITY)).toBe(`${"x".repeat(150)}: ${real.kind}`);
    expect(firstLine(80)).toHaveLength(80);
    expect(firstLine(80).endsWith("…")).toBe(true);
  });
});
