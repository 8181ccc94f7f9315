/**
 * What a rewrite says it cannot fix, word for word, on corpus checkpoints
 * changed one thing at a time: namespace images that still hold the old
 * address, a checkpoint without namespace images, peers that are not in the
 * checkpoint (one, a few, many), and each network lock method.
 */
import { clone } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { memorySource } from "../../src/checkpoint/index.js";
import { file_entrySchema } from "../../src/gen/index.js";
import { type RewriteRule, rewriteConnections } from "../../src/tcp/index.js";
import { RACE } from "../../src/tcp/warnings.js";
import { corpusCheckpoint, editImage } from "../helpers/checkpoints.js";

const move: RewriteRule[] = [{ kind: "address", from: "127.0.0.1", to: "10.0.0.1" }];
const warnings = (cp: Map<string, Uint8Array>) => rewriteConnections(cp, move).report.warnings;
const NO_NETNS =
  "the checkpoint has no network namespace images: its sockets are restored into the restore host's namespace, where 10.0.0.1 must already be configured.";
const IPTABLES =
  "network lock: iptables (inventory.img). On the dump host, CRIU's DROP rules for the old tuples stay after the restore; delete them there (iptables -S | grep CRIU). CRIU also logs non-fatal failures while deleting rules for the new tuples.";
const PEERLESS =
  "its peer is not in this checkpoint; the peer must see the same tuple (move it, or its address, too) or the connection will be reset.";

describe("rewrite warnings", () => {
  it("both ends moved, no namespace images: the restore host must have the address; the iptables lock", () => {
    expect(warnings(corpusCheckpoint("tcp4"))).toEqual([NO_NETNS, RACE, IPTABLES]);
  });

  it("namespace images that still hold the old address are named", () => {
    expect(warnings(corpusCheckpoint("netns"))).toEqual([
      "network namespace images still hold 127.0.0.1: ifaddr-9.img, netns-ct-9.img, netns-exp-9.img. The rewrite does not change them; the restored namespace keeps its old addresses, routes and rules unless you change them too.",
      IPTABLES,
    ]);
  });

  it("an external network namespace (a container's): the engine's new namespace and its address, no lock on the host", () => {
    // The tcp4 pair, with the namespace image a container engine's dump has: ext_key set, nothing dumped of it.
    const cp = corpusCheckpoint("tcp4");
    const ns = corpusCheckpoint("netns");
    const name = [...ns.keys()].find((n) => /^netns-\d+\.img$/.test(n)) as string;
    cp.set(name, ns.get(name) as Uint8Array);
    editImage<"NETNS">(cp, name, (img) => {
      (img.entries[0] as { extKey: string }).extKey = "extRootNetNS";
    });
    // No network.status (CRI-O leaves it out at restore, containerd writes none): the new pod's address.
    expect(warnings(cp)).toEqual([
      "the network namespace is external (extRootNetNS): the engine creates a new one at restore (CRI-O and containerd: the new pod's, from its CNI); the moved connections need the container to have their new address there.",
    ]);
    // Podman's network.status: the address it gives the container, rewritten or not.
    const status = (ip: string) =>
      new Map([
        [
          "network.status",
          new TextEncoder().encode(
            JSON.stringify({ podman: { interfaces: { eth0: { subnets: [{ ipnet: `${ip}/8` }] } } } }),
          ),
        ],
      ]);
    const withStatus = (ip: string) =>
      rewriteConnections(memorySource(cp, { companions: status(ip) }), move).report.warnings;
    expect(withStatus("127.0.0.1")).toEqual([
      "the network namespace is external (extRootNetNS): the engine creates a new one at restore and gives the container the address of its rewritten network.status (10.0.0.1/8); restore it on a network that holds that address.",
    ]);
    expect(withStatus("127.0.0.9")).toEqual([
      "the network namespace is external (extRootNetNS): the engine creates a new one at restore and gives the container the address of its network.status, which these rules do not change; the moved connections need the container to have their new address.",
    ]);
  });

  it("a connection whose peer is not in the checkpoint; several, with the rest counted", () => {
    const cp = corpusCheckpoint("tcp4");
    // Socket 10, the client end of 127.0.0.2:45002 -> 127.0.0.1:45001, goes.
    editImage<"FILES">(cp, "files.img", (img) => {
      img.entries = img.entries.filter((f) => f.isk?.id !== 10);
    });
    expect(warnings(cp)).toEqual([
      NO_NETNS,
      `connection 127.0.0.1:45001 -> 127.0.0.2:45002 (socket 7) now 10.0.0.1:45001 -> 127.0.0.2:45002: ${PEERLESS}`,
      RACE,
      IPTABLES,
    ]);
    // Four more like socket 7 (ids 101..104), none with a peer.
    editImage<"FILES">(cp, "files.img", (img) => {
      const seven = img.entries.find((f) => f.isk?.id === 7);
      if (!seven) throw new Error("socket 7");
      for (let id = 101; id <= 104; id++) {
        const c = clone(file_entrySchema, seven);
        c.id = id;
        c.isk!.id = id;
        c.isk!.ino = 0x900000 + id;
        img.entries.push(c);
      }
    });
    const conn = (id: number) =>
      `127.0.0.1:45001 -> 127.0.0.2:45002 (socket ${id}) now 10.0.0.1:45001 -> 127.0.0.2:45002`;
    expect(warnings(cp)[1]).toBe(
      `5 connections whose peer is not in this checkpoint (${conn(7)}; ${conn(101)}; ${conn(102)}, and 2 more): each peer must see the new tuple (move it, or its address, too) or the connection will be reset.`,
    );
  });

  it("sockets in different network namespaces are no peers", () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"FILES">(cp, "files.img", (img) => {
      const ten = img.entries.find((f) => f.isk?.id === 10);
      ten!.isk!.nsId = 99;
    });
    const w = warnings(cp);
    expect(w[1]).toMatch(
      /^2 connections whose peer is not in this checkpoint \(.*\(socket 7\).*; .*\(socket 10\).*\): each peer/,
    );
    expect(w[1]).not.toContain("more");
  });

  it("says what each network lock leaves behind", () => {
    const cp = corpusCheckpoint("tcp4");
    editImage<"INVENTORY">(cp, "inventory.img", (img) => {
      img.entries[0]!.networkLockMethod = 1;
    });
    expect(warnings(cp).at(-1)).toMatch(
      /^network lock: nftables \(table CRIU-[0-9a-f-]{36}\)\. CRIU removes the table on restore; nothing is left behind\.$/,
    );
    editImage<"INVENTORY">(cp, "inventory.img", (img) => {
      img.entries[0]!.networkLockMethod = 2;
    });
    expect(warnings(cp).at(-1)).toBe(
      "network lock: none (--network-lock skip): connections were not frozen by the dump.",
    );
  });

  it("nothing planned, nothing said", () => {
    const cp = corpusCheckpoint("tcp4");
    const r = rewriteConnections(cp, [{ kind: "address", from: "192.0.2.9", to: "10.0.0.1" }], {
      allowUnmatched: true,
    });
    expect(r.report.warnings).toEqual([]);
  });
});

describe("refusals", () => {
  const refusal = (cp: Map<string, Uint8Array>, rules: RewriteRule[]) => {
    try {
      rewriteConnections(cp, rules);
    } catch (e) {
      return (e as Error).message;
    }
    throw new Error("not refused");
  };

  it("one line per reason, with the count and the first three endpoints", () => {
    const cp = corpusCheckpoint("tcp4");
    const v6: RewriteRule[] = [{ kind: "address", from: "127.0.0.1", to: "2001:db8::1" }];
    // The listener (6) and socket 7 hold 127.0.0.1:45001 as their local end, socket 10 as its remote.
    expect(refusal(cp, v6)).toBe(
      "--addr 127.0.0.1=2001:db8::1 would put the IPv6 address 2001:db8::1 into AF_INET sockets: 3 endpoints (socket 6 (files.img, local 127.0.0.1:45001); socket 7 (files.img, local 127.0.0.1:45001); socket 10 (files.img, remote 127.0.0.1:45001))",
    );
    editImage<"FILES">(cp, "files.img", (img) => {
      const seven = img.entries.find((f) => f.isk?.id === 7);
      for (let id = 101; id <= 103; id++) {
        const c = clone(file_entrySchema, seven!);
        c.id = id;
        c.isk!.id = id;
        img.entries.push(c);
      }
    });
    expect(refusal(cp, v6)).toMatch(
      /: 6 endpoints \(socket 6 \(files\.img, local 127\.0\.0\.1:45001\); socket 7 \(files\.img, local 127\.0\.0\.1:45001\); socket 10 \(files\.img, remote 127\.0\.0\.1:45001\), and 3 more\)$/,
    );
  });

  it("a rule that matches nothing, and no rules at all", () => {
    const cp = corpusCheckpoint("tcp4");
    expect(refusal(cp, [{ kind: "address", from: "192.0.2.9", to: "10.0.0.1" }])).toBe(
      "--addr 192.0.2.9=10.0.0.1 matches no socket",
    );
    expect(refusal(cp, [])).toBe("no rules given");
  });

  it("an endpoint rule and an address rule that send one endpoint to different addresses", () => {
    const cp = corpusCheckpoint("tcp4");
    expect(
      refusal(cp, [
        { kind: "endpoint", from: { address: "127.0.0.1", port: 45001 }, to: { address: "10.0.0.9", port: 45001 } },
        { kind: "address", from: "127.0.0.1", to: "10.0.0.1" },
      ]),
    ).toBe(
      "rules conflict: --endpoint 127.0.0.1:45001=10.0.0.9:45001 and --addr 127.0.0.1=10.0.0.1 give different addresses: 3 endpoints (socket 6 (files.img, local 127.0.0.1:45001); socket 7 (files.img, local 127.0.0.1:45001); socket 10 (files.img, remote 127.0.0.1:45001))",
    );
  });
});
