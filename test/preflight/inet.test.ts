/** The inet rule on real checkpoints' sockets (ports and addresses taken from crit's JSON), against made-up hosts. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Finding,
  type HostFacts,
  type HostSocket,
  notKnown,
  preflight,
  unknownHost,
} from "../../src/preflight/index.js";
import { corpusCheckpoint, editImage, legacyLayout } from "../helpers/checkpoints.js";
import { critDir } from "../helpers/corpus.js";
import { fact, fakeHost } from "../helpers/fake-host.js";

const host = (sockets: HostSocket[], addresses = ["127.0.0.1", "::1"], over: Partial<HostFacts> = {}) =>
  fakeHost(new Map(), {
    addresses: fact(new Set(addresses)),
    nonlocalBind: fact({ v4: false, v6: false }),
    sockets: fact(sockets),
    ...over,
  });

async function inet(cp: ReadonlyMap<string, Uint8Array>, h: HostFacts): Promise<Finding[]> {
  const r = await preflight(cp, h, { rules: ["inet"] });
  return r.rules[0]?.findings ?? [];
}

const listen = (address: string, port: number): HostSocket => ({ proto: "tcp", address, port, listening: true });
const udp = (address: string, port: number): HostSocket => ({ proto: "udp", address, port, listening: false });

interface CritIsk {
  id: number;
  proto: number;
  src_port: number;
  dst_port: number;
}
const critSockets = (scenario: string): CritIsk[] =>
  JSON.parse(readFileSync(join(critDir(scenario), "files.img.json"), "utf8"))
    .entries.filter((e: { type: string }) => e.type === "INETSK")
    .map((e: { isk: CritIsk }) => e.isk);

describe("inet", () => {
  it("connected TCP sockets need --tcp-established; nothing else blocks on a host with loopback and free ports", async () => {
    const r = await preflight(corpusCheckpoint("mixed-sockets"), host([]), { rules: ["inet"] });
    expect(r.rules[0]?.verdict).toBe("ok");
    expect(r.rules[0]?.findings.map((f) => [f.severity, f.criuError, f.entry])).toEqual([
      ["needs", "inet: Connected TCP socket in image", "sockets id 8, 9"],
    ]);
    expect(r.restoreOptions).toEqual(["--tcp-established"]);
    expect(r.blocked).toBe(false);
  });

  it("a port a host socket listens on blocks the listener's bind, wildcards and dual-stack included", async () => {
    const cp = corpusCheckpoint("mixed-sockets");
    for (const address of ["0.0.0.0", "127.0.0.1", "::", "::ffff:7f00:1"]) {
      const f = (await inet(cp, host([listen(address, 45031)]))).filter((x) => x.severity === "blocks");
      expect(
        f.map((x) => [x.subject, x.criuError]),
        address,
      ).toEqual([["tcp 127.0.0.1:45031", "inet: Can't bind inet socket (id 6): Address already in use"]]);
    }
    // Another specific address, or another port, is no clash; the connected socket on 45031 is bound in repair mode.
    expect((await inet(cp, host([listen("127.0.0.2", 45031), listen("0.0.0.0", 45099)]))).length).toBe(1);
  });

  it("a UDP port in use warns (the bind succeeds only if that socket set SO_REUSEADDR)", async () => {
    const f = await inet(corpusCheckpoint("mixed-sockets"), host([udp("0.0.0.0", 45033)]));
    const w = f.filter((x) => x.severity === "warns");
    expect(w.map((x) => [x.subject, x.entry])).toEqual([["udp 127.0.0.1:45033", "socket id 11"]]);
  });

  it("blocks exactly the listening TCP ports a host listener takes (property over host port sets)", async () => {
    const cp = corpusCheckpoint("mixed-sockets");
    // From crit: bound, unconnected TCP sockets are the listeners CRIU binds itself.
    const mine = critSockets("mixed-sockets").filter((s) => s.proto === 6 && s.src_port && !s.dst_port);
    const candidates = [...mine.map((s) => s.src_port), 45039, 80, 43812];
    await fc.assert(
      fc.asyncProperty(fc.subarray(candidates), async (ports) => {
        const f = await inet(cp, host(ports.map((p) => listen("::", p))));
        const blocked = f.filter((x) => x.severity === "blocks").map((x) => Number(x.subject.split(":").pop()));
        const want = mine.filter((s) => ports.includes(s.src_port)).map((s) => s.src_port);
        expect(blocked.sort()).toEqual(want.sort());
      }),
      { numRuns: 40 },
    );
  });

  it("IPv4 addresses must exist (127/8 answers as a whole); IPv6 ones only for connected sockets", async () => {
    const v4 = await inet(corpusCheckpoint("tcp4"), host([], ["10.1.1.1"]));
    expect(v4.filter((x) => x.severity === "blocks").map((x) => [x.subject, x.criuError, x.entry])).toEqual([
      ["127.0.0.1", "inet: Can't bind inet socket (id 6): Cannot assign requested address", "sockets id 6, 7"],
      ["127.0.0.2", "Can't bind inet socket back: Cannot assign requested address", "socket id 10"],
    ]);
    expect(
      (await inet(corpusCheckpoint("tcp4"), host([], ["127.0.0.1"]))).filter((x) => x.severity === "blocks"),
    ).toEqual([]);
    const nonlocal = host([], [], { nonlocalBind: fact({ v4: true, v6: false }) });
    expect((await inet(corpusCheckpoint("tcp4"), nonlocal)).filter((x) => x.severity === "blocks")).toEqual([]);
    const v6 = await inet(corpusCheckpoint("tcp6"), host([], ["127.0.0.1"]));
    // The listener (id 6) binds with IP_FREEBIND; the connected ones (7, 10) are bound by libsoccr without.
    expect(v6.filter((x) => x.severity === "blocks").map((x) => [x.subject, x.entry, x.criuError])).toEqual([
      ["::1", "sockets id 7, 10", "Can't bind inet socket back: Cannot assign requested address"],
    ]);
    const mapped = await inet(corpusCheckpoint("tcp-v4mapped"), host([], ["10.1.1.1"]));
    expect(mapped.filter((x) => x.severity === "blocks").map((x) => x.subject)).toEqual([
      "::ffff:7f00:1",
      "::ffff:7f00:2",
    ]);
  });

  it("blocks exactly the IPv4 addresses the host lacks (property over host address sets)", async () => {
    // The tcp4 pair moved to three 10.x addresses: listener, accepted and client sockets each on their own.
    const moved = ["10.0.0.1", "10.0.0.2", "10.0.0.3"];
    const word = (a: string) => a.split(".").reduce((w, x, i) => w + Number(x) * 2 ** (8 * i), 0);
    const cp = corpusCheckpoint("tcp4");
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) if (f.isk) f.isk.srcAddr = [word(moved[[6, 7, 10].indexOf(f.isk.id)] as string)];
    });
    await fc.assert(
      fc.asyncProperty(fc.subarray([...moved, "10.0.0.9", "127.0.0.1"]), fc.boolean(), async (have, nonlocal) => {
        const h = host([], have, { nonlocalBind: fact({ v4: nonlocal, v6: false }) });
        const blocked = (await inet(cp, h)).filter((x) => x.severity === "blocks").map((x) => x.subject);
        expect(blocked.sort()).toEqual(nonlocal ? [] : moved.filter((a) => !have.includes(a)));
      }),
      { numRuns: 60 },
    );
  });

  it("a v4-mapped socket's address is found among the host's dotted ones, 127/8 or not", async () => {
    const cp = corpusCheckpoint("tcp-v4mapped");
    // ::ffff:10.1.1.1, as CRIU's words hold it: the kernel's bytes read as little-endian u32s.
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) if (f.isk) f.isk.srcAddr = [0, 0, 0xffff0000, 0x0101010a];
    });
    const blocks = async (addresses: string[]) =>
      (await inet(cp, host([], addresses))).filter((x) => x.severity === "blocks").map((x) => x.subject);
    expect(await blocks(["10.1.1.1"])).toEqual([]);
    expect(await blocks(["127.0.0.1"])).toEqual(["::ffff:a01:101"]);
  });

  it("a socket without a port, or with an address of neither 1 nor 4 words, is not checked for its address", async () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) {
        if (f.isk?.id === 6) Object.assign(f.isk, { srcAddr: [0x0909090a], srcPort: 0 });
        if (f.isk?.id === 7) f.isk.srcAddr = [0x0909090a, 0];
      }
    });
    const r = await preflight(cp, host([], ["127.0.0.1"]), { rules: ["inet"] });
    expect(r.rules[0]?.checked).toBe(3);
    expect(r.rules[0]?.findings.filter((x) => x.severity !== "needs")).toEqual([]);
  });

  it("an address list it cannot read is said once per address, in full", async () => {
    const h = host([], [], { addresses: async () => notKnown("EPERM") });
    const f = (await inet(corpusCheckpoint("tcp4"), h)).filter((x) => x.severity === "not-checked");
    expect(f[0]).toEqual({
      rule: "inet",
      image: "files.img",
      entry: "sockets id 6, 7",
      severity: "not-checked",
      subject: "127.0.0.1",
      problem: "cannot list this host's addresses: EPERM",
      criuError: "",
      fix: "Run preflight on the host that will restore, as root, where /proc can be read.",
    });
    expect(f.map((x) => x.subject)).toEqual(["127.0.0.1", "127.0.0.2"]);
  });

  it("reads the legacy inetsk.img layout alike", async () => {
    const h = host([listen("0.0.0.0", 45001)], ["10.1.1.1"]);
    const now = await inet(corpusCheckpoint("tcp4"), h);
    const old = await inet(legacyLayout(corpusCheckpoint("tcp4")), h);
    expect(old.map((x) => x.criuError)).toEqual(now.map((x) => x.criuError));
    expect(old.every((x) => x.image === "inetsk.img")).toBe(true);
    expect(now.map((x) => x.criuError)).toContain("inet: Can't bind inet socket (id 6): Address already in use");
  });

  it("says not checked when the host's addresses or sockets are unknown", async () => {
    const r = await preflight(corpusCheckpoint("tcp4"), unknownHost("not root"), { rules: ["inet"] });
    expect(r.rules[0]?.verdict).toBe("not-checked");
    expect(r.rules[0]?.findings.filter((f) => f.severity === "not-checked").map((f) => f.subject)).toEqual([
      "127.0.0.1",
      "tcp ports",
      "127.0.0.2",
    ]);
  });

  it("a network namespace of its own is restored from the images; an external one needs its addresses set up", async () => {
    const cp = corpusCheckpoint("netns");
    const own = await preflight(cp, unknownHost(), { rules: ["inet"] });
    expect(own.rules[0]?.note).toContain("its own network namespace");
    expect(own.rules[0]?.findings.map((f) => f.severity)).toEqual(["needs"]);
    const netns = [...cp.keys()].find((n) => /^netns-\d+\.img$/.test(n)) as string;
    editImage<"NETNS">(cp, netns, (img) => {
      (img.entries[0] as { extKey?: string }).extKey = "extRootNetNS";
    });
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) if (f.isk && f.isk.srcAddr[0] === 0x0500007f) f.isk.srcAddr = [0x0500000a];
    });
    const ext = await preflight(cp, unknownHost(), { rules: ["inet"] });
    const f = ext.rules[0]?.findings.filter((x) => x.subject === "10.0.0.5");
    expect(f?.map((x) => [x.severity, x.criuError])).toEqual([
      ["needs", "Can't bind inet socket back: Cannot assign requested address"],
    ]);
    expect(f?.[0]?.problem).toContain("extRootNetNS");
  });

  it("in an external namespace, loopback needs nothing and IPv6 is named; any netns-N.img says so", async () => {
    const cp = corpusCheckpoint("netns");
    const netns = [...cp.keys()].find((n) => /^netns-\d+\.img$/.test(n)) as string;
    editImage<"NETNS">(cp, netns, (img) => {
      (img.entries[0] as { extKey?: string }).extKey = "extRootNetNS";
    });
    // A namespace id of two digits.
    cp.set("netns-12.img", cp.get(netns) as Uint8Array);
    cp.delete(netns);
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const f of img.entries) {
        if (!f.isk) continue;
        if (f.isk.state === 10) {
          f.isk.family = 10;
          f.isk.srcAddr = [0xb80d0120, 0, 0, 0x05000000]; // 2001:db8::5
        } else if (f.isk.srcAddr[0] === 0x0500007f) {
          f.isk.family = 10;
          f.isk.srcAddr = [0, 0, 0, 0x01000000]; // ::1
        }
      }
    });
    const ext = await preflight(cp, unknownHost(), { rules: ["inet"] });
    expect(ext.rules[0]?.findings.map((x) => [x.severity, x.subject])).toEqual([
      ["needs", "2001:db8::5"],
      ["needs", "connected TCP sockets"],
    ]);
  });
});
