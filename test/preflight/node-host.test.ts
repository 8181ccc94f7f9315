/** nodeHost: this machine's facts, read as the rules need them. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeHost, parseProcNet } from "../../src/node/host.js";
import { known } from "../../src/preflight/index.js";

const onLinux = process.platform === "linux";
const dir = mkdtempSync(join(tmpdir(), "criu-image-host-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("parseProcNet", () => {
  it("reads addresses word by word in host order, ports in hex, LISTEN, and skips TIME_WAIT", () => {
    const tcp = [
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode",
      "   0: 0100007F:AFC7 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0",
      "   1: 0200007F:AFC8 0100007F:AFC7 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4 30 10 -1",
      "   2: 0100007F:1F90 0100007F:D431 06 00000000:00000000 03:00000F7C 00000000     0        0 0 3 0",
      "",
    ].join("\n");
    expect(parseProcNet(tcp, "tcp")).toEqual([
      { proto: "tcp", address: "127.0.0.1", port: 0xafc7, listening: true },
      { proto: "tcp", address: "127.0.0.2", port: 0xafc8, listening: false },
    ]);
    const tcp6 = [
      "  sl  local_address                         remote_address                        st",
      "   0: 00000000000000000000000001000000:AFC9 00000000000000000000000000000000:0000 0A 0",
      "   1: 0000000000000000FFFF00000100007F:AFCA 00000000000000000000000000000000:0000 0A 0",
    ].join("\n");
    expect(parseProcNet(tcp6, "tcp").map((s) => `${s.address}:${s.port}`)).toEqual([
      `::1:${0xafc9}`,
      `::ffff:7f00:1:${0xafca}`,
    ]);
    expect(parseProcNet("header\n   0: 00000000:14E9 00000000:0000 07 0\n", "udp")).toEqual([
      { proto: "udp", address: "0.0.0.0", port: 5353, listening: false },
    ]);
  });
});

describe.runIf(onLinux)("nodeHost", () => {
  it("stats files under the root, never outside it; absent is null, not unknown", async () => {
    mkdirSync(join(dir, "etc"));
    writeFileSync(join(dir, "etc", "app.conf"), "hello");
    symlinkSync("app.conf", join(dir, "etc", "link"));
    const h = nodeHost({ root: dir });
    expect(h.fileRoot).toBe(dir);
    const st = (await h.stat("/etc/app.conf")) as { mode: number; size: number };
    expect([st.mode & 0o170000, st.size]).toEqual([0o100000, 5]);
    expect(await h.stat("/etc/link")).toMatchObject({ size: 5 });
    expect(await h.stat("/etc/none")).toBeNull();
    expect(await h.stat("/etc/app.conf/x")).toBeNull();
    expect(await h.stat("/../../etc/passwd")).toEqual({ notKnown: `/../../etc/passwd leaves the root ${dir}` });
    expect(await h.head("/etc/app.conf", 3)).toEqual(new TextEncoder().encode("hel"));
    expect(known(await h.head("/etc/none", 3))).toBe(false);
    expect(((await h.stat("/")) as { mode: number }).mode & 0o170000).toBe(0o040000);
    expect(nodeHost().fileRoot).toBeUndefined();
  });

  it("knows this process's pid and threads, loopback, its own listening socket, the CPU and the kernel", async () => {
    const h = nodeHost();
    const pids = await h.pids();
    if (!known(pids)) throw new Error(pids.notKnown);
    expect(pids.inUse.has(process.pid)).toBe(true);
    expect(pids.pidMax).toBeGreaterThan(1000);
    const addresses = await h.addresses();
    expect(known(addresses) && addresses.has("127.0.0.1")).toBe(true);
    const { createServer } = await import("node:net");
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const sockets = await h.sockets();
      if (!known(sockets)) throw new Error(sockets.notKnown);
      expect(sockets).toContainEqual({ proto: "tcp", address: "127.0.0.1", port, listening: true });
    } finally {
      server.close();
    }
    const cpu = await h.cpu();
    expect(known(cpu) && cpu.flags.size).toBeGreaterThan(0);
    const kernel = await h.kernel();
    expect(known(kernel) && kernel.namespaces.has("pid")).toBe(true);
    expect(known(await h.userfaultfd())).toBe(true);
    const nonlocal = await h.nonlocalBind();
    expect(known(nonlocal) && typeof nonlocal.v4).toBe("boolean");
  });

  it("says why a fact is unknown when /proc is not there", async () => {
    const h = nodeHost({ proc: join(dir, "no-proc") });
    for (const f of [await h.pids(), await h.sockets(), await h.cpu(), await h.kernel(), await h.nonlocalBind()]) {
      expect(known(f)).toBe(false);
      expect((f as { notKnown: string }).notKnown).toContain("ENOENT");
    }
  });
});
