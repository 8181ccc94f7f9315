/** Sockets as plain data: inet (as tcp list), unix, netlink and packet. */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import { enumValueName } from "../image/names.js";
import { decodeUtf8Lossless } from "../image/text-codec.js";
import { type InetSocket, inetSockets } from "./inet.js";
import { nameOf, type SocketState, type SocketType, STATE, TYPE } from "./socket-names.js";

/** A unix socket with its name, peer and queued bytes. */
export interface UnixSocketView {
  id: number;
  ino: number;
  type: SocketType;
  state: SocketState;
  /** The bound name; abstract names start with "@". */
  name: string;
  /** The peer's inode, 0 for none. */
  peer: number;
  /** Bytes queued on it (sk-queues.img). */
  queuedBytes: number;
  owners: { pid: number; fd: number }[];
}

/** A netlink socket. */
export interface NetlinkSocketView {
  id: number;
  ino: number;
  protocol: number;
  portid: number;
  groups: number[];
  owners: { pid: number; fd: number }[];
}

/** A packet socket. */
export interface PacketSocketView {
  id: number;
  type: number;
  protocol: number;
  ifindex: number;
  owners: { pid: number; fd: number }[];
}

/** Every socket of a checkpoint, by family. */
export interface SocketsView {
  inet: InetSocket[];
  unix: UnixSocketView[];
  netlink: NetlinkSocketView[];
  packet: PacketSocketView[];
}

/** (pid, fd) pairs holding each file id of a type. */
function owners(cp: Checkpoint, type: string): Map<number, { pid: number; fd: number }[]> {
  const out = new Map<number, { pid: number; fd: number }[]>();
  const perId = cp.inventory()?.fdinfoPerId ?? true;
  for (const t of cp.tasks()) {
    const ids = cp.has(`ids-${t.pid}.img`) ? cp.first(`ids-${t.pid}.img`, "IDS") : undefined;
    const name = perId ? (ids ? `fdinfo-${ids.filesId}.img` : undefined) : `fdinfo-${t.pid}.img`;
    if (!name || !cp.has(name)) continue;
    for (const fd of cp.kind(name, "FDINFO")?.entries ?? []) {
      if (enumValueName("fd_types", fd.type) !== type) continue;
      const list = out.get(fd.id) ?? [];
      list.push({ pid: t.pid, fd: fd.fd });
      out.set(fd.id, list);
    }
  }
  return out;
}

/** The sockets view of a checkpoint, from files.img and the legacy per-family images. */
export function sockets(cp: Checkpoint): SocketsView {
  const files = cp.has("files.img") ? (cp.kind("files.img", "FILES")?.entries ?? []) : [];
  const legacy = <T>(name: string, kind: "UNIXSK" | "NETLINK_SK" | "PACKETSK") =>
    (cp.has(name) ? (cp.kind(name, kind)?.entries ?? []) : []) as T[];
  const queued = new Map<number, number>();
  if (cp.has("sk-queues.img")) {
    for (const q of cp.kind("sk-queues.img", "SK_QUEUES")?.entries ?? [])
      queued.set(q.idFor, (queued.get(q.idFor) ?? 0) + q.length);
  }
  const unixOwners = owners(cp, "UNIXSK");
  const usk = [
    ...files.flatMap((f) => (f.usk ? [f.usk] : [])),
    ...legacy<NonNullable<(typeof files)[number]["usk"]>>("unixsk.img", "UNIXSK"),
  ];
  const unix = usk.map((u) => {
    const raw = decodeUtf8Lossless(u.name);
    return {
      id: u.id,
      ino: u.ino,
      type: nameOf(TYPE, u.type),
      state: nameOf(STATE, u.state),
      name: raw.startsWith("\0") ? `@${raw.slice(1)}` : raw,
      peer: u.peer,
      queuedBytes: queued.get(u.id) ?? 0,
      owners: unixOwners.get(u.id) ?? [],
    };
  });
  const nlOwners = owners(cp, "NETLINKSK");
  const nl = [
    ...files.flatMap((f) => (f.nlsk ? [f.nlsk] : [])),
    ...legacy<NonNullable<(typeof files)[number]["nlsk"]>>("netlinksk.img", "NETLINK_SK"),
  ];
  const pkOwners = owners(cp, "PACKETSK");
  const pk = [
    ...files.flatMap((f) => (f.psk ? [f.psk] : [])),
    ...legacy<NonNullable<(typeof files)[number]["psk"]>>("packetsk.img", "PACKETSK"),
  ];
  return {
    inet: inetSockets(cp),
    unix,
    netlink: nl.map((n) => ({
      id: n.id,
      ino: n.ino,
      protocol: n.protocol,
      portid: n.portid,
      groups: [...n.groups],
      owners: nlOwners.get(n.id) ?? [],
    })),
    packet: pk.map((p) => ({
      id: p.id,
      type: p.type,
      protocol: p.protocol,
      ifindex: p.ifindex,
      owners: pkOwners.get(p.id) ?? [],
    })),
  };
}
