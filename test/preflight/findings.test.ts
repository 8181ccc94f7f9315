/**
 * One finding of each rule in full, every field: what users read (the
 * problem, CRIU's line, the fix, the option) is the contract as much as
 * the verdict.
 */
import { describe, expect, it } from "vitest";
import { type Finding, preflight } from "../../src/preflight/index.js";
import { corpusCheckpoint } from "../helpers/checkpoints.js";
import { fact, fakeHost } from "../helpers/fake-host.js";

const only = async (scenario: string, rule: Finding["rule"], host = fakeHost()) =>
  (await preflight(corpusCheckpoint(scenario), host, { rules: [rule] })).rules[0]?.findings ?? [];

describe("findings in full", () => {
  it("files: a missing file", async () => {
    const f = await only("simple", "files");
    expect(f.find((x) => x.subject === "/srv/ckpt/work/simple/out.log")).toEqual({
      rule: "files",
      severity: "blocks",
      image: "files.img",
      entry: "file id 0x5",
      subject: "/srv/ckpt/work/simple/out.log",
      problem: "missing on this host (pid 11146 fd 1, pid 11146 fd 2)",
      criuError: "Can't open file srv/ckpt/work/simple/out.log on restore: No such file or directory",
      fix: "Provide the file at this path under the restore's root (same content as at dump time).",
    });
  });

  it("mappings: the executable, with its first four users and an ellipsis", async () => {
    const f = await only("simple", "mappings");
    const exe = f.find((x) => x.subject === "/srv/ckpt/scripts/bin/simple");
    expect(exe?.problem).toMatch(
      /^missing on this host \(pid 11146 exe, pid 11146 maps 0x[0-9a-f]+, pid 11146 maps 0x[0-9a-f]+, pid 11146 maps 0x[0-9a-f]+, …\)$/,
    );
    expect(exe?.entry).toBe("file id 0x1");
  });

  it("inet: a taken port and a missing address", async () => {
    const host = fakeHost(new Map(), {
      addresses: fact(new Set(["10.0.0.1"])),
      nonlocalBind: fact({ v4: false, v6: false }),
      sockets: fact([{ proto: "tcp" as const, address: "0.0.0.0", port: 45001, listening: true }]),
    });
    const f = await only("tcp4", "inet", host);
    expect(f).toEqual([
      {
        rule: "inet",
        severity: "blocks",
        image: "files.img",
        entry: "sockets id 6, 7",
        subject: "127.0.0.1",
        problem: "no interface of this host has this address",
        criuError: "inet: Can't bind inet socket (id 6): Cannot assign requested address",
        fix: "Add 127.0.0.1 to an interface (ip addr add), or rewrite the socket's address (criu-image tcp rewrite).",
      },
      {
        rule: "inet",
        severity: "blocks",
        image: "files.img",
        entry: "socket id 6",
        subject: "tcp 127.0.0.1:45001",
        problem: "a socket of this host listens on 0.0.0.0:45001",
        criuError: "inet: Can't bind inet socket (id 6): Address already in use",
        fix: "Stop what holds tcp port 45001 (ss -lnp 'sport = :45001'), or restore in a network namespace of its own.",
      },
      {
        rule: "inet",
        severity: "needs",
        image: "files.img",
        entry: "sockets id 7, 10",
        subject: "connected TCP sockets",
        problem: "the checkpoint holds connected TCP sockets",
        criuError: "inet: Connected TCP socket in image",
        fix: "Restore with --tcp-established (both peers' sockets must be restored together, or the peer must still hold the connection); --tcp-close closes them instead.",
        option: "--tcp-established",
      },
      {
        rule: "inet",
        severity: "blocks",
        image: "files.img",
        entry: "socket id 10",
        subject: "127.0.0.2",
        problem: "no interface of this host has this address",
        criuError: "Can't bind inet socket back: Cannot assign requested address",
        fix: "Add 127.0.0.2 to an interface (ip addr add), or rewrite the socket's address (criu-image tcp rewrite).",
      },
    ]);
  });

  it("pids and kernel", async () => {
    const pids = await only(
      "simple",
      "pids",
      fakeHost(new Map(), { pids: fact({ inUse: new Set([11146]), pidMax: 32768 }) }),
    );
    expect(pids).toEqual([
      {
        rule: "pids",
        severity: "blocks",
        image: "pstree.img",
        entry: "pid 11146",
        subject: "11146",
        problem: "pid 11146 is taken by a process of this host",
        criuError: "Can't fork for 11146: File exists",
        fix: "Stop process 11146 on this host (is the dumped process still running, or was it restored already?), or restore in a pid namespace of its own.",
      },
    ]);
    const kernel = await only(
      "many-fds",
      "kernel",
      fakeHost(new Map(), {
        kernel: fact({
          release: "5.2.0",
          namespaces: new Set(["pid", "net", "ipc", "uts", "mnt", "user", "cgroup", "time"]),
        }),
      }),
    );
    expect(kernel).toEqual([
      {
        rule: "kernel",
        severity: "blocks",
        image: "files.img",
        entry: "file id 0xa",
        subject: "PIDFD",
        problem: "pidfd files need pidfd_open (Linux 5.3), this kernel is 5.2.0",
        criuError: "pidfd: Could not open pidfd for 11672: Function not implemented",
        fix: "Restore on Linux 5.3 or later.",
      },
    ]);
  });

  it("unix: a missing directory", async () => {
    const f = await only("mixed-sockets", "unix");
    expect(f[0]).toEqual({
      rule: "unix",
      severity: "blocks",
      image: "files.img",
      entry: "socket id 0x1a",
      subject: "/srv/ckpt/work/mixed-sockets/ux.sock",
      problem: "its directory /srv/ckpt/work/mixed-sockets does not exist",
      criuError: "unix: Can't bind id 0x1a ino 332595 addr ux.sock: No such file or directory",
      fix: "Create /srv/ckpt/work/mixed-sockets before the restore.",
    });
  });
});
