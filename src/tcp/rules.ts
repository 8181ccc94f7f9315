/**
 * Rewrite rules: an address rule moves every endpoint holding an address;
 * an endpoint rule moves one address and port pair.
 */
import { parseAddress } from "../image/address.js";
import { TcpRewriteError } from "./errors.js";

/** Replace one address by another wherever it is an endpoint. */
export interface AddressRule {
  kind: "address";
  from: string;
  to: string;
}

/** Replace one address and port by another. */
export interface EndpointRule {
  kind: "endpoint";
  from: { address: string; port: number };
  to: { address: string; port: number };
}

/** A rule of a TCP rewrite. */
export type RewriteRule = AddressRule | EndpointRule;

/** "OLD=NEW": two addresses (IPv6 with or without brackets). */
export function parseAddressRule(text: string): AddressRule {
  const parts = text.split("=");
  const [from, to] = parts as [string, string];
  if (parts.length !== 2 || !parseAddress(from) || !parseAddress(to)) {
    throw new TcpRewriteError(`--addr ${text}: expected OLD=NEW with two IP addresses`);
  }
  return { kind: "address", from: stripBrackets(from), to: stripBrackets(to) };
}

const stripBrackets = (a: string) => (a.startsWith("[") && a.endsWith("]") ? a.slice(1, -1) : a);

function parseHostPort(text: string, flag: string): { address: string; port: number } {
  // IPv6 endpoints are bracketed: [::1]:45011.
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(text) ?? /^([^:[\]]+):(\d+)$/.exec(text);
  const port = m ? Number(m[2]) : Number.NaN;
  if (!m || !parseAddress(m[1] as string) || !Number.isInteger(port) || port > 65535) {
    throw new TcpRewriteError(`${flag}: "${text}" is not ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)`);
  }
  return { address: m[1] as string, port };
}

/** "OLDADDR:OLDPORT=NEWADDR:NEWPORT", IPv6 in brackets. */
export function parseEndpointRule(text: string): EndpointRule {
  const i = text.indexOf("=");
  if (i < 0) throw new TcpRewriteError(`--endpoint ${text}: expected OLDADDR:OLDPORT=NEWADDR:NEWPORT`);
  return {
    kind: "endpoint",
    from: parseHostPort(text.slice(0, i), `--endpoint ${text}`),
    to: parseHostPort(text.slice(i + 1), `--endpoint ${text}`),
  };
}

/** A rule as the CLI's flag spells it. */
export function describeRule(r: RewriteRule): string {
  const ep = (e: { address: string; port: number }) =>
    e.address.includes(":") ? `[${e.address}]:${e.port}` : `${e.address}:${e.port}`;
  return r.kind === "address" ? `--addr ${r.from}=${r.to}` : `--endpoint ${ep(r.from)}=${ep(r.to)}`;
}
