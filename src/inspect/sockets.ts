/** Sockets as plain data: inet (as tcp list), unix, netlink and packet. */
import type { Checkpoint } from "../checkpoint/checkpoint.js";
import type { netlink_sk_entry, packet_sock_entry, unix_sk_entry } from "../gen/index.js";
import { enumValueName } from "../image/names.js";
import { decodeUtf8Lossless } from "../image/text-codec.js";
import { taskFdRefs } from "./fd-refs.js";
import { eachInetSocket, type InetSocket } from "./inet.js";
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

type Owners = Map<number, { pid: number; fd: number }[]>;

/** (pid, fd) pairs holding each file id, for fds of these types. */
function owners(cp: Checkpoint, types: readonly string[]): Map<string, Owners> {
  const out = new Map<string, Owners>(types.map((t) => [t, new Map()]));
  for (const [pid, fd] of taskFdRefs(cp)) {
    const byId = out.get(enumValueName("fd_types", fd.type) ?? "");
    if (!byId) continue;
    const list = byId.get(fd.id) ?? [];
    list.push({ pid, fd: fd.fd });
    byId.set(fd.id, list);
  }
  return out;
}

/** The sockets view with its inet sockets still to be read, one at a time (each loop reads them again). */
export type LazySocketsView = Omit<SocketsView, "inet"> & { inet: Iterable<InetSocket> };

/** The sockets view of a checkpoint, from files.img and the legacy per-family images. */
export function sockets(cp: Checkpoint): SocketsView {
  const view = lazySockets(cp);
  return { ...view, inet: [...view.inet] };
}

/**
 * The sockets view, but the inet sockets (the many: a million, in some
 * checkpoints) are read as they are iterated, so a writer can hold one at
 * a time.
 */
export function lazySockets(cp: Checkpoint): LazySocketsView {
  // files.img is read one entry at a time: the inet sockets, the many, are read from the wire below.
  const usk: unix_sk_entry[] = [];
  const nl: netlink_sk_entry[] = [];
  const pk: packet_sock_entry[] = [];
  for (const f of cp.each("files.img", "FILES")) {
    if (f.usk) usk.push(f.usk);
    else if (f.nlsk) nl.push(f.nlsk);
    else if (f.psk) pk.push(f.psk);
  }
  for (const u of cp.each("unixsk.img", "UNIXSK")) usk.push(u);
  for (const n of cp.each("netlinksk.img", "NETLINK_SK")) nl.push(n);
  for (const p of cp.each("packetsk.img", "PACKETSK")) pk.push(p);
  const queued = new Map<number, number>();
  for (const q of cp.each("sk-queues.img", "SK_QUEUES")) queued.set(q.idFor, (queued.get(q.idFor) ?? 0) + q.length);
  const held = owners(cp, ["UNIXSK", "NETLINKSK", "PACKETSK"]);
  const ownersOf = (type: string, id: number) => held.get(type)?.get(id) ?? [];
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
      owners: ownersOf("UNIXSK", u.id),
    };
  });
  return {
    inet: { [Symbol.iterator]: () => eachInetSocket(cp) },
    unix,
    netlink: nl.map((n) => ({
      id: n.id,
      ino: n.ino,
      protocol: n.protocol,
      portid: n.portid,
      groups: [...n.groups],
      owners: ownersOf("NETLINKSK", n.id),
    })),
    packet: pk.map((p) => ({
      id: p.id,
      type: p.type,
      protocol: p.protocol,
      ifindex: p.ifindex,
      owners: ownersOf("PACKETSK", p.id),
    })),
  };
}
