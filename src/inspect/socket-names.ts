import { SOCKET_NAMES } from "../image/names.js";

/** Names of the kernel's socket constants, as crit's --pretty shows them. */
export const FAMILY: Record<number, string> = SOCKET_NAMES.family;
export const TYPE: Record<number, string> = SOCKET_NAMES.type;
// CLOSING (11) is a kernel state crit's table lacks.
export const STATE: Record<number, string> = { ...SOCKET_NAMES.state, 11: "CLOSING" };
export const PROTO: Record<number, string> = SOCKET_NAMES.proto;

/** What a socket is, for reports: tcp, udp, udplite or raw. */
export type SocketKind = "tcp" | "udp" | "udplite" | "raw" | "other";

export function socketKind(type: number, proto: number): SocketKind {
  if (type === 3) return "raw";
  if (proto === 6) return "tcp";
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
