import fc from "fast-check";
import ipaddr from "ipaddr.js";
import { describe, expect, it } from "vitest";
import { Checkpoint, type CheckpointLike } from "../../src/checkpoint/index.js";
import { readFramed, readImage, writeImage } from "../../src/index.js";
import { listConnections, type RewriteRule, rewriteConnections, TcpRewriteError } from "../../src/tcp/index.js";
import { corpusCheckpoint, legacyLayout } from "../helpers/checkpoints.js";

const addr = (from: string, to: string): RewriteRule => ({ kind: "address", from, to });
const endpoint = (a: string, p: number, b: string, q: number): RewriteRule => ({
  kind: "endpoint",
  from: { address: a, port: p },
  to: { address: b, port: q },
});

function sameBytes(a: ReadonlyMap<string, Uint8Array>, other: CheckpointLike): string[] {
  const diff: string[] = [];
  const b = Checkpoint.of(other);
  for (const [name, bytes] of a) if (Buffer.compare(bytes, b.bytes(name) as Uint8Array) !== 0) diff.push(name);
  return diff;
}

describe("rewriteConnections", () => {
  it("moves the tcp4 client on both sockets (client src and accepted dst), only in files.img", () => {
    const cp = corpusCheckpoint("tcp4");
    const { checkpoint, report } = rewriteConnections(cp, [endpoint("127.0.0.2", 45002, "10.9.8.7", 50000)]);
    expect(report.changedImages).toEqual(["files.img"]);
    expect(sameBytes(cp, checkpoint)).toEqual(["files.img"]);
    expect(report.changes.map((c) => [c.socketId, c.side, c.to])).toEqual([
      [7, "remote", { address: "10.9.8.7", port: 50000 }],
      [10, "local", { address: "10.9.8.7", port: 50000 }],
    ]);
    const after = listConnections(checkpoint);
    expect(after.find((s) => s.id === 10)?.local).toEqual({ address: "10.9.8.7", port: 50000 });
    expect(after.find((s) => s.id === 7)?.remote).toEqual({ address: "10.9.8.7", port: 50000 });
    expect(report.warnings.some((w) => w.includes("no longer agree"))).toBe(false);
    expect(report.warnings.some((w) => w.startsWith("network lock: iptables"))).toBe(true);
  });

  it("re-encodes only the changed entries; every other entry keeps its bytes", () => {
    const cp = corpusCheckpoint("mixed-sockets");
    const { checkpoint, report } = rewriteConnections(cp, [addr("::1", "fd00::1")]);
    const changedIds = new Set(report.changes.map((c) => c.socketId));
    expect(changedIds.size).toBeGreaterThan(0);
    const before = readFramed(cp.get("files.img") as Uint8Array, { name: "files.img" }).entries;
    const after = readFramed(checkpoint.bytes("files.img") as Uint8Array, { name: "files.img" }).entries;
    const files = readImage(cp.get("files.img") as Uint8Array, { name: "files.img" });
    if (files.kind !== "FILES") throw new Error("kind");
    expect(after).toHaveLength(before.length);
    before.forEach((e, i) => {
      const same = Buffer.compare(e.payload, (after[i] as { payload: Uint8Array }).payload) === 0;
      expect(same, `entry ${i}`).toBe(!changedIds.has(files.entries[i]?.isk?.id ?? -1));
    });
  });

  it("treats IPv4 and v4-mapped IPv6 as one address, writing the form each family needs", () => {
    const cp = corpusCheckpoint("tcp-v4mapped");
    const { checkpoint, report } = rewriteConnections(cp, [addr("127.0.0.2", "10.0.0.2")]);
    expect(report.changes).toHaveLength(2);
    for (const s of listConnections(checkpoint).filter((x) => x.state === "ESTABLISHED")) {
      expect([s.local.address, s.remote.address]).toContain("::ffff:a00:2");
    }
    // And the other way: a v4-mapped rule on AF_INET sockets writes one word.
    const v4 = rewriteConnections(corpusCheckpoint("tcp4"), [addr("::ffff:127.0.0.2", "::ffff:10.0.0.2")]);
    expect(listConnections(v4.checkpoint).find((s) => s.id === 10)?.local.address).toBe("10.0.0.2");
  });

  it("rewrites UDP and raw sockets too, and reports them by kind", () => {
    const { report } = rewriteConnections(corpusCheckpoint("mixed-sockets"), [addr("127.0.0.1", "10.1.1.1")]);
    const kinds = new Set(report.changes.map((c) => c.kind));
    expect(kinds.has("tcp") && kinds.has("udp") && kinds.has("udplite")).toBe(true);
    const raw = rewriteConnections(corpusCheckpoint("mixed-sockets"), [addr("0.0.0.0", "10.1.1.1")], {
      allowUnmatched: true,
    });
    expect(raw.report.changes.some((c) => c.kind === "raw")).toBe(true);
  });

  it("works on the legacy inetsk.img layout, changing inetsk.img only", () => {
    const cp = legacyLayout(corpusCheckpoint("tcp4"));
    const { checkpoint, report } = rewriteConnections(cp, [addr("127.0.0.2", "10.0.0.2")]);
    expect(report.changedImages).toEqual(["inetsk.img"]);
    expect(sameBytes(cp, checkpoint)).toEqual(["inetsk.img"]);
    expect(listConnections(checkpoint).find((s) => s.id === 10)?.local.address).toBe("10.0.0.2");
  });

  it("refuses, changing nothing: IPv6 into AF_INET, conflicts, unmatched rules", () => {
    const cp = corpusCheckpoint("tcp4");
    const copy = new Map([...cp].map(([k, v]) => [k, v.slice()]));
    const refuse = (rules: RewriteRule[], re: RegExp) => {
      expect(() => rewriteConnections(cp, rules)).toThrow(TcpRewriteError);
      expect(() => rewriteConnections(cp, rules)).toThrow(re);
    };
    refuse(
      [addr("127.0.0.1", "2001:db8::1")],
      /IPv6 address 2001:db8::1 into AF_INET sockets: 3 endpoints \(socket 6 /,
    );
    refuse([addr("127.0.0.1", "10.0.0.1"), addr("127.0.0.1", "10.0.0.3")], /rules conflict/);
    refuse(
      [addr("127.0.0.2", "10.0.0.2"), endpoint("127.0.0.2", 45002, "10.0.0.3", 45002)],
      /rules conflict: .* give different addresses: 2 endpoints \(socket 7 /,
    );
    refuse([addr("192.0.2.99", "10.0.0.1")], /matches no socket/);
    expect(sameBytes(copy, cp)).toEqual([]);
    const ok = rewriteConnections(cp, [addr("192.0.2.99", "10.0.0.1"), addr("127.0.0.2", "10.0.0.2")], {
      allowUnmatched: true,
    });
    expect(ok.report.unmatchedRules).toEqual(["--addr 192.0.2.99=10.0.0.1"]);
  });

  it("warns about netns images holding the old address, and about peers", () => {
    const netns = rewriteConnections(corpusCheckpoint("netns"), [addr("127.0.0.5", "10.5.5.5")]);
    expect(netns.report.warnings.find((w) => w.startsWith("network namespace images"))).toContain("ifaddr-9.img");
    // Only one side of a connection whose both ends are in the checkpoint: a reset.
    const oneSide = rewriteConnections(corpusCheckpoint("tcp4"), [endpoint("127.0.0.1", 45001, "127.0.0.1", 45111)]);
    expect(oneSide.report.warnings.some((w) => w.includes("no longer agree"))).toBe(false);
    // A peer outside the checkpoint: build one by dropping the client socket.
    const cp = corpusCheckpoint("tcp4");
    const legacy = legacyLayout(cp);
    const inetsk = readImage(legacy.get("inetsk.img") as Uint8Array, { name: "inetsk.img" });
    if (inetsk.kind !== "INETSK") throw new Error("kind");
    legacy.set("inetsk.img", writeImage({ ...inetsk, entries: inetsk.entries.filter((s) => s.id !== 10) }));
    const alone = rewriteConnections(legacy, [addr("127.0.0.1", "10.0.0.1")]);
    expect(alone.report.warnings.some((w) => w.includes("its peer is not in this checkpoint"))).toBe(true);
  });
});

const SCENARIOS = ["tcp4", "tcp6", "tcp-v4mapped", "mixed-sockets", "netns"];
const fresh = fc.tuple(
  fc.integer({ min: 1, max: 254 }),
  fc.integer({ min: 0, max: 255 }),
  fc.integer({ min: 1, max: 254 }),
);

/** A rule that moves an address the checkpoint really holds to a fresh one. */
const scenarioAndRule = fc.constantFrom(...SCENARIOS).chain((scenario) => {
  const cp = corpusCheckpoint(scenario);
  const endpoints = listConnections(cp)
    .flatMap((s) => [
      { ...s.local, v6: s.family === "INET6" },
      { ...s.remote, v6: s.family === "INET6" },
    ])
    .filter((e) => e.address !== "" && e.address !== "0.0.0.0" && e.address !== "::");
  return fc.tuple(
    fc.constant(scenario),
    fc.constantFrom(...endpoints),
    fresh,
    fc.boolean(),
    fc.integer({ min: 1, max: 65535 }),
  );
});

describe("rewrite properties", () => {
  it("rewrite then reverse rewrite gives back identical bytes", () => {
    fc.assert(
      fc.property(scenarioAndRule, ([scenario, ep, [a, b, c], byEndpoint, port]) => {
        const cp = corpusCheckpoint(scenario);
        const pure4 = !ep.address.includes(":") || ep.address.startsWith("::ffff:");
        const to = pure4 ? `10.${a}.${b}.${c}` : `fd00::${a.toString(16)}:${c.toString(16)}`;
        const forward = byEndpoint ? endpoint(ep.address, ep.port, to, port) : addr(ep.address, to);
        const back = byEndpoint ? endpoint(to, port, ep.address, ep.port) : addr(to, ep.address);
        const once = rewriteConnections(cp, [forward]);
        const twice = rewriteConnections(once.checkpoint, [back]);
        expect(sameBytes(cp, twice.checkpoint)).toEqual([]);
      }),
      { numRuns: 60, seed: 31 },
    );
  });

  it("changes exactly the matched endpoints and nothing else", () => {
    fc.assert(
      fc.property(scenarioAndRule, ([scenario, ep, [a, b, c], byEndpoint, port]) => {
        const cp = corpusCheckpoint(scenario);
        const pure4 = !ep.address.includes(":") || ep.address.startsWith("::ffff:");
        const to = pure4 ? `10.${a}.${b}.${c}` : `fd00::${a.toString(16)}:${c.toString(16)}`;
        const rule = byEndpoint ? endpoint(ep.address, ep.port, to, port) : addr(ep.address, to);
        const before = listConnections(cp);
        const after = listConnections(rewriteConnections(cp, [rule]).checkpoint);
        // Compare addresses as IPv6 (IPv4 as v4-mapped), independently of the library.
        const norm = (a: string) => {
          const p = ipaddr.parse(a);
          return p.kind() === "ipv4"
            ? (p as ipaddr.IPv4).toIPv4MappedAddress().toNormalizedString()
            : p.toNormalizedString();
        };
        const matches = (e: { address: string; port: number }) =>
          e.address !== "" && norm(e.address) === norm(ep.address) && (!byEndpoint || e.port === ep.port);
        before.forEach((s, i) => {
          const t = after[i] as (typeof after)[number];
          for (const side of ["local", "remote"] as const) {
            if (matches(s[side])) {
              expect(t[side].port).toBe(byEndpoint ? port : s[side].port);
              expect(norm(t[side].address)).toBe(norm(to));
            } else expect(t[side]).toEqual(s[side]);
          }
          expect({ ...t, local: 0, remote: 0 }).toEqual({ ...s, local: 0, remote: 0 });
        });
      }),
      { numRuns: 60, seed: 32 },
    );
  });

  it("a refused rewrite leaves every byte as it was", () => {
    const bad = fc.oneof(
      fc.constant([addr("127.0.0.1", "2001:db8::9")]),
      fc.constant([addr("203.0.113.7", "10.0.0.1")]),
      fc.constant([addr("127.0.0.1", "10.0.0.1"), addr("127.0.0.1", "10.0.0.2")]),
    );
    fc.assert(
      fc.property(fc.constantFrom("tcp4", "mixed-sockets", "netns"), bad, (scenario, rules) => {
        const cp = corpusCheckpoint(scenario);
        const copy = new Map([...cp].map(([k, v]) => [k, v.slice()]));
        expect(() => rewriteConnections(cp, rules)).toThrow(TcpRewriteError);
        expect(sameBytes(copy, cp)).toEqual([]);
      }),
      { numRuns: 20, seed: 33 },
    );
  });
});
