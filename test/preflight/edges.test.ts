/** Edges of the build-id reader, the inet rule's address and port matching, and the unix rule's lookups. */
import { clone } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { file_entrySchema } from "../../src/gen/index.js";
import { buildIdOf } from "../../src/preflight/build-id.js";
import { type HostSocket, preflight, unknownHost } from "../../src/preflight/index.js";
import { corpusCheckpoint, editImage } from "../helpers/checkpoints.js";
import { elfWithNote } from "../helpers/elf.js";
import { type FakeFile, fact, fakeHost } from "../helpers/fake-host.js";

describe("buildIdOf refuses what CRIU's reader refuses", () => {
  const id = Uint8Array.from({ length: 20 }, (_, i) => i + 1);
  it("wrong magic, class or size", () => {
    for (const wide of [true, false]) {
      const elf = elfWithNote(id, { wide });
      expect(buildIdOf(elf)).toEqual(id);
      for (const at of [0, 1, 2, 3]) {
        const bad = elf.slice();
        bad[at] = 0x20;
        expect(buildIdOf(bad), `byte ${at}`).toBeUndefined();
      }
      const cls = elf.slice();
      cls[4] = 3;
      expect(buildIdOf(cls)).toBeUndefined();
      expect(buildIdOf(elf.subarray(0, wide ? 63 : 51))).toBeUndefined();
      expect(buildIdOf(elf.subarray(0, 4))).toBeUndefined();
    }
  });

  it("program headers at offset 0 or past the head", () => {
    const elf = elfWithNote(id);
    const atZero = elf.slice();
    new DataView(atZero.buffer).setBigUint64(32, 0n, true);
    expect(buildIdOf(atZero)).toBeUndefined();
    // The head ends inside the program header: CRIU stops there.
    expect(buildIdOf(elf.subarray(0, 64 + 40))).toBeUndefined();
    const small = elfWithNote(id, { wide: false });
    const cut = small.slice();
    new DataView(cut.buffer).setUint32(28, small.length, true);
    expect(buildIdOf(cut)).toBeUndefined();
  });
});

const host = (sockets: HostSocket[], addresses: string[]) =>
  fakeHost(new Map(), {
    addresses: fact(new Set(addresses)),
    nonlocalBind: fact({ v4: false, v6: false }),
    sockets: fact(sockets),
  });
const blocks = async (scenario: string, h: ReturnType<typeof host>, cp = corpusCheckpoint(scenario)) =>
  ((await preflight(cp, h, { rules: ["inet"] })).rules[0]?.findings ?? [])
    .filter((f) => f.severity === "blocks")
    .map((f) => f.subject);
const listen = (address: string, port: number): HostSocket => ({ proto: "tcp", address, port, listening: true });

describe("inet matching", () => {
  it("IPv6 listeners clash on the same address or a wildcard, not on another address or family", async () => {
    expect(await blocks("tcp6", host([listen("::1", 45011)], ["::1"]))).toEqual(["tcp ::1:45011"]);
    expect(await blocks("tcp6", host([listen("::2", 45011)], ["::1"]))).toEqual([]);
    expect(await blocks("tcp6", host([listen("127.0.0.1", 45011)], ["::1"]))).toEqual([]);
    expect(await blocks("tcp4", host([listen("::1", 45001)], ["127.0.0.1"]))).toEqual([]);
    expect(await blocks("tcp4", host([listen("::ffff:7f00:1", 45001)], ["127.0.0.1"]))).toEqual([
      "tcp 127.0.0.1:45001",
    ]);
  });

  it("a host socket whose address cannot be read is passed over, not matched", async () => {
    const odd: HostSocket = { proto: "tcp", address: "no address", port: 45001, listening: true };
    expect(await blocks("tcp4", host([odd], ["127.0.0.1"]))).toEqual([]);
    expect(await blocks("tcp4", host([odd, listen("127.0.0.1", 45001)], ["127.0.0.1"]))).toEqual([
      "tcp 127.0.0.1:45001",
    ]);
  });

  it("a v4-mapped address is the host's IPv4 address; 127/8 answers only when the host has loopback", async () => {
    expect(await blocks("tcp-v4mapped", host([], ["127.0.0.1"]))).toEqual([]);
    expect(await blocks("tcp4", host([], ["10.0.0.1", "127.0.0.1"]))).toEqual([]);
    expect(await blocks("tcp4", host([], ["10.0.0.1"]))).toEqual(["127.0.0.1", "127.0.0.2"]);
  });

  it("lists eight socket ids per finding and fifty findings of a kind, then counts the rest", async () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"FILES">(cp, "files.img", (img) => {
      const listener = img.entries.find((f) => f.isk?.id === 6);
      if (!listener?.isk) throw new Error("tcp4's listener");
      for (let i = 0; i < 70; i++) {
        const f = clone(file_entrySchema, listener);
        if (!f.isk) continue;
        f.id = 1000 + i;
        f.isk.id = 1000 + i;
        // 60 addresses: ten of them twice.
        f.isk.srcAddr = [(10 | ((i % 60) << 24)) >>> 0];
        img.entries.push(f);
      }
      // Nine more on the first address: eleven sockets, of which eight are named.
      for (let i = 70; i < 79; i++) {
        const f = clone(file_entrySchema, listener);
        if (!f.isk) continue;
        f.id = 1000 + i;
        f.isk.id = 1000 + i;
        f.isk.srcAddr = [10];
        img.entries.push(f);
      }
    });
    const run = (await preflight(cp, host([], ["127.0.0.1"]), { rules: ["inet"] })).rules[0];
    expect(run?.checked).toBe(3 + 79);
    const missing = (run?.findings ?? []).filter((x) => x.severity === "blocks");
    expect(missing.length).toBe(51);
    expect(missing[0]).toMatchObject({
      subject: "10.0.0.0",
      entry: "sockets id 1000, 1060, 1070, 1071, 1072, 1073, 1074, 1075",
    });
    expect(missing[1]).toMatchObject({ subject: "10.0.0.1", entry: "sockets id 1001, 1061" });
    expect(missing[50]).toEqual({
      ...missing[49],
      entry: "",
      subject: "10 more",
      problem: "and 10 more sockets with the same problem (addr), counted, not listed",
      criuError: "",
    });
  });
});

describe("unix lookups", () => {
  it("says not checked when the path or its directory cannot be stat'd", async () => {
    const r = await preflight(
      corpusCheckpoint("mixed-sockets"),
      { ...unknownHost("EACCES"), fileRoot: "/" },
      { rules: ["unix"] },
    );
    expect(r.rules[0]?.verdict).toBe("not-checked");
    expect(r.rules[0]?.findings.map((x) => x.problem)).toEqual(["cannot stat it: EACCES", "cannot stat it: EACCES"]);
    const dirOnly = fakeHost(new Map<string, FakeFile>());
    const calls: string[] = [];
    const h = {
      ...dirOnly,
      stat: async (p: string) => {
        calls.push(p);
        return p.endsWith(".sock") ? null : { notKnown: "EACCES" };
      },
    };
    const d = await preflight(corpusCheckpoint("mixed-sockets"), h, { rules: ["unix"] });
    expect(d.rules[0]?.findings.map((x) => x.problem)).toEqual([
      "cannot stat its directory: EACCES",
      "cannot stat its directory: EACCES",
    ]);
    expect(calls).toEqual([
      "/srv/ckpt/work/mixed-sockets/ux.sock",
      "/srv/ckpt/work/mixed-sockets",
      "/srv/ckpt/work/mixed-sockets/ud.sock",
      "/srv/ckpt/work/mixed-sockets",
    ]);
  });

  it("takes absolute names as they are and relative ones under their directory", async () => {
    const cp = corpusCheckpoint("mixed-sockets");
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) {
        if (f.usk?.id === 0x1a) f.usk.name = new TextEncoder().encode("/run/app.sock");
        if (f.usk?.id === 0x1f) f.usk.nameDir = "srv/dir/";
      }
    });
    const seen: string[] = [];
    const stat = async (p: string) => {
      seen.push(p);
      return { mode: 0o140755, size: 0 };
    };
    const h = { ...fakeHost(), stat };
    await preflight(cp, h, { rules: ["unix"] });
    expect(seen).toEqual(["/run/app.sock", "/srv/dir/ud.sock"]);
    // A relative name without its directory is taken under the root.
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) if (f.usk?.id === 0x1f) f.usk.nameDir = "";
    });
    seen.length = 0;
    await preflight(cp, h, { rules: ["unix"] });
    expect(seen).toEqual(["/run/app.sock", "/ud.sock"]);
  });
});

describe("files read either way", () => {
  it("gives the same report from decoded images as from the wire", async () => {
    const host = fakeHost(new Map(), { pids: fact({ inUse: new Set<number>(), pidMax: 1 << 22 }) });
    const wire = await preflight(corpusCheckpoint("many-fds"), host);
    const { Checkpoint } = await import("../../src/checkpoint/index.js");
    const cp = Checkpoint.of(corpusCheckpoint("many-fds"));
    expect(cp.kind("files.img", "FILES")?.entries.length).toBeGreaterThan(0);
    expect(await preflight(cp, host)).toEqual(wire);
    expect(wire.rules.find((r) => r.rule === "files")?.checked).toBeGreaterThan(10);
  });

  it("says not checked when an ELF file's head cannot be read for its build-id", async () => {
    const files = new Map<string, FakeFile>([
      ["/usr/lib/x86_64-linux-gnu/libc.so.6", { mode: 0o100755, size: 1926232 }],
    ]);
    const h = { ...fakeHost(files), head: async () => ({ notKnown: "EACCES" }) };
    const r = await preflight(corpusCheckpoint("simple"), h, { rules: ["mappings"] });
    const libc = r.rules[0]?.findings.find((f) => f.subject === "/usr/lib/x86_64-linux-gnu/libc.so.6");
    expect(libc).toMatchObject({ severity: "not-checked", problem: "cannot read its build-id: EACCES" });
  });
});
