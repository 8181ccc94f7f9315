/** nodeHost over a made-up /proc: every fact read exactly as the files say. */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeHost } from "../../src/node/host.js";
import { known } from "../../src/preflight/index.js";

const proc = mkdtempSync(join(tmpdir(), "criu-image-proc-"));
afterAll(() => rmSync(proc, { recursive: true, force: true }));

function put(path: string, text: string, under = proc) {
  mkdirSync(join(under, path, ".."), { recursive: true });
  writeFileSync(join(under, path), text);
}

put("sys/kernel/pid_max", "32768\n");
put("sys/net/ipv4/ip_nonlocal_bind", "1\n");
put("sys/net/ipv6/ip_nonlocal_bind", "0\n");
put("sys/vm/unprivileged_userfaultfd", "0\n");
for (const [pid, tids] of [
  [1, [1]],
  [42, [42, 43, 44]],
  [7000, []],
] as const)
  for (const t of tids.length ? tids : [pid])
    mkdirSync(join(proc, String(pid), "task", String(t)), { recursive: true });
mkdirSync(join(proc, "self", "ns"), { recursive: true });
for (const ns of ["pid", "net", "mnt", "time"]) writeFileSync(join(proc, "self", "ns", ns), "");
mkdirSync(join(proc, "sys-not-a-pid"), { recursive: true });
const header = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n";
put(
  "net/tcp",
  `${header}   0: 0100007F:1F90 00000000:0000 0A 0\n   1: 0100007F:1F91 0100007F:9C40 01 0\n   2: 0100007F:1F92 0100007F:9C41 06 0\n   3: garbage\n`,
);
put("net/udp", `${header}   0: 00000000:0035 00000000:0000 07 0\n`);
put("net/udp6", `${header}   0: 00000000000000000000000001000000:0277 00000000000000000000000000000000:0000 07 0\n`);
put("cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu  sse2 avx xsave\nbugs\t\t: spectre_v1\n");

describe("nodeHost over a /proc", () => {
  const h = nodeHost({ proc, root: proc });

  it("reads pids with every thread, and pid_max", async () => {
    const pids = await h.pids();
    if (!known(pids)) throw new Error(pids.notKnown);
    expect([...pids.inUse].sort((a, b) => a - b)).toEqual([1, 42, 43, 44, 7000]);
    expect(pids.pidMax).toBe(32768);
  });

  it("reads sockets of every table there is (no tcp6 here), skipping TIME_WAIT and lines it cannot read", async () => {
    expect(await h.sockets()).toEqual([
      { proto: "tcp", address: "127.0.0.1", port: 8080, listening: true },
      { proto: "tcp", address: "127.0.0.1", port: 8081, listening: false },
      { proto: "udp", address: "0.0.0.0", port: 53, listening: false },
      { proto: "udp", address: "::1", port: 631, listening: false },
    ]);
  });

  it("reads the sysctls, the CPU flags, the namespaces and userfaultfd", async () => {
    expect(await h.nonlocalBind()).toEqual({ v4: true, v6: false });
    const cpu = await h.cpu();
    if (!known(cpu)) throw new Error(cpu.notKnown);
    expect([...cpu.flags]).toEqual(["fpu", "sse2", "avx", "xsave"]);
    expect(cpu.arch).toMatch(/^[a-z0-9_]+$/);
    const kernel = await h.kernel();
    if (!known(kernel)) throw new Error(kernel.notKnown);
    expect([...kernel.namespaces].sort()).toEqual(["mnt", "net", "pid", "time"]);
    expect(await h.userfaultfd()).toBe(true);
  });

  it("reads files under its root, the rest of a short file, and nothing outside", async () => {
    expect(await h.head("/sys/kernel/pid_max", 100)).toEqual(new TextEncoder().encode("32768\n"));
    expect(await h.head("/sys/kernel/pid_max", 3)).toEqual(new TextEncoder().encode("327"));
    expect(await h.stat("/sys/kernel/pid_max")).toMatchObject({ size: 6 });
    expect(await h.head("/../etc/passwd", 3)).toEqual({ notKnown: `/../etc/passwd leaves the root ${proc}` });
    expect(known(await h.head("/sys/kernel", 3))).toBe(false);
  });

  it("a kernel without IPv6 sysctls still answers for IPv4; without the tcp table, sockets are unknown", async () => {
    const bare = mkdtempSync(join(tmpdir(), "criu-image-proc-bare-"));
    try {
      mkdirSync(join(bare, "sys/net/ipv4"), { recursive: true });
      writeFileSync(join(bare, "sys/net/ipv4/ip_nonlocal_bind"), "0\n");
      const b = nodeHost({ proc: bare });
      expect(await b.nonlocalBind()).toEqual({ v4: false, v6: false });
      expect(known(await b.sockets())).toBe(false);
      const cpuless = await b.cpu();
      expect(known(cpuless)).toBe(false);
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });

  it("an aarch64 /proc: Features, IPv6 nonlocal bind, and what it says when facts are missing", async () => {
    const arm = mkdtempSync(join(tmpdir(), "criu-image-proc-arm-"));
    try {
      const at = (p: string, text: string) => put(p, text, arm);
      at("cpuinfo", "processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd  evtstrm aes\nCPU implementer\t: 0x41\n");
      at("sys/net/ipv4/ip_nonlocal_bind", "0\n");
      at("sys/net/ipv6/ip_nonlocal_bind", "1\n");
      at("plain", "x");
      const a = nodeHost({ proc: arm, root: arm });
      const cpu = await a.cpu();
      if (!known(cpu)) throw new Error(cpu.notKnown);
      expect([...cpu.flags]).toEqual(["fp", "asimd", "evtstrm", "aes"]);
      expect(await a.nonlocalBind()).toEqual({ v4: false, v6: true });
      // No pid_max: pids are unknown, saying which file; a path through a regular file is absent, not unknown.
      expect(await a.pids()).toEqual({ notKnown: expect.stringContaining(`${arm}/sys/kernel/pid_max`) });
      expect(await a.stat("/plain/below")).toBeNull();
      expect(await a.head("/sys", 4)).toEqual({ notKnown: `${arm}/sys: EISDIR` });
      expect(await a.stat("/")).toMatchObject({ mode: expect.any(Number) });
    } finally {
      rmSync(arm, { recursive: true, force: true });
    }
  });

  it("userfaultfd: the sysctl or the device says yes; neither, with /proc readable, says no; else unknown", async () => {
    const bare = mkdtempSync(join(tmpdir(), "criu-image-proc-uffd-"));
    try {
      const dev = join(bare, "dev");
      mkdirSync(join(bare, "proc", "sys", "kernel"), { recursive: true });
      mkdirSync(dev);
      writeFileSync(join(bare, "proc", "sys", "kernel", "pid_max"), "32768\n");
      expect(await nodeHost({ proc: join(bare, "proc"), dev }).userfaultfd()).toBe(false);
      writeFileSync(join(dev, "userfaultfd"), "");
      expect(await nodeHost({ proc: join(bare, "proc"), dev }).userfaultfd()).toBe(true);
      // Without dev, this host's own /dev.
      expect(await nodeHost({ proc: join(bare, "proc") }).userfaultfd()).toBe(existsSync("/dev/userfaultfd"));
      expect(await nodeHost({ proc: join(bare, "nope"), dev: join(bare, "nodev") }).userfaultfd()).toEqual({
        notKnown: `${join(bare, "nope")} cannot be read`,
      });
    } finally {
      rmSync(bare, { recursive: true, force: true });
    }
  });
});
