/**
 * Moving connections to new addresses and ports: a pure transformation of
 * an in-memory checkpoint. Either every rule applies cleanly or nothing
 * changes and TcpRewriteError says why.
 */

import { Checkpoint, type CheckpointLike } from "../checkpoint/checkpoint.js";
import { overlaySource } from "../checkpoint/source.js";
import { EditSession } from "../edit/session.js";
import type { inet_sk_entry } from "../gen/index.js";
import { displayAddress, displayEndpoint, formatWords, sameAddress } from "../image/address.js";
import { type SocketEntry, socketEntries } from "../inspect/inet.js";
import { FAMILY, nameOf, STATE, socketKind } from "../inspect/socket-names.js";
import { type MetadataChange, rewriteEngineAddresses } from "./engine-metadata.js";
import { TcpRewriteError } from "./errors.js";
import { wordsFor } from "./family-words.js";
import { type Compiled, compile, conflicts, type EndpointChange, type Planned } from "./plan.js";
import type { RewriteRule } from "./rules.js";
import { rewriteWarnings } from "./warnings.js";

export type { EndpointChange, MetadataChange };

/** Options of `rewriteConnections`. */
export interface RewriteOptions {
  /** Accept rules that match no endpoint (they are listed in the report). */
  allowUnmatched?: boolean;
  /**
   * The connections of the checkpoints moved with this one (see
   * rewriteTogether): a peer there is no missing peer, only one restored apart.
   */
  peersElsewhere?: ReadonlySet<string>;
}

/** What a rewrite changed (or would change). */
export interface RewriteReport {
  changes: EndpointChange[];
  /** Images whose bytes changed; every other image is untouched. */
  changedImages: string[];
  /** Addresses of the container engine's metadata that the rules changed (Podman's network.status, config.dump). */
  metadataChanges: MetadataChange[];
  /** Metadata files whose bytes changed (by path beside the images). */
  changedMetadata: string[];
  unmatchedRules: string[];
  /** What the images cannot fix: netns images, peers, the network lock. */
  warnings: string[];
}

/** A rewritten checkpoint and its report. */
export interface RewriteResult {
  /** The rewritten checkpoint (the input with the changed images replaced). */
  checkpoint: Checkpoint;
  /** The new bytes of each changed image. */
  changed: ReadonlyMap<string, Uint8Array>;
  /** The new bytes of each changed metadata file, by its path beside the images. */
  changedMetadata: ReadonlyMap<string, Uint8Array>;
  report: RewriteReport;
}

/** Whether socket words (1 for IPv4, 4 for IPv6) hold the address of these v6-form words. */
function sameWords(v6: readonly number[], w: readonly number[]): boolean {
  if (w.length === 1) return v6[0] === 0 && v6[1] === 0 && v6[2] === 0xffff0000 && v6[3] === w[0];
  return v6[0] === w[0] && v6[1] === w[1] && v6[2] === w[2] && v6[3] === w[3];
}

const sideWords = (sk: inet_sk_entry, side: "local" | "remote") => (side === "local" ? sk.srcAddr : sk.dstAddr);
const sidePort = (sk: inet_sk_entry, side: "local" | "remote") => (side === "local" ? sk.srcPort : sk.dstPort);

/** Works out every endpoint change, or every reason to refuse. */
/** Refusals grouped by what is wrong, each with the endpoints it is wrong for. */
type Refusals = Map<string, string[]>;

function refuse(r: Refusals, why: string, where?: string): void {
  const list = r.get(why);
  if (list) {
    if (where !== undefined) list.push(where);
  } else r.set(why, where === undefined ? [] : [where]);
}

/** One line per reason: the reason, how many endpoints, the first few. */
function summary(r: Refusals): string[] {
  const SHOWN = 3;
  return [...r].map(([why, where]) => {
    if (where.length === 0) return why;
    if (where.length === 1) return `${why}: ${where[0]}`;
    const more = where.length > SHOWN ? `, and ${where.length - SHOWN} more` : "";
    return `${why}: ${where.length} endpoints (${where.slice(0, SHOWN).join("; ")}${more})`;
  });
}

function plan(entries: SocketEntry[], rules: Compiled[]): { planned: Planned[]; problems: Refusals } {
  const planned: Planned[] = [];
  const problems: Refusals = new Map();
  for (const c of conflicts(rules)) refuse(problems, c);
  for (const entry of entries) {
    const sk = entry.sk;
    for (const side of ["local", "remote"] as const) {
      const words = sideWords(sk, side);
      const port = sidePort(sk, side);
      // The first address rule and the first endpoint rule for this side. Every rule that matches is used,
      // even when it is refused below. Damaged words (neither 1 nor 4) match no rule.
      let byEndpoint: Compiled | undefined;
      let byAddress: Compiled | undefined;
      for (const r of rules) {
        if (!sameWords(r.fromWords, words)) continue;
        if (r.fromPort === undefined) byAddress ??= r;
        else if (r.fromPort === port) byEndpoint ??= r;
        else continue;
        r.used = true;
      }
      if (!byEndpoint && !byAddress) continue;
      const where = `socket ${sk.id} (${entry.image}, ${side} ${displayEndpoint(formatWords(words), port)})`;
      if (byEndpoint && byAddress && !sameAddress(byEndpoint.to, byAddress.to)) {
        refuse(problems, `rules conflict: ${byEndpoint.text} and ${byAddress.text} give different addresses`, where);
        continue;
      }
      const rule = (byEndpoint ?? byAddress) as Compiled;
      const newWords = wordsFor(sk.family, rule.to);
      if (!newWords) {
        refuse(
          problems,
          `${rule.text} would put the IPv6 address ${displayAddress(rule.to)} into AF_INET sockets`,
          where,
        );
        continue;
      }
      const newPort = byEndpoint?.toPort ?? port;
      const same = newPort === port && newWords.length === words.length && newWords.every((w, i) => w === words[i]);
      if (same) continue;
      planned.push({
        entry,
        side,
        words: newWords,
        port: newPort,
        change: {
          image: entry.image,
          socketId: sk.id,
          ino: sk.ino,
          kind: socketKind(sk.type, sk.proto),
          family: nameOf(FAMILY, sk.family),
          state: nameOf(STATE, sk.state),
          side,
          from: { address: formatWords(words), port },
          to: { address: formatWords(newWords), port: newPort },
          rules: [byEndpoint, byAddress].filter((r): r is Compiled => r !== undefined).map((r) => r.text),
        },
      });
    }
  }
  return { planned, problems };
}

/**
 * Applies address and endpoint rules to every inet socket of a checkpoint
 * (both layouts; TCP in any state, UDP and raw sockets too) and returns the
 * new checkpoint with a report. Only the images that change are re-encoded,
 * and in them only the changed entries. Throws TcpRewriteError, changing
 * nothing, when a rule would put an IPv6 address into an AF_INET socket,
 * when rules conflict, or when a rule matches nothing (unless allowUnmatched).
 */
export function rewriteConnections(
  input: CheckpointLike,
  rules: readonly RewriteRule[],
  options: RewriteOptions = {},
): RewriteResult {
  if (rules.length === 0) throw new TcpRewriteError("no rules given");
  const compiled = compile(rules);
  // An edit of the checkpoint: the decoded entries changed below are its own copies.
  const base = Checkpoint.of(input);
  const session = new EditSession(base);
  const reader = session.view;
  const entries = socketEntries(reader);
  const { planned, problems } = plan(entries, compiled);
  // The engine's addresses move with the sockets: a rule that matches only them is used too.
  const meta = rewriteEngineAddresses(base, compiled);
  const unmatched = compiled.filter((r) => !r.used).map((r) => r.text);
  if (!options.allowUnmatched) for (const u of unmatched) refuse(problems, `${u} matches no socket`);
  if (problems.size > 0) throw new TcpRewriteError(summary(problems));
  // Warnings compare old and new tuples, so they come before the change.
  const warnings = [
    ...rewriteWarnings(reader, entries, planned, compiled, meta, options.peersElsewhere),
    ...meta.warnings,
  ];

  // The decoded images are this call's own copies: change them in place.
  const touched = new Set<string>();
  for (const p of planned) {
    const sk = p.entry.sk;
    if (p.side === "local") {
      sk.srcAddr = p.words;
      sk.srcPort = p.port;
    } else {
      sk.dstAddr = p.words;
      sk.dstPort = p.port;
    }
    touched.add(p.entry.image);
  }
  for (const name of touched) session.image(name, name === "inetsk.img" ? "INETSK" : "FILES");
  const changed = session.finish();
  const changes = planned.map((p) => p.change);
  const report: RewriteReport = {
    changes,
    changedImages: [...changed.keys()],
    metadataChanges: meta.changes,
    changedMetadata: [...meta.changed.keys()],
    unmatchedRules: unmatched,
    warnings,
  };
  return {
    checkpoint: new Checkpoint(overlaySource(base.source, changed, meta.changed)),
    changed,
    changedMetadata: meta.changed,
    report,
  };
}

export type { Planned, Compiled };
