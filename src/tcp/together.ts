/**
 * Several checkpoints moved as one: a pod, or a client and its server, each
 * dumped apart. The same rules apply to each; a connection whose other end
 * is in another of them is paired by its tuple, is no missing peer, and
 * must still agree with that end after the move, or nothing changes.
 */
import { Checkpoint, type CheckpointLike } from "../checkpoint/checkpoint.js";
import { formatWords } from "../image/address.js";
import { type Endpoint, socketEntries } from "../inspect/inet.js";
import { TcpRewriteError } from "./errors.js";
import { type RewriteOptions, type RewriteResult, rewriteConnections } from "./rewrite.js";
import type { RewriteRule } from "./rules.js";
import { connectionKey, connectionKeys } from "./warnings.js";

/** One end of a connection in one of several checkpoints. */
export interface PairEnd {
  /** Index of the checkpoint in the list given. */
  checkpoint: number;
  socketId: number;
  image: string;
  local: Endpoint;
  remote: Endpoint;
}

/** A connection whose two ends are in two different checkpoints of a list. */
export interface CrossPair {
  a: PairEnd;
  b: PairEnd;
}

const endpoint = (words: number[], port: number): Endpoint => ({ address: formatWords(words), port });

/** For each checkpoint, the connections of all the others (`RewriteOptions.peersElsewhere`). */
export function peersElsewhere(cps: readonly Checkpoint[]): Set<string>[] {
  const keys = cps.map((cp) => connectionKeys(socketEntries(cp)));
  return keys.map((_, i) => new Set(keys.flatMap((k, j) => (j === i ? [] : [...k]))));
}

/** Connected TCP sockets whose other end is in another checkpoint of the list, paired by tuple. */
export function crossPairs(inputs: readonly CheckpointLike[]): CrossPair[] {
  const cps = inputs.map((i) => Checkpoint.of(i));
  const byKey = new Map<string, PairEnd[]>();
  const ends: { peer: string; end: PairEnd }[] = [];
  cps.forEach((cp, checkpoint) => {
    for (const e of socketEntries(cp)) {
      const k = connectionKey(e);
      if (!k) continue;
      const end: PairEnd = {
        checkpoint,
        socketId: e.sk.id,
        image: e.image,
        local: endpoint(e.sk.srcAddr, e.sk.srcPort),
        remote: endpoint(e.sk.dstAddr, e.sk.dstPort),
      };
      ends.push({ peer: k.peer, end });
      const list = byKey.get(k.key);
      if (list) list.push(end);
      else byKey.set(k.key, [end]);
    }
  });
  const out: CrossPair[] = [];
  // Each pair once, from the end in the earlier checkpoint.
  for (const { peer, end } of ends)
    for (const other of byKey.get(peer) ?? []) if (other.checkpoint > end.checkpoint) out.push({ a: end, b: other });
  return out;
}

/**
 * Applies the same rules to several checkpoints as one move. A rule must
 * match in at least one of them (unless allowUnmatched); a connection whose
 * ends are in two of them must still agree after the move; otherwise
 * TcpRewriteError and nothing changes. Each result is what
 * rewriteConnections gives for its checkpoint, told of the others' peers.
 */
export function rewriteTogether(
  inputs: readonly CheckpointLike[],
  rules: readonly RewriteRule[],
  options: RewriteOptions = {},
): RewriteResult[] {
  const cps = inputs.map((i) => Checkpoint.of(i));
  const elsewhere = peersElsewhere(cps);
  const results = cps.map((cp, i) =>
    rewriteConnections(cp, rules, { ...options, allowUnmatched: true, peersElsewhere: elsewhere[i] }),
  );
  const unmatched = (results[0]?.report.unmatchedRules ?? []).filter((u) =>
    results.every((r) => r.report.unmatchedRules.includes(u)),
  );
  if (!options.allowUnmatched && unmatched.length > 0)
    throw new TcpRewriteError(unmatched.map((u) => `${u} matches no socket in any of the checkpoints`).join("; "));
  for (const r of results) r.report.unmatchedRules = unmatched;
  // The same rules move both ends alike; this holds the line should they ever not.
  const after = crossPairs(results.map((r) => r.checkpoint));
  const key = (e: PairEnd) => `${e.checkpoint}/${e.socketId}`;
  const still = new Set(after.map((p) => `${key(p.a)}-${key(p.b)}`));
  const broken = crossPairs(cps).filter((p) => !still.has(`${key(p.a)}-${key(p.b)}`));
  if (broken.length > 0)
    throw new TcpRewriteError(
      `the move would leave ${broken.length} connection(s) whose two ends no longer agree: ${broken
        .slice(0, 3)
        .map(
          (p) =>
            `socket ${p.a.socketId} of checkpoint ${p.a.checkpoint + 1} and socket ${p.b.socketId} of checkpoint ${p.b.checkpoint + 1}`,
        )
        .join("; ")}`,
    );
  return results;
}
