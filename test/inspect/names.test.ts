/**
 * The names inspect gives numbers, against Python's os and signal modules
 * (libc's values on this machine) and the kernel's numbering.
 */
import { describe, expect, it } from "vitest";
import { capabilityNames, openFlags, signalName } from "../../src/inspect/names.js";
import { py, python } from "../helpers/python.js";

describe.runIf(python)("names against Python", () => {
  it("open(2) flags: the access mode first, then each flag whose bits are set", () => {
    const names = ["O_APPEND", "O_NONBLOCK", "O_DSYNC", "O_DIRECT", "O_DIRECTORY", "O_NOFOLLOW", "O_NOATIME"];
    const more = ["O_CLOEXEC", "O_SYNC", "O_PATH", "O_TMPFILE"];
    const v = py("import os, json, sys; print(json.dumps({n: getattr(os, n) for n in json.load(sys.stdin)}))", [
      ...names,
      ...more,
      "O_RDONLY",
      "O_WRONLY",
      "O_RDWR",
      "O_CREAT",
      "O_EXCL",
      "O_TRUNC",
    ]) as Record<string, number>;
    expect(openFlags(v.O_RDONLY as number)).toEqual(["O_RDONLY"]);
    expect(openFlags(v.O_WRONLY as number)).toEqual(["O_WRONLY"]);
    // Flags that only matter at open time are not shown.
    expect(
      openFlags((v.O_RDWR as number) | (v.O_CREAT as number) | (v.O_EXCL as number) | (v.O_TRUNC as number)),
    ).toEqual(["O_RDWR"]);
    for (const n of [...names, ...more]) {
      const got = openFlags((v.O_RDWR as number) | (v[n] as number));
      expect(got[0], n).toBe("O_RDWR");
      expect(got, n).toContain(n);
    }
    // Single-bit flags alone name only themselves; O_SYNC and O_TMPFILE carry O_DSYNC and O_DIRECTORY with them.
    for (const n of names) expect(openFlags((v.O_WRONLY as number) | (v[n] as number)), n).toEqual(["O_WRONLY", n]);
    expect(openFlags(v.O_SYNC as number)).toEqual(["O_RDONLY", "O_DSYNC", "O_SYNC"]);
    expect(openFlags(v.O_TMPFILE as number)).toEqual(["O_RDONLY", "O_DIRECTORY", "O_TMPFILE"]);
    expect(openFlags(3)).toEqual(["O_ACCMODE"]);
  });

  it("signals 1 to 31 by their names; real-time ones by their distance from the kernel's SIGRTMIN (32)", () => {
    const names = py(
      "import signal, json; print(json.dumps({int(s): s.name for s in signal.Signals if int(s) < 32}))",
      null,
    ) as Record<string, string>;
    expect(Object.keys(names).length).toBe(31);
    for (const [n, name] of Object.entries(names)) expect(signalName(Number(n))).toBe(name);
    expect([signalName(32), signalName(34), signalName(64)]).toEqual(["SIGRT0", "SIGRT2", "SIGRT32"]);
    expect(signalName(0)).toBe("SIG0");
  });
});

describe("capabilities", () => {
  it("names the bits of each 32-bit word, low word first, and numbers those past the kernel's list", () => {
    // linux/capability.h: CAP_CHOWN 0, CAP_KILL 5, CAP_SYS_ADMIN 21, CAP_SETFCAP 31, CAP_MAC_OVERRIDE 32, CAP_CHECKPOINT_RESTORE 40.
    expect(capabilityNames([(1 << 0) | (1 << 5) | (1 << 21) | (1 << 31), (1 << 0) | (1 << 8) | (1 << 20)])).toEqual([
      "CAP_CHOWN",
      "CAP_KILL",
      "CAP_SYS_ADMIN",
      "CAP_SETFCAP",
      "CAP_MAC_OVERRIDE",
      "CAP_CHECKPOINT_RESTORE",
      "CAP_52",
    ]);
    expect(capabilityNames([0, 0])).toEqual([]);
  });
});
