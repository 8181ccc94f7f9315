/**
 * What a rewrite of the images cannot fix, said as warnings: namespace
 * images that still hold the old address, peers outside the checkpoint or
 * left on the old tuple, and what the network lock leaves on the dump host.
 */

import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { formatBytes, sameAddress, toV6, wordsToBytes } from "./address.js";
import type { SocketEntry } from "./connections.js";
import { LOCK_METHOD } from "./names.js";
import type { Compiled, Planned } from "./rewrite.js";

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
const sameTuple = (a: Tuple, b: Tuple) => a.port === b.port && sameAddress(a.addr, b.addr);

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

  // Old and new tuples of every socket side.
  const after = new Map<SocketEntry, { local: Tuple; remote: Tuple }>();
  const before = new Map<SocketEntry, { local: Tuple; remote: Tuple }>();
  for (const e of entries) {
    const t = {
      local: { addr: wordsToBytes(e.sk.srcAddr), port: e.sk.srcPort },
      remote: { addr: wordsToBytes(e.sk.dstAddr), port: e.sk.dstPort },
    };
    before.set(e, t);
    after.set(e, { ...t });
  }
  for (const p of planned) {
    const t = after.get(p.entry) as { local: Tuple; remote: Tuple };
    t[p.side] = { addr: wordsToBytes(p.words), port: p.port };
  }
  const changed = new Set(planned.map((p) => p.entry));
  const seen = new Set<SocketEntry>();
  // Connected TCP sockets by their (local, remote) tuple, to find peers without a quadratic search.
  const key = (l: Tuple, r: Tuple) => `${formatBytes(toV6(l.addr))}|${l.port}|${formatBytes(toV6(r.addr))}|${r.port}`;
  const byTuple = new Map<string, SocketEntry[]>();
  for (const o of entries) {
    if (o.sk.proto !== 6 || !CONNECTED.has(o.sk.state)) continue;
    if (o.sk.srcAddr.length !== 1 && o.sk.srcAddr.length !== 4) continue;
    if (o.sk.dstAddr.length !== 1 && o.sk.dstAddr.length !== 4) continue;
    const ob = before.get(o) as { local: Tuple; remote: Tuple };
    const k = key(ob.local, ob.remote);
    // Push, never copy: many sockets can share one tuple (a million in the benchmark).
    const list = byTuple.get(k);
    if (list) list.push(o);
    else byTuple.set(k, [o]);
  }
  for (const e of changed) {
    if (seen.has(e) || e.sk.proto !== 6 || !CONNECTED.has(e.sk.state)) continue;
    // A side without a usable address (a damaged image) has no peer to find.
    if (![1, 4].includes(e.sk.srcAddr.length) || ![1, 4].includes(e.sk.dstAddr.length)) continue;
    const b = before.get(e) as { local: Tuple; remote: Tuple };
    const a = after.get(e) as { local: Tuple; remote: Tuple };
    const valid = (w: number[]) => w.length === 1 || w.length === 4;
    const candidates = valid(e.sk.srcAddr) && valid(e.sk.dstAddr) ? (byTuple.get(key(b.remote, b.local)) ?? []) : [];
    const peer = candidates.find(
      (o) => o !== e && (o.sk.nsId === undefined || e.sk.nsId === undefined || o.sk.nsId === e.sk.nsId),
    );
    const conn = `${tupleText(b.local)} -> ${tupleText(b.remote)} (socket ${e.sk.id})`;
    if (peer) {
      seen.add(peer);
      const pa = after.get(peer) as { local: Tuple; remote: Tuple };
      if (!sameTuple(pa.local, a.remote) || !sameTuple(pa.remote, a.local)) {
        warnings.push(
          `connection ${conn} and its peer socket ${peer.sk.id} no longer agree (${tupleText(a.local)} -> ${tupleText(a.remote)} vs ${tupleText(pa.local)} -> ${tupleText(pa.remote)}): CRIU will restore them and the connection will be reset. Rewrite both sides.`,
        );
      }
    } else {
      warnings.push(
        `connection ${conn}: its peer is not in this checkpoint. It now reads ${tupleText(a.local)} -> ${tupleText(a.remote)}; the peer must see the same tuple (move it, or its address, too) or the connection will be reset.`,
      );
    }
  }

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
