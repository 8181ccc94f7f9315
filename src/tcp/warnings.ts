/**
 * What a rewrite of the images cannot fix, said as warnings: namespace
 * images that still hold the old address, peers outside the checkpoint or
 * left on the old tuple, and what the network lock leaves on the dump host.
 */

import type { Checkpoint } from "../checkpoint/checkpoint.js";
import type { SocketEntry } from "../inspect/inet.js";
import { LOCK_METHOD } from "../inspect/socket-names.js";
import { formatBytes, wordsToBytes } from "./address.js";
import type { Compiled, Planned } from "./plan.js";

/** Raw namespace images that carry addresses in some form. */
const NETNS_RAW = /^(ifaddr|route|route6|rule|iptables|ip6tables|nftables|netns-ct|netns-exp)-\d+\.img$/;

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  const n = needle.length;
  const first = needle[0] as number;
  outer: for (let i = hay.indexOf(first); i !== -1 && i + n <= hay.length; i = hay.indexOf(first, i + 1)) {
    for (let k = 1; k < n; k++) if (hay[i + k] !== needle[k]) continue outer;
    return true;
  }
  return false;
}

/** Raw netns images holding `addr`, in binary (netlink dumps) or as text (iptables, nftables). */
function imagesHolding(r: Checkpoint, addr: Uint8Array): string[] {
  const text = new TextEncoder().encode(formatBytes(addr));
  const v4 =
    addr.length === 16 && addr.subarray(0, 12).every((b, i) => b === (i >= 10 ? 0xff : 0)) ? addr.subarray(12) : addr;
  const v4text = new TextEncoder().encode(formatBytes(v4));
  return r.names().filter((name) => {
    if (!NETNS_RAW.test(name)) return false;
    const b = r.bytes(name) as Uint8Array;
    return contains(b, v4) || contains(b, text) || contains(b, v4text);
  });
}

const CONNECTED = new Set([1, 2, 3, 4, 5, 6, 8, 9, 11]); // every TCP state but CLOSE (7) and LISTEN (10)

type Tuple = { addr: Uint8Array; port: number };
const tupleText = (t: Tuple) => {
  const a = formatBytes(t.addr);
  return a.includes(":") ? `[${a}]:${t.port}` : `${a}:${t.port}`;
};

export function rewriteWarnings(
  r: Checkpoint,
  entries: SocketEntry[],
  planned: Planned[],
  rules: Compiled[],
): string[] {
  const warnings: string[] = [];
  if (planned.length === 0) return warnings;

  for (const rule of rules) {
    const held = imagesHolding(r, rule.from);
    if (held.length > 0) {
      warnings.push(
        `network namespace images still hold ${formatBytes(rule.from)}: ${held.join(", ")}. The rewrite does not change them; the restored namespace keeps its old addresses, routes and rules unless you change them too.`,
      );
    }
  }

  if (!r.names().some((n) => /^netns-\d+\.img$/.test(n))) {
    const targets = [...new Set(planned.map((p) => formatBytes(wordsToBytes(p.words))))];
    warnings.push(
      `the checkpoint has no network namespace images: its sockets are restored into the restore host's namespace, where ${targets.join(", ")} must already be configured.`,
    );
  }

  peerWarnings(entries, planned, warnings);

  const inv = r.kind("inventory.img", "INVENTORY")?.entries[0];
  const method = LOCK_METHOD[inv?.networkLockMethod ?? 0] ?? "iptables";
  if (method === "iptables") {
    warnings.push(
      "network lock: iptables (inventory.img). On the dump host, CRIU's DROP rules for the old tuples stay after the restore; delete them there (iptables -S | grep CRIU). CRIU also logs non-fatal failures while deleting rules for the new tuples.",
    );
  } else if (method === "nftables") {
    warnings.push(
      `network lock: nftables (table CRIU-${inv?.dumpCriuRunId ?? "?"}). CRIU removes the table on restore; nothing is left behind.`,
    );
  } else {
    warnings.push("network lock: none (--network-lock skip): connections were not frozen by the dump.");
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

const sideText = (s: Side) => tupleText({ addr: wordsToBytes(s.words), port: s.port });
const sameSide = (a: Side, b: Side) => a.port === b.port && addrKey(a.words) === addrKey(b.words);

const SHOWN = 3;

/** A few of many, kept as text, and how many there were. */
class Few {
  readonly shown: string[] = [];
  count = 0;
  add(text: () => string): void {
    if (this.count++ < SHOWN) this.shown.push(text());
  }
  toString(): string {
    const more = this.count > SHOWN ? `, and ${this.count - SHOWN} more` : "";
    return `${this.shown.join("; ")}${more}`;
  }
}

/**
 * Connections whose two ends no longer agree, or whose other end is not in
 * the checkpoint. Linear: peers are found through a map of tuples, built
 * with cheap numeric keys, and each kind of warning is one line however
 * many connections it is about.
 */
function peerWarnings(entries: SocketEntry[], planned: Planned[], warnings: string[]): void {
  const connected = (e: SocketEntry) =>
    e.sk.proto === 6 &&
    CONNECTED.has(e.sk.state) &&
    addrKey(e.sk.srcAddr) !== undefined &&
    addrKey(e.sk.dstAddr) !== undefined;
  const key = (l: Side, rm: Side) => `${addrKey(l.words)}|${l.port}|${addrKey(rm.words)}|${rm.port}`;
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
  if (after.size === 0) return;
  const now = (e: SocketEntry) => after.get(e) ?? before(e);
  // Connected TCP sockets by their (local, remote) tuple before the rewrite.
  const byTuple = new Map<string, SocketEntry[]>();
  for (const o of entries) {
    if (!connected(o)) continue;
    const b = before(o);
    const k = key(b.local, b.remote);
    const list = byTuple.get(k);
    // Push, never copy: many sockets can share one tuple.
    if (list) list.push(o);
    else byTuple.set(k, [o]);
  }
  const seen = new Set<SocketEntry>();
  const disagree = new Few();
  const alone = new Few();
  for (const [e, a] of after) {
    if (seen.has(e)) continue;
    const b = before(e);
    const candidates = byTuple.get(key(b.remote, b.local)) ?? [];
    const peer = candidates.find(
      (o) => o !== e && !seen.has(o) && (o.sk.nsId === undefined || e.sk.nsId === undefined || o.sk.nsId === e.sk.nsId),
    );
    const conn = () => `${sideText(b.local)} -> ${sideText(b.remote)} (socket ${e.sk.id})`;
    if (peer) {
      seen.add(peer);
      const pa = now(peer);
      if (!sameSide(pa.local, a.remote) || !sameSide(pa.remote, a.local)) {
        disagree.add(
          () =>
            `${conn()} now ${sideText(a.local)} -> ${sideText(a.remote)}, its peer socket ${peer.sk.id} ${sideText(pa.local)} -> ${sideText(pa.remote)}`,
        );
      }
    } else alone.add(() => `${conn()} now ${sideText(a.local)} -> ${sideText(a.remote)}`);
  }
  if (disagree.count === 1) {
    warnings.push(
      `connection ${disagree.shown[0]}: the two sockets no longer agree; CRIU will restore them and the connection will be reset. Rewrite both sides.`,
    );
  } else if (disagree.count > 1) {
    warnings.push(
      `${disagree.count} connections whose two sockets no longer agree (${disagree}): CRIU will restore them and each will be reset. Rewrite both sides.`,
    );
  }
  if (alone.count === 1) {
    warnings.push(
      `connection ${alone.shown[0]}: its peer is not in this checkpoint; the peer must see the same tuple (move it, or its address, too) or the connection will be reset.`,
    );
  } else if (alone.count > 1) {
    warnings.push(
      `${alone.count} connections whose peer is not in this checkpoint (${alone}): each peer must see the new tuple (move it, or its address, too) or the connection will be reset.`,
    );
  }
}
