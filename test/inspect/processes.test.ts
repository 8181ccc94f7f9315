/**
 * The process view's memory-derived fields and its notes: command lines and
 * environments as NUL-separated strings, what stands in when they cannot be
 * read (and why), and the fields CRIU keeps in more than one place.
 */
import { describe, expect, it } from "vitest";
import { Checkpoint } from "../../src/checkpoint/index.js";
import { inspectCheckpoint } from "../../src/inspect/index.js";
import { corpusCheckpoint, corpusDump, editImage } from "../helpers/checkpoints.js";
import { withZombie, ZOMBIE_PID } from "../helpers/zombie.js";

const PID = 11146;
/** The simple dump with its pages. */
const simple = () => corpusDump("simple");
const view = async (cp: Map<string, Uint8Array>, memory = true) =>
  (await inspectCheckpoint(Checkpoint.of(cp), { memory })).processes.find((p) => p.pid === PID);

describe("processes", () => {
  it("memory: false leaves cmdline and env unread, and says so", async () => {
    const p = await view(simple(), false);
    expect([p?.cmdline, p?.env, p?.memoryNote]).toEqual([null, null, "memory not read"]);
    const read = await view(simple());
    expect(read?.memoryNote).toBeNull();
    expect(read?.cmdline?.length).toBeGreaterThan(0);
    expect(read?.env?.length).toBeGreaterThan(0);
    // The last string's NUL ends it: no empty string after it.
    expect(read?.env?.at(-1)).not.toBe("");
  });

  it("an empty range is an empty list; a range past 16 MiB is not read, and why", async () => {
    const cp = simple();
    editImage<"MM">(cp, `mm-${PID}.img`, (img) => {
      const mm = img.entries[0];
      if (!mm) return;
      mm.mmArgEnd = mm.mmArgStart;
      mm.mmEnvEnd = mm.mmEnvStart + (1n << 24n) + 1n;
    });
    const p = await view(cp);
    expect(p?.cmdline).toEqual([]);
    expect(p?.env).toBeNull();
    expect(p?.memoryNote).toBe(`range of ${(1n << 24n) + 1n} bytes is not plausible`);
    const at = simple();
    editImage<"MM">(at, `mm-${PID}.img`, (img) => {
      const mm = img.entries[0];
      if (mm) mm.mmEnvEnd = mm.mmEnvStart + (1n << 24n);
    });
    // Exactly 16 MiB is tried: it runs into pages that were not dumped.
    expect((await view(at))?.memoryNote).toMatch(/^bytes 0x[0-9a-f]+-0x[0-9a-f]+ were not dumped$/);
  });

  it("without an mm image: no memory, and the note says which", async () => {
    const cp = simple();
    cp.delete(`mm-${PID}.img`);
    const p = await view(cp);
    expect([p?.cmdline, p?.env, p?.memoryNote]).toEqual([null, null, "no mm image"]);
  });

  it("a zombie: its exit code, no memory, one thread named by the task's comm", async () => {
    const r = await inspectCheckpoint(Checkpoint.of(withZombie(corpusCheckpoint("tcp4"))), { memory: true });
    const z = r.processes.find((p) => p.pid === ZOMBIE_PID);
    expect(z?.memoryNote).toBe("a zombie has no memory");
    expect(z?.threads.map((t) => t.tid)).toEqual([ZOMBIE_PID]);
    expect(z?.threads[0]?.comm).toBe(z?.comm);
  });
});

describe("processes from images CRIU writes rarely or not at all", () => {
  it("a range that ends before it starts is not read, and says so; a last string without its NUL is kept", async () => {
    const want = await view(simple());
    const cp = simple();
    editImage<"MM">(cp, `mm-${PID}.img`, (img) => {
      const mm = img.entries[0];
      if (!mm) return;
      mm.mmArgEnd = mm.mmArgStart - 1n;
      mm.mmEnvEnd -= 1n; // the environment's last NUL left out, as after a process rewrote its strings
    });
    const p = await view(cp);
    expect([p?.cmdline, p?.memoryNote]).toEqual([null, "the range ends before it starts"]);
    expect(p?.env).toEqual(want?.env);
  });

  it("a task without its core image: no name, its threads unnamed, no limits or handlers", async () => {
    const cp = corpusCheckpoint("simple");
    cp.delete(`core-${PID}.img`);
    const p = (await inspectCheckpoint(Checkpoint.of(cp), { memory: false })).processes.find((x) => x.pid === PID);
    expect(p).toMatchObject({ comm: "", creds: null, seccomp: null, rlimits: {}, signalHandlers: {}, cgroupSet: null });
    expect(p?.threads.every((t) => t.comm === null)).toBe(true);
  });

  it("threads: the task itself when pstree lists none; a thread without its core image has no name", async () => {
    const cp = corpusCheckpoint("simple");
    editImage<"PSTREE">(cp, "pstree.img", (img) => {
      for (const t of img.entries) if (t.pid === PID) t.threads = [];
    });
    const comm = (await view(cp, false))?.comm;
    expect((await view(cp, false))?.threads).toEqual([{ tid: PID, comm }]);
    editImage<"PSTREE">(cp, "pstree.img", (img) => {
      for (const t of img.entries) if (t.pid === PID) t.threads = [PID, PID + 100];
    });
    expect((await view(cp, false))?.threads).toEqual([
      { tid: PID, comm },
      { tid: PID + 100, comm: null },
    ]);
  });

  it("limits beyond the ones it names, none at all, no_new_privs and an LSM profile, the task's cgroup set first", async () => {
    const cp = corpusCheckpoint("simple");
    editImage<"CORE">(cp, `core-${PID}.img`, (img) => {
      const e = img.entries[0];
      if (!e?.tc?.rlimits || !e.threadCore?.creds) throw new Error("simple's core");
      const last = e.tc.rlimits.rlimits.at(-1);
      if (last) e.tc.rlimits.rlimits.push(last);
      e.threadCore.creds.noNewPrivs = 1;
      e.threadCore.creds.lsmProfile = "unconfined";
      e.tc.cgSet = 7;
      e.threadCore.cgSet = 1;
    });
    const p = await view(cp, false);
    expect(Object.keys(p?.rlimits ?? {}).length).toBe(17);
    expect(p?.rlimits.RLIMIT_16).toEqual(p?.rlimits.RLIMIT_RTTIME);
    expect([p?.creds?.noNewPrivs, p?.creds?.lsmProfile, p?.cgroupSet]).toEqual([true, "unconfined", 7]);
    editImage<"CORE">(cp, `core-${PID}.img`, (img) => {
      const e = img.entries[0];
      if (!e?.tc || !e.threadCore?.creds) throw new Error("simple's core");
      e.tc.rlimits = undefined;
      e.threadCore.creds.noNewPrivs = 0;
    });
    const q = await view(cp, false);
    expect([q?.rlimits, q?.creds?.noNewPrivs]).toEqual([{}, false]);
  });
});

describe("processes in the layout of older CRIU", () => {
  it("credentials, signal actions, seccomp and the cgroup set from where older versions kept them read the same", async () => {
    const { kindByName, readImage, writeImage } = await import("../../src/index.js");
    // many-fds: task 11672 has signal handlers and a seccomp filter.
    const pid = 11672;
    const now = new Map<string, Uint8Array>(corpusCheckpoint("many-fds"));
    const want = (await inspectCheckpoint(Checkpoint.of(now), { memory: false })).processes;
    const old = new Map<string, Uint8Array>(now);
    const core = readImage(old.get(`core-${pid}.img`) as Uint8Array, { name: "core" });
    if (core.kind !== "CORE") throw new Error("core");
    const e = core.entries[0];
    const tc = e?.tc;
    const thread = e?.threadCore;
    if (!e || !tc || !thread?.creds) throw new Error("the simple dump's core has creds in thread_core");
    const image = (kind: string, entries: unknown[]) =>
      writeImage({ kind, format: "v1.1", magic: kindByName(kind)?.magic, entries } as never);
    // Before thread_core held them: creds-PID.img, sigacts-PID.img, seccomp in the task's core, cg_set in the thread's.
    old.set(`creds-${pid}.img`, image("CREDS", [thread.creds]));
    old.set(`sigacts-${pid}.img`, image("SIGACT", tc.sigactions));
    thread.creds = undefined;
    tc.sigactions = [];
    if (Object.hasOwn(thread, "seccompMode")) {
      tc.oldSeccompMode = thread.seccompMode;
      tc.oldSeccompFilter = thread.seccompFilter;
      delete (thread as { seccompMode?: unknown }).seccompMode;
      delete (thread as { seccompFilter?: unknown }).seccompFilter;
    }
    if (Object.hasOwn(tc, "cgSet")) {
      thread.cgSet = tc.cgSet;
      delete (tc as { cgSet?: unknown }).cgSet;
    }
    old.set(`core-${pid}.img`, writeImage(core));
    const got = (await inspectCheckpoint(Checkpoint.of(old), { memory: false })).processes;
    expect(got).toEqual(want);
    const p = want.find((x) => x.pid === pid);
    expect(Object.keys(p?.signalHandlers ?? {}).length).toBeGreaterThan(0);
    expect(p?.seccomp?.mode).toBe("filter");
  });
});
