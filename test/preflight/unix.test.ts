/** The unix rule: mixed-sockets binds ux.sock and ud.sock in its work folder (crit: name_dir + name). */
import { describe, expect, it } from "vitest";
import { preflight } from "../../src/preflight/index.js";
import { corpusCheckpoint, editImage, legacyLayout } from "../helpers/checkpoints.js";
import { type FakeFile, fakeHost } from "../helpers/fake-host.js";

const dir = "/srv/ckpt/work/mixed-sockets";
const run = async (files: [string, FakeFile][], cp = corpusCheckpoint("mixed-sockets")) =>
  (await preflight(cp, fakeHost(new Map(files)), { rules: ["unix"] })).rules[0];
const DIR: FakeFile = { mode: 0o40755, size: 4096 };

describe("unix", () => {
  it("binds need the directory; the listening and the datagram socket are checked, connected and abstract ones not", async () => {
    const ok = await run([[dir, DIR]]);
    expect(ok).toMatchObject({ verdict: "ok", checked: 2, findings: [] });
    const r = await run([]);
    expect(r?.findings.map((f) => [f.subject, f.criuError])).toEqual([
      [`${dir}/ux.sock`, "unix: Can't bind id 0x1a ino 332595 addr ux.sock: No such file or directory"],
      [`${dir}/ud.sock`, "unix: Can't bind id 0x1f ino 332600 addr ud.sock: No such file or directory"],
    ]);
    expect(r?.verdict).toBe("blocks");
  });

  it("a file of another type in the way blocks; a stale socket file warns (CRIU removes it)", async () => {
    const r = await run([
      [dir, DIR],
      [`${dir}/ux.sock`, { mode: 0o100644, size: 3 }],
      [`${dir}/ud.sock`, { mode: 0o140755, size: 0 }],
    ]);
    expect(r?.findings.map((f) => [f.severity, f.subject, f.criuError])).toEqual([
      ["blocks", `${dir}/ux.sock`, "unix: Can't bind id 0x1a ino 332595 addr ux.sock: Address already in use"],
      ["warns", `${dir}/ud.sock`, ""],
    ]);
  });

  it("leaves out external and deleted sockets", async () => {
    const cp = corpusCheckpoint("mixed-sockets");
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) {
        if (f.usk?.id === 0x1a) f.usk.uflags = 1;
        if (f.usk?.id === 0x1f) f.usk.deleted = true;
      }
    });
    expect(await run([], cp)).toMatchObject({ verdict: "ok", checked: 0 });
  });

  it("a name is the path before its first NUL, whatever follows; a socket bound right under / needs only /", async () => {
    const cp = corpusCheckpoint("mixed-sockets");
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) {
        if (f.usk?.id === 0x1a) f.usk.name = new TextEncoder().encode("ux.sock\0\0old.sock\0");
        if (f.usk?.id === 0x1f) f.usk.name = new TextEncoder().encode("/ud.sock");
      }
    });
    const r = await run([["/", DIR]], cp);
    expect(r?.findings.map((f) => [f.subject, f.criuError])).toEqual([
      [`${dir}/ux.sock`, "unix: Can't bind id 0x1a ino 332595 addr ux.sock: No such file or directory"],
    ]);
    expect(r?.checked).toBe(2);
  });

  it("reads the legacy unixsk.img layout alike", async () => {
    const now = await run([]);
    const old = await run([], legacyLayout(corpusCheckpoint("mixed-sockets"), { allSockets: true }));
    expect(old?.findings.map((f) => f.criuError)).toEqual(now?.findings.map((f) => f.criuError));
    expect(old?.findings.map((f) => f.image)).toEqual(["unixsk.img", "unixsk.img"]);
    expect(old?.checked).toBe(2);
  });
});
