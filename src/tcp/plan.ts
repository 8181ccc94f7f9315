/**
 * What a rewrite works with: rules compiled to address bytes and words, and
 * the endpoint changes planned from them. Apart from rewrite.ts, so that
 * the warnings can read them without importing the rewrite.
 */

import { bytesToWords, parseAddress, sameAddress, toV6 } from "../image/address.js";
import type { Endpoint, SocketEntry } from "../inspect/inet.js";
import type { SocketFamily, SocketKind, SocketState } from "../inspect/socket-names.js";
import { TcpRewriteError } from "./errors.js";
import { describeRule, type RewriteRule } from "./rules.js";

/** One endpoint a rewrite changes. */
export interface EndpointChange {
  image: string;
  socketId: number;
  ino: number;
  kind: SocketKind;
  family: SocketFamily;
  state: SocketState;
  side: "local" | "remote";
  from: Endpoint;
  to: Endpoint;
  /** The rules that produced the change (as the user wrote them). */
  rules: string[];
}

export interface Compiled {
  rule: RewriteRule;
  text: string;
  from: Uint8Array;
  /** `from` as the four words of its IPv6 (v4-mapped) form. */
  fromWords: number[];
  fromPort?: number;
  to: Uint8Array;
  toPort?: number;
  used: boolean;
}

export function compile(rules: readonly RewriteRule[]): Compiled[] {
  return rules.map((rule) => {
    const text = describeRule(rule);
    const from = parseAddress(rule.kind === "address" ? rule.from : rule.from.address);
    const to = parseAddress(rule.kind === "address" ? rule.to : rule.to.address);
    if (!from || !to) throw new TcpRewriteError(`${text}: not an IP address`);
    const fromWords = bytesToWords(toV6(from));
    return rule.kind === "address"
      ? { rule, text, from, fromWords, to, used: false }
      : { rule, text, from, fromWords, fromPort: rule.from.port, to, toPort: rule.to.port, used: false };
  });
}

/** Two rules for the same source that disagree can never both hold. */
export function conflicts(rules: Compiled[]): string[] {
  const out: string[] = [];
  rules.forEach((a, i) => {
    for (const b of rules.slice(i + 1)) {
      // Same kind too: an address rule has no fromPort and an endpoint rule always has one.
      if (!sameAddress(a.from, b.from) || a.fromPort !== b.fromPort) continue;
      if (!sameAddress(a.to, b.to) || a.toPort !== b.toPort) out.push(`rules conflict: ${a.text} and ${b.text}`);
    }
  });
  return out;
}

export interface Planned {
  entry: SocketEntry;
  side: "local" | "remote";
  words: number[];
  port: number;
  change: EndpointChange;
}
