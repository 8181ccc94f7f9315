/**
 * What a rewrite of the images cannot fix, said as warnings: namespace
 * images that still hold the old address, peers outside the checkpoint or
 * left on the old tuple, and what the network lock leaves on the dump host.
 */

import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { kindByFileName } from "../framing/kinds.js";
import { asV4, displayAddress, displayEndpoint, formatBytes, wordsToBytes } from "../image/address.js";
import { IPPROTO_TCP } from "../image/names.js";
import type { SocketEntry } from "../inspect/inet.js";
import { LOCK_METHOD } from "../inspect/socket-names.js";
import type { MetadataRewrite } from "./engine-metadata.js";
import type { Compiled, Planned } from "./plan.js";

/** Raw namespace images that carry addresses in some form. */
const NETNS_RAW = /^(ifaddr|route|route6|rule|iptables|ip6tables|nftables|netns-ct|netns-exp)-\d+\.img$/;

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  const n = needle.length;
  const first = needle[0] as number;
  // Past the end hay[i + k] is undefined, which no byte of the needle equals.
  outer: for (let i = hay.indexOf(first); i !== -1; i = hay.indexOf(first, i + 1)) {
    for (let k = 1; k < n; k++) if (hay[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

/** Raw netns images holding `addr`, in binary (netlink dumps) or as text (iptables, nftables). */
function imagesHolding(r: Checkpoint, addr: Uint8Array): string[] {
  const text = new TextEncoder().encode(formatBytes(addr));
  const v4 = asV4(addr) ?? addr;
  const v4text = new TextEncoder().encode(formatBytes(v4));
  return r.names().filter((name) => {
    if (!NETNS_RAW.test(name)) return false;
    const b = r.bytes(name) as Uint8Array;
    return contains(b, v4) || contains(b, text) || contains(b, v4text);
  });
}

const CONNECTED = new Set([1, 2, 3, 4, 5, 6, 8, 9, 11]); // every TCP state but CLOSE (7) and LISTEN (10)

type Tuple = { addr: Uint8Array; port: number };
const tupleText = (t: Tuple) => displayEndpoint(t.addr, t.port);

export function rewriteWarnings(
  r: Checkpoint,
  entries: SocketEntry[],
  planned: Planned[],
  rules: Compiled[],
  meta: Pick<MetadataRewrite, "changes" | "present"> = { changes: [], present: false },
  elsewhere: ReadonlySet<string> = new Set(),
): string[] {
  const warnings: string[] = [];
  if (planned.length === 0) return warnings;

  for (const rule of rules) {
    const held = imagesHolding(r, rule.from);
    if (held.length > 0) {
      warnings.push(
        `network namespace images still hold ${displayAddress(rule.from)}: ${held.join(", ")}. The rewrite does not change them; the restored namespace keeps its old addresses, routes and rules unless you change them too.`,
      );
    }
  }

  if (!r.names().some((n) => kindByFileName(n)?.kind === "NETNS")) {
    // One address however each family stores it: ::ffff:10.0.0.1 is 10.0.0.1 on the host.
    const targets = [
      ...new Set(
        planned.map((p) => {
          const b = wordsToBytes(p.words);
          return displayAddress(asV4(b) ?? b);
        }),
      ),
    ];
    warnings.push(
      `the checkpoint has no network namespace images: its sockets are restored into the restore host's namespace, where ${targets.join(", ")} must already be configured.`,
    );
  }

  const { moved, alone, apart } = peerWarnings(entries, planned, warnings, elsewhere);
  // A moved connection restored into a namespace CRIU does not create, or whose peer restores apart, has a window
  // between its address appearing and its socket existing in which the peer's next packet is answered with a reset.
  if (moved > 0 && (!r.names().some((n) => kindByFileName(n)?.kind === "NETNS") || alone + apart > 0))
    warnings.push(RACE);

  // A namespace CRIU was given from outside (ext_key: Podman, CRI-O and containerd make it so) is the engine's: the
  // connection lock lived inside it and went with it, and the engine makes a new one at restore.
  const external = externalNetns(r);
  if (external !== undefined) {
    const given = meta.changes.filter((c) => c.file === "network.status").map((c) => c.to);
    warnings.push(
      given.length > 0
        ? `the network namespace is external (${external}): the engine creates a new one at restore and gives the container the address of its rewritten network.status (${given.join(", ")}); restore it on a network that holds that address.`
        : meta.present
          ? `the network namespace is external (${external}): the engine creates a new one at restore and gives the container the address of its network.status, which these rules do not change; the moved connections need the container to have their new address.`
          : `the network namespace is external (${external}): the engine creates a new one at restore (CRI-O and containerd: the new pod's, from its CNI); the moved connections need the container to have their new address there.`,
    );
    return warnings;
  }

  // Without an inventory, CRIU's default: iptables.
  const inv = r.kind("inventory.img", "INVENTORY")?.entries[0];
  const method = inv ? LOCK_METHOD[inv.networkLockMethod] : undefined;
  if (method === "nftables") {
    warnings.push(
      `network lock: nftables (table CRIU-${(inv as { dumpCriuRunId: string }).dumpCriuRunId || "?"}). CRIU removes the table on restore; nothing is left behind.`,
    );
  } else if (method === "skip") {
    warnings.push("network lock: none (--network-lock skip): connections were not frozen by the dump.");
  } else {
    warnings.push(
      "network lock: iptables (inventory.img). On the dump host, CRIU's DROP rules for the old tuples stay after the restore; delete them there (iptables -S | grep CRIU). CRIU also logs non-fatal failures while deleting rules for the new tuples.",
    );
  }
  return warnings;
}

/** An address as a map key, v4 taken to its v4-mapped form so both match; undefined when damaged. */
function addrKey(w: readonly number[]): string | undefined {
  if (w.length === 1) return `0,0,4294901760,${w[0]}`;
  if (w.length === 4) return `${w[0]},${w[1]},${w[2]},${w[3]}`;
  return undefined;
}

interface Side {
  words: number[];
  port: number;
}

/** Whether a socket is a connected TCP socket with whole addresses: only those have peers. */
const connected = (e: SocketEntry) =>
  e.sk.proto === IPPROTO_TCP &&
  CONNECTED.has(e.sk.state) &&
  addrKey(e.sk.srcAddr) !== undefined &&
  addrKey(e.sk.dstAddr) !== undefined;

/** A (local, remote) tuple as a map key; a peer's key is its own with the sides swapped. */
const tupleKey = (l: Side, rm: Side) => `${addrKey(l.words)}|${l.port}|${addrKey(rm.words)}|${rm.port}`;

/** A connected TCP socket's tuple key and its peer's; undefined for any other socket. */
export function connectionKey(e: SocketEntry): { key: string; peer: string } | undefined {
  if (!connected(e)) return undefined;
  const local = { words: e.sk.srcAddr, port: e.sk.srcPort };
  const remote = { words: e.sk.dstAddr, port: e.sk.dstPort };
  return { key: tupleKey(local, remote), peer: tupleKey(remote, local) };
}

/** The tuple key of each connected TCP socket, as peers are matched: for other checkpoints' peers. */
export function connectionKeys(entries: Iterable<SocketEntry>): Set<string> {
  const out = new Set<string>();
  for (const e of entries) {
    const k = connectionKey(e);
    if (k) out.add(k.key);
  }
  return out;
}

const sideText = (s: Side) => tupleText({ addr: wordsToBytes(s.words), port: s.port });

const SHOWN = 3;

/** The restore race, said once (docs/tcp-rewrite.md explains it and the remedy). */
export const RACE =
  "restore race: nothing holds a moved connection's new tuple while it is restored (CRIU's lock is for the tuples it dumped, in a namespace it creates), so a packet from the peer that arrives before the socket exists is answered with a reset. Hold the new tuples' traffic during the restore (on the host, or on the containers' bridge): docs/tcp-rewrite.md#the-restore-race.";

/**
 * Connections whose other end is not in the checkpoint, as one line however
 * many there are. Linear: peers are found through a map of tuples with cheap
 * numeric keys. A peer in the checkpoint always moves with its socket (both
 * ends are mapped by address and port alone), so the two never disagree.
 * A peer in another checkpoint given with this one (`elsewhere`, tuple
 * keys) is no missing peer, but it is restored apart. Returns how many
 * connections moved, how many have no peer, and how many have theirs apart.
 */
function peerWarnings(
  entries: SocketEntry[],
  planned: Planned[],
  warnings: string[],
  elsewhere: ReadonlySet<string>,
): { moved: number; alone: number; apart: number } {
  const before = (e: SocketEntry) => ({
    local: { words: e.sk.srcAddr, port: e.sk.srcPort },
    remote: { words: e.sk.dstAddr, port: e.sk.dstPort },
  });
  const after = new Map<SocketEntry, { local: Side; remote: Side }>();
  for (const p of planned) {
    if (!connected(p.entry)) continue;
    const t = after.get(p.entry) ?? before(p.entry);
    t[p.side] = { words: p.words, port: p.port };
    after.set(p.entry, t);
  }
  // Connected TCP sockets by their (local, remote) tuple before the rewrite. Only those can be peers, and a
  // million listening sockets stay out of the map.
  const byTuple = new Map<string, SocketEntry[]>();
  for (const o of entries) {
    if (!connected(o)) continue;
    const b = before(o);
    const k = tupleKey(b.local, b.remote);
    const list = byTuple.get(k);
    // Push, never copy: many sockets can share one tuple.
    if (list) list.push(o);
    else byTuple.set(k, [o]);
  }
  // The first few as text, and how many: a million lone connections make one short line.
  const alone: string[] = [];
  let count = 0;
  let apart = 0;
  for (const [e, a] of after) {
    const b = before(e);
    if (elsewhere.has(tupleKey(b.remote, b.local))) {
      apart++;
      continue;
    }
    const peer = byTuple
      .get(tupleKey(b.remote, b.local))
      // An absent ns_id (CRIU before 3.x) decodes as 0 on both ends, so they still pair.
      // A socket connected to itself (a simultaneous open to its own port) is its own peer.
      ?.some((o) => o.sk.nsId === e.sk.nsId);
    if (!peer && count++ < SHOWN)
      alone.push(
        `${sideText(b.local)} -> ${sideText(b.remote)} (socket ${e.sk.id}) now ${sideText(a.local)} -> ${sideText(a.remote)}`,
      );
  }
  if (count === 0) return { moved: after.size, alone: 0, apart };
  warnings.push(
    count === 1
      ? `connection ${alone[0]}: its peer is not in this checkpoint; the peer must see the same tuple (move it, or its address, too) or the connection will be reset.`
      : `${count} connections whose peer is not in this checkpoint (${alone.join("; ")}${count > SHOWN ? `, and ${count - SHOWN} more` : ""}): each peer must see the new tuple (move it, or its address, too) or the connection will be reset.`,
  );
  return { moved: after.size, alone: count, apart };
}

/** The ext_key of a network namespace the dump was given from outside, or undefined when CRIU dumped its own. */
function externalNetns(r: Checkpoint): string | undefined {
  for (const name of r.names()) {
    if (kindByFileName(name)?.kind !== "NETNS") continue;
    const key = r.kind(name, "NETNS")?.entries[0]?.extKey;
    if (key) return key;
  }
  return undefined;
}
