/** nodeHost's corners: lines and directories it must skip, facts a /proc gives in another shape. */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { machine, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { nodeHost, parseProcNet } from "../../src/node/host.js";
import { known, unknownHost } from "../../src/preflight/index.js";

const onLinux = process.platform === "linux";
const dir = mkdtempSync(join(tmpdir(), "criu-image-host-corners-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function put(path: string, text: string) {
  mkdirSync(join(dir, path, ".."), { recursive: true });
  writeFileSync(join(dir, path), text);
}

describe("parseProcNet", () => {
  it("skips a line whose address has the wrong length even when its port reads", () => {
    const table = "sl local rem st\n   0: 0100007:1F90 00000000:0000 0A 0\n   1: 0100007F:1F91 00000000:0000 0A 0\n";
    expect(parseProcNet(table, "tcp")).toEqual([{ proto: "tcp", address: "127.0.0.1", port: 0x1f91, listening: true }]);
  });
});

describe.runIf(onLinux)("nodeHost corners", () => {
  it("counts only all-digit /proc entries as pids, and a pid whose task list cannot be read", async () => {
    put("proc/sys/kernel/pid_max", "4194304\n");
    for (const d of ["x12", "12x", "self"]) mkdirSync(join(dir, "proc", d, "task", "99"), { recursive: true });
    mkdirSync(join(dir, "proc", "7", "task", "8"), { recursive: true });
    mkdirSync(join(dir, "proc", "9"));
    const pids = await nodeHost({ proc: join(dir, "proc") }).pids();
    if (!known(pids)) throw new Error(pids.notKnown);
    expect([...pids.inUse].sort((a, b) => a - b)).toEqual([7, 8, 9]);
    expect(pids.pidMax).toBe(4194304);
  });

  it("names the machine as uname does, and has no flags when cpuinfo lists none", async () => {
    put("bare/cpuinfo", "processor\t: 0\nmodel name\t: something\n");
    const cpu = await nodeHost({ proc: join(dir, "bare") }).cpu();
    if (!known(cpu)) throw new Error(cpu.notKnown);
    expect(cpu.arch).toBe(machine());
    expect(cpu.flags.size).toBe(0);
  });

  it("the userfaultfd sysctl alone says yes, without the device", async () => {
    put("uffd/sys/vm/unprivileged_userfaultfd", "0\n");
    mkdirSync(join(dir, "nodev"));
    expect(await nodeHost({ proc: join(dir, "uffd"), dev: join(dir, "nodev") }).userfaultfd()).toBe(true);
  });

  it("a path it cannot stat for another reason than absence is unknown, with the code", async () => {
    mkdirSync(join(dir, "root"));
    symlinkSync("loop", join(dir, "root", "loop"));
    expect(await nodeHost({ root: join(dir, "root") }).stat("/loop")).toEqual({
      notKnown: `${join(dir, "root", "loop")}: ELOOP`,
    });
  });

  it("without a root, paths are the host's own", async () => {
    const h = nodeHost();
    expect(((await h.stat("/")) as { mode: number }).mode & 0o170000).toBe(0o040000);
    expect(((await h.stat(process.execPath)) as { mode: number }).mode & 0o170000).toBe(0o100000);
  });
});

describe("unknownHost", () => {
  it("knows nothing, and says why: the reason given, else that no facts were given", async () => {
    expect(await unknownHost().stat("/")).toEqual({ notKnown: "no host facts given" });
    expect(await unknownHost("no permission").pids()).toEqual({ notKnown: "no permission" });
    expect(known(await unknownHost().cpu())).toBe(false);
    // Facts that are not objects are known, null (absent) included.
    expect([known(true), known(false), known(null), known(0)]).toEqual([true, true, true, true]);
  });
});
