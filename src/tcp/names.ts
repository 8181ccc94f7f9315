/** Names of the kernel's socket constants, as crit's --pretty shows them. */
export const FAMILY: Record<number, string> = { 1: "UNIX", 2: "INET", 10: "INET6", 16: "NETLINK", 17: "PACKET" };
export const TYPE: Record<number, string> = { 1: "STREAM", 2: "DGRAM", 3: "RAW", 5: "SEQPACKET", 10: "PACKET" };
export const STATE: Record<number, string> = {
  1: "ESTABLISHED",
  2: "SYN_SENT",
  3: "SYN_RECV",
  4: "FIN_WAIT1",
  5: "FIN_WAIT2",
  6: "TIME_WAIT",
  7: "CLOSE",
  8: "CLOSE_WAIT",
  9: "LAST_ACK",
  10: "LISTEN",
  11: "CLOSING",
};
export const PROTO: Record<number, string> = { 0: "IP", 6: "TCP", 17: "UDP", 136: "UDPLITE" };

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
