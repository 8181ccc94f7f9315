import { IPPROTO_TCP, SOCKET_NAMES } from "../image/names.js";

type Names<T> = T[keyof T];

/** A socket family by name (crit's --pretty names), or the number as text when it has none. */
export type SocketFamily = Names<typeof SOCKET_NAMES.family> | `${number}`;
/** A socket type by name (STREAM, DGRAM, …), or the number as text. */
export type SocketType = Names<typeof SOCKET_NAMES.type> | `${number}`;
/** A socket's kernel state (TCP's for TCP; CLOSE for an unconnected UDP socket), or the number as text. */
export type SocketState = Names<typeof SOCKET_NAMES.state> | "CLOSING" | `${number}`;
/** An inet socket's protocol by name, or the number as text. */
export type SocketProto = Names<typeof SOCKET_NAMES.proto> | `${number}`;

/** Names of the kernel's socket constants, as crit's --pretty shows them. */
export const FAMILY: Readonly<Record<number, SocketFamily>> = SOCKET_NAMES.family;
export const TYPE: Readonly<Record<number, SocketType>> = SOCKET_NAMES.type;
// CLOSING (11) is a kernel state crit's table lacks.
export const STATE: Readonly<Record<number, SocketState>> = { ...SOCKET_NAMES.state, 11: "CLOSING" };
export const PROTO: Readonly<Record<number, SocketProto>> = SOCKET_NAMES.proto;

/** @internal The name of a socket constant in one of the tables above, or its number as text. */
export const nameOf = <N extends string>(table: Readonly<Record<number, N>>, n: number): N | `${number}` =>
  table[n] ?? `${n}`;

/** What a socket is, for reports: tcp, udp, udplite or raw. */
export type SocketKind = "tcp" | "udp" | "udplite" | "raw" | "other";

export function socketKind(type: number, proto: number): SocketKind {
  if (type === 3) return "raw";
  if (proto === IPPROTO_TCP) return "tcp";
  if (proto === 17) return "udp";
  if (proto === 136) return "udplite";
  return "other";
}

/** inventory.network_lock_method, CRIU's enum NETWORK_LOCK_METHOD (absent means iptables). */
export const LOCK_METHOD: Record<number, "iptables" | "nftables" | "skip"> = {
  0: "iptables",
  1: "nftables",
  2: "skip",
};
