/**
 * Which endpoints a rule matches, what a match that changes nothing does,
 * and the warnings that depend on matching peers, on cases worked out by
 * hand from how CRIU stores an address (AF_INET: one word; AF_INET6: four,
 * IPv4 as ::ffff:a.b.c.d) and from corpus checkpoints changed one thing at a
 * time. Each address below differs from a socket's in exactly one word.
 */
import { clone } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { file_entrySchema } from "../../src/gen/index.js";
import { asV4, parseAddress } from "../../src/image/address.js";
import { wordsFor } from "../../src/tcp/family-words.js";
import {
  parseAddressRule,
  parseEndpointRule,
  type RewriteRule,
  rewriteConnections,
  TcpRewriteError,
} from "../../src/tcp/index.js";
import { compile, conflicts } from "../../src/tcp/plan.js";
import { RACE } from "../../src/tcp/warnings.js";
import { corpusCheckpoint, editImage } from "../helpers/checkpoints.js";
import { caught } from "../helpers/errors.js";

const addr = (from: string, to: string): RewriteRule => ({ kind: "address", from, to });
const endpoint = (a: string, p: number, b: string, q: number): RewriteRule => ({
  kind: "endpoint",
  from: { address: a, port: p },
  to: { address: b, port: q },
});
const refusal = (f: () => unknown): string => {
  const e = caught(f);
  if (!(e instanceof TcpRewriteError)) throw e;
  return e.message;
};
const IPTABLES =
  "network lock: iptables (inventory.img). On the dump host, CRIU's DROP rules for the old tuples stay after the restore; delete them there (iptables -S | grep CRIU). CRIU also logs non-fatal failures while deleting rules for the new tuples.";
const PEERLESS =
  "its peer is not in this checkpoint; the peer must see the same tuple (move it, or its address, too) or the connection will be reset.";
const noNetns = (targets: string) =>
  `the checkpoint has no network namespace images: its sockets are restored into the restore host's namespace, where ${targets} must already be configured.`;

describe("a rule matches an address only in all four words", () => {
  it("IPv4 sockets: only 127.0.0.2 itself or ::ffff:127.0.0.2", () => {
    const cp = corpusCheckpoint("tcp4");
    // Word 0, word 1 and word 2 of the v4-mapped form changed, one at a time.
    for (const other of ["1::ffff:127.0.0.2", "0:0:1::ffff:127.0.0.2", "::1:0:7f00:2"]) {
      expect(
        refusal(() => rewriteConnections(cp, [addr(other, "10.0.0.1")])),
        other,
      ).toBe(`--addr ${other}=10.0.0.1 matches no socket`);
    }
    const mapped = rewriteConnections(cp, [addr("::ffff:127.0.0.2", "10.0.0.1")]).report.changes;
    expect(mapped.map((c) => [c.socketId, c.side, c.to.address])).toEqual([
      [7, "remote", "10.0.0.1"],
      [10, "local", "10.0.0.1"],
    ]);
  });

  it("IPv6 sockets: only ::1 itself", () => {
    const cp = corpusCheckpoint("tcp6");
    for (const other of ["1::1", "0:0:1::1", "::1:0:0:1", "::2"]) {
      expect(
        refusal(() => rewriteConnections(cp, [addr(other, "::5")])),
        other,
      ).toBe(`--addr ${other}=::5 matches no socket`);
    }
    expect(rewriteConnections(cp, [addr("::1", "::5")]).report.changes).toHaveLength(5);
  });

  it("IPv4 and its v4-mapped form are one address; other IPv6 that ends alike is not", () => {
    const bytes = (a: string) => parseAddress(a) as Uint8Array;
    expect(asV4(bytes("::ffff:1.2.3.4"))).toEqual(new Uint8Array([1, 2, 3, 4]));
    for (const a of ["::1.2.3.4", "::ff:1.2.3.4", "::ff00:1.2.3.4", "1::ffff:1.2.3.4"]) {
      expect(asV4(bytes(a)), a).toBeUndefined();
      expect(wordsFor(2, bytes(a)), a).toBeUndefined();
    }
  });
});

describe("what a match does", () => {
  it("a rule that changes nothing is used, changes nothing and re-encodes nothing", () => {
    const cp = corpusCheckpoint("tcp4");
    const same = rewriteConnections(cp, [endpoint("127.0.0.2", 45002, "127.0.0.2", 45002)]);
    expect(same.report.changes).toEqual([]);
    expect(same.report.changedImages).toEqual([]);
    expect(same.report.unmatchedRules).toEqual([]);
    // The v4-mapped spelling of the same address, into AF_INET sockets: one word, as it was.
    const mapped = rewriteConnections(cp, [addr("127.0.0.1", "::ffff:127.0.0.1")]);
    expect(mapped.report.changes).toEqual([]);
    const v6 = rewriteConnections(corpusCheckpoint("tcp-v4mapped"), [addr("::ffff:127.0.0.1", "127.0.0.1")]);
    expect(v6.report.changes).toEqual([]);
  });

  it("a port alone can change", () => {
    const r = rewriteConnections(corpusCheckpoint("tcp4"), [endpoint("127.0.0.2", 45002, "127.0.0.2", 50000)]);
    expect(r.report.changes.map((c) => [c.socketId, c.side, c.from, c.to])).toEqual([
      [7, "remote", { address: "127.0.0.2", port: 45002 }, { address: "127.0.0.2", port: 50000 }],
      [10, "local", { address: "127.0.0.2", port: 45002 }, { address: "127.0.0.2", port: 50000 }],
    ]);
  });

  it("each change names the rules that made it: the endpoint rule first, then the address rule", () => {
    const r = rewriteConnections(corpusCheckpoint("tcp4"), [
      addr("127.0.0.1", "10.0.0.1"),
      endpoint("127.0.0.1", 45001, "10.0.0.1", 40000),
    ]);
    expect(r.report.changes.map((c) => [c.socketId, c.side, c.to.port, c.rules])).toEqual([
      [6, "local", 40000, ["--endpoint 127.0.0.1:45001=10.0.0.1:40000", "--addr 127.0.0.1=10.0.0.1"]],
      [7, "local", 40000, ["--endpoint 127.0.0.1:45001=10.0.0.1:40000", "--addr 127.0.0.1=10.0.0.1"]],
      [10, "remote", 40000, ["--endpoint 127.0.0.1:45001=10.0.0.1:40000", "--addr 127.0.0.1=10.0.0.1"]],
    ]);
  });

  it("the same rule twice: both are used; unmatched, it is one reason", () => {
    const cp = corpusCheckpoint("tcp4");
    const twice = rewriteConnections(cp, [addr("127.0.0.2", "10.0.0.2"), addr("127.0.0.2", "10.0.0.2")]);
    expect(twice.report.unmatchedRules).toEqual([]);
    expect(twice.report.changes).toHaveLength(2);
    const endpoints = rewriteConnections(cp, [
      endpoint("127.0.0.2", 45002, "10.0.0.2", 1),
      endpoint("127.0.0.2", 45002, "10.0.0.2", 1),
    ]);
    expect(endpoints.report.unmatchedRules).toEqual([]);
    expect(refusal(() => rewriteConnections(cp, [addr("192.0.2.9", "10.0.0.1"), addr("192.0.2.9", "10.0.0.1")]))).toBe(
      "--addr 192.0.2.9=10.0.0.1 matches no socket",
    );
    expect(refusal(() => rewriteConnections(cp, [endpoint("127.0.0.2", 1, "10.0.0.2", 1)]))).toBe(
      "--endpoint 127.0.0.2:1=10.0.0.2:1 matches no socket",
    );
  });

  it("a refusal for one endpoint names it", () => {
    const r = refusal(() =>
      rewriteConnections(corpusCheckpoint("mixed-sockets"), [endpoint("127.0.0.1", 45037, "2001:db8::1", 45037)]),
    );
    expect(r).toBe(
      "--endpoint 127.0.0.1:45037=[2001:db8::1]:45037 would put the IPv6 address 2001:db8::1 into AF_INET sockets: socket 15 (files.img, local 127.0.0.1:45037)",
    );
  });

  it("conflicts are listed once per pair, in rule order", () => {
    const rules = compile([addr("1.2.3.4", "5.5.5.5"), addr("1.2.3.4", "6.6.6.6"), addr("::ffff:1.2.3.4", "7.7.7.7")]);
    expect(conflicts(rules)).toEqual([
      "rules conflict: --addr 1.2.3.4=5.5.5.5 and --addr 1.2.3.4=6.6.6.6",
      "rules conflict: --addr 1.2.3.4=5.5.5.5 and --addr ::ffff:1.2.3.4=7.7.7.7",
      "rules conflict: --addr 1.2.3.4=6.6.6.6 and --addr ::ffff:1.2.3.4=7.7.7.7",
    ]);
  });
});

describe("rule spellings that are refused", () => {
  it("an address rule needs exactly one =", () => {
    for (const bad of ["::1", "::1=::2=::3"])
      expect(refusal(() => parseAddressRule(bad))).toBe(`--addr ${bad}: expected OLD=NEW with two IP addresses`);
  });

  it("an endpoint is the whole of its side", () => {
    for (const bad of ["x[::1]:80=[::2]:80", "[::1]:80x=[::2]:80", "a:1.2.3.4:80=1.2.3.4:80", "1.2.3.4:80x=1.2.3.4:80"])
      expect(
        refusal(() => parseEndpointRule(bad)),
        bad,
      ).toMatch(/is not ADDRESS:PORT \(IPv6 as \[ADDRESS\]:PORT\)$/);
    expect(refusal(() => parseEndpointRule("=1.2.3.4:80"))).toBe(
      '--endpoint =1.2.3.4:80: "" is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)',
    );
  });
});

describe("warnings that depend on matching", () => {
  const HELD =
    "ifaddr-9.img, netns-ct-9.img, netns-exp-9.img. The rewrite does not change them; the restored namespace keeps its old addresses, routes and rules unless you change them too.";

  it("namespace images hold an IPv4 address however the rule spells it; other IPv6 is looked for as itself", () => {
    const cp = corpusCheckpoint("netns");
    expect(rewriteConnections(cp, [addr("::ffff:127.0.0.1", "10.0.0.1")]).report.warnings).toEqual([
      // Named as every human output names a v4-mapped address: its IPv4 part dotted.
      `network namespace images still hold ::ffff:127.0.0.1: ${HELD}`,
      IPTABLES,
    ]);
    // A file kept beside the namespace images (a tmpfs archive) that holds the address too is not one of them.
    cp.set("tmpfs-dev-7.tar.gz.img", new TextEncoder().encode("127.0.0.1"));
    const w = rewriteConnections(cp, [addr("127.0.0.1", "10.0.0.1"), addr("2001:db8::7f00:1", "10.0.0.2")], {
      allowUnmatched: true,
    }).report.warnings;
    expect(w).toEqual([`network namespace images still hold 127.0.0.1: ${HELD}`, IPTABLES]);
  });

  it("without namespace images, every new address must exist on the restore host", () => {
    const w = rewriteConnections(corpusCheckpoint("tcp4"), [
      addr("127.0.0.1", "10.0.0.1"),
      addr("127.0.0.2", "10.0.0.2"),
    ]).report.warnings;
    expect(w[0]).toBe(noNetns("10.0.0.1, 10.0.0.2"));
  });

  it("the network lock: iptables without an inventory; nftables without a run id", () => {
    const none = corpusCheckpoint("tcp4");
    none.delete("inventory.img");
    expect(rewriteConnections(none, [addr("127.0.0.1", "10.0.0.1")]).report.warnings.at(-1)).toBe(IPTABLES);
    const nft = corpusCheckpoint("tcp4");
    editImage<"INVENTORY">(nft, "inventory.img", (img) => {
      img.entries[0]!.networkLockMethod = 1;
      img.entries[0]!.dumpCriuRunId = "";
    });
    expect(rewriteConnections(nft, [addr("127.0.0.1", "10.0.0.1")]).report.warnings.at(-1)).toBe(
      "network lock: nftables (table CRIU-?). CRIU removes the table on restore; nothing is left behind.",
    );
  });

  it("IPv6 peers are found by all four words", () => {
    // tcp6's connection, with one end moved to ::2, and a third socket like that end but on ::3: it has no peer.
    const cp = corpusCheckpoint("tcp6");
    editImage<"FILES">(cp, "files.img", (img) => {
      const seven = img.entries.find((f) => f.isk?.id === 7)!.isk!;
      const ten = img.entries.find((f) => f.isk?.id === 10)!;
      seven.dstAddr = [0, 0, 0, 0x02000000];
      ten.isk!.srcAddr = [0, 0, 0, 0x02000000];
      const c = clone(file_entrySchema, ten);
      c.id = 111;
      c.isk!.id = 111;
      c.isk!.ino = 0x900111;
      c.isk!.srcAddr = [0, 0, 0, 0x03000000];
      img.entries.push(c);
    });
    expect(rewriteConnections(cp, [addr("::3", "::4")]).report.warnings).toEqual([
      noNetns("::4"),
      `connection [::3]:45012 -> [::1]:45011 (socket 111) now [::4]:45012 -> [::1]:45011: ${PEERLESS}`,
      RACE,
      IPTABLES,
    ]);
  });

  const lone = (ids: number[]) => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"FILES">(cp, "files.img", (img) => {
      const seven = img.entries.find((f) => f.isk?.id === 7)!;
      img.entries = img.entries.filter((f) => f.isk?.id !== 10);
      for (const id of ids) {
        const c = clone(file_entrySchema, seven);
        c.id = id;
        c.isk!.id = id;
        c.isk!.ino = 0x900000 + id;
        img.entries.push(c);
      }
    });
    return cp;
  };
  const conn = (id: number) =>
    `127.0.0.1:45001 -> 127.0.0.2:45002 (socket ${id}) now 10.0.0.1:45001 -> 127.0.0.2:45002`;

  it("three connections without a peer are all shown, with no count of more", () => {
    expect(rewriteConnections(lone([101, 102]), [addr("127.0.0.1", "10.0.0.1")]).report.warnings[1]).toBe(
      `3 connections whose peer is not in this checkpoint (${conn(7)}; ${conn(101)}; ${conn(102)}): each peer must see the new tuple (move it, or its address, too) or the connection will be reset.`,
    );
  });

  it("only connected TCP sockets with whole addresses have peers to miss", () => {
    // UDP "connected" to a port: no peer socket is expected.
    const udp = rewriteConnections(corpusCheckpoint("mixed-sockets"), [
      endpoint("127.0.0.1", 45034, "10.0.0.1", 45034),
    ]);
    expect(udp.report.warnings.filter((w) => w.includes("peer"))).toEqual([]);
    // Socket 7 with a damaged remote address is no connection: its peer 10 is then alone, and 7 is not reported.
    const cp = corpusCheckpoint("tcp4");
    editImage<"FILES">(cp, "files.img", (img) => {
      img.entries.find((f) => f.isk?.id === 7)!.isk!.dstAddr = [];
    });
    expect(rewriteConnections(cp, [addr("127.0.0.1", "10.0.0.1")]).report.warnings).toEqual([
      noNetns("10.0.0.1"),
      `connection 127.0.0.2:45002 -> 127.0.0.1:45001 (socket 10) now 127.0.0.2:45002 -> 10.0.0.1:45001: ${PEERLESS}`,
      RACE,
      IPTABLES,
    ]);
  });

  it("sockets sharing a tuple in two namespaces each find their own peer", () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"FILES">(cp, "files.img", (img) => {
      for (const id of [7, 10]) {
        const f = img.entries.find((x) => x.isk?.id === id)!;
        f.isk!.nsId = 98;
        const c = clone(file_entrySchema, f);
        c.id = id + 200;
        c.isk!.id = id + 200;
        c.isk!.ino = 0x900000 + id;
        c.isk!.nsId = 99;
        img.entries.push(c);
      }
    });
    expect(rewriteConnections(cp, [addr("127.0.0.1", "10.0.0.1")]).report.warnings).toEqual([
      noNetns("10.0.0.1"),
      RACE,
      IPTABLES,
    ]);
  });

  it("an IPv4 socket's peer may be an IPv6 socket holding the v4-mapped form", () => {
    // A dual-stack server: socket 10 as AF_INET6 with ::ffff:127.0.0.2 -> ::ffff:127.0.0.1.
    const cp = corpusCheckpoint("tcp4");
    editImage<"FILES">(cp, "files.img", (img) => {
      const sk = img.entries.find((f) => f.isk?.id === 10)!.isk!;
      sk.family = 10;
      sk.srcAddr = [0, 0, 0xffff0000, sk.srcAddr[0]!];
      sk.dstAddr = [0, 0, 0xffff0000, sk.dstAddr[0]!];
    });
    expect(rewriteConnections(cp, [addr("127.0.0.1", "10.0.0.1")]).report.warnings).toEqual([
      noNetns("10.0.0.1"),
      RACE,
      IPTABLES,
    ]);
  });

  it("a socket connected to itself is its own peer", () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"FILES">(cp, "files.img", (img) => {
      img.entries = img.entries.filter((f) => f.isk?.id !== 10);
      const sk = img.entries.find((f) => f.isk?.id === 7)!.isk!;
      sk.dstAddr = [...sk.srcAddr];
      sk.dstPort = sk.srcPort;
    });
    expect(rewriteConnections(cp, [addr("127.0.0.1", "10.0.0.1")]).report.warnings).toEqual([
      noNetns("10.0.0.1"),
      RACE,
      IPTABLES,
    ]);
  });

  it("a damaged local address makes no connection either", () => {
    // Socket 7 (127.0.0.1:45001 -> 127.0.0.2:45002) loses its local address; its peer 10 is then alone.
    const cp = corpusCheckpoint("tcp4");
    editImage<"FILES">(cp, "files.img", (img) => {
      img.entries.find((f) => f.isk?.id === 7)!.isk!.srcAddr = [];
    });
    expect(rewriteConnections(cp, [addr("127.0.0.2", "10.0.0.2")]).report.warnings).toEqual([
      noNetns("10.0.0.2"),
      `connection 127.0.0.2:45002 -> 127.0.0.1:45001 (socket 10) now 10.0.0.2:45002 -> 127.0.0.1:45001: ${PEERLESS}`,
      RACE,
      IPTABLES,
    ]);
  });
});
