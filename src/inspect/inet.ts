/**
 * Every inet socket of a checkpoint as a typed record: addresses, owners
 * (pid and fd, through pstree → ids → fdinfo), network namespace and the
 * TCP stream state CRIU saved for it.
 */

import type { Checkpoint } from "../checkpoint/checkpoint.js";
import type { fdinfo_entry, inet_sk_entry, tcp_stream_entry } from "../gen/index.js";
import { formatWords } from "./address-text.js";
import {
  FAMILY,
  nameOf,
  PROTO,
  type SocketFamily,
  type SocketKind,
  type SocketProto,
  type SocketState,
  type SocketType,
  STATE,
  socketKind,
  TYPE,
} from "./socket-names.js";

/** One end of an inet socket. */
export interface Endpoint {
  /** ipaddr.js text form; "" when the socket has no address. */
  address: string;
  port: number;
}

/** A process and fd that hold a socket. */
export interface Owner {
  pid: number;
  fd: number;
}

/** The saved TCP state of a connection (tcp-stream-<ino>.img). */
export interface TcpStreamInfo {
  image: string;
  /** Unread received bytes and unacknowledged sent bytes CRIU saved. */
  inqLen: number;
  outqLen: number;
  inqSeq: number;
  outqSeq: number;
  /** TCP options in use, from opt_mask: "timestamps", "sack", "wscale", "ecn". */
  options: string[];
  optMask: number;
  sndWscale: number;
  rcvWscale?: number;
  mssClamp: number;
  timestamp?: number;
  sndWnd?: number;
  rcvWnd?: number;
  maxWindow?: number;
  unsqLen?: number;
  cork?: boolean;
  nodelay?: boolean;
}

/** Where a socket's entry lives: files.img (CRIU 3.4 and later) or the legacy inetsk.img. */
export type SocketLayout = "files.img" | "inetsk.img";

/** An inet socket of a checkpoint (TCP, UDP, raw), joined with its owners and queues. */
export interface InetSocket {
  /** file_entry.id / inet_sk_entry.id: what fdinfo entries point at. */
  id: number;
  ino: number;
  family: SocketFamily;
  type: SocketType;
  proto: SocketProto;
  kind: SocketKind;
  state: SocketState;
  local: Endpoint;
  remote: Endpoint;
  owners: Owner[];
  /** The network namespace id (inet_sk_entry.ns_id), or null when not recorded. */
  netnsId: number | null;
  stream: TcpStreamInfo | null;
  layout: SocketLayout;
  /** The image holding the socket entry. */
  image: string;
}

const OPTS: [string, number][] = [
  ["timestamps", 1],
  ["sack", 2],
  ["wscale", 4],
  ["ecn", 8],
];

const has = (m: object, k: string) => Object.hasOwn(m, k);

function streamInfo(image: string, s: tcp_stream_entry): TcpStreamInfo {
  const info: TcpStreamInfo = {
    image,
    inqLen: s.inqLen,
    outqLen: s.outqLen,
    inqSeq: s.inqSeq,
    outqSeq: s.outqSeq,
    options: OPTS.filter(([, bit]) => s.optMask & bit).map(([n]) => n),
    optMask: s.optMask,
    sndWscale: s.sndWscale,
    mssClamp: s.mssClamp,
  };
  for (const k of ["rcvWscale", "timestamp", "sndWnd", "rcvWnd", "maxWindow", "unsqLen", "cork", "nodelay"] as const) {
    if (has(s, k)) (info as unknown as Record<string, unknown>)[k] = s[k];
  }
  return info;
}

/** A socket entry with where it lives. */
export interface SocketEntry {
  sk: inet_sk_entry;
  image: string;
  layout: SocketLayout;
  /** Index of the entry in its image. */
  index: number;
}

/** Every inet socket entry, from files.img (CRIU ≥ 3.4) and inetsk.img (before). */
export function socketEntries(r: Checkpoint): SocketEntry[] {
  const out: SocketEntry[] = [];
  const files = r.kind("files.img", "FILES");
  files?.entries.forEach((f, index) => {
    if (f.isk) out.push({ sk: f.isk, image: "files.img", layout: "files.img", index });
  });
  const legacy = r.kind("inetsk.img", "INETSK");
  legacy?.entries.forEach((sk, index) => {
    out.push({ sk, image: "inetsk.img", layout: "inetsk.img", index });
  });
  return out;
}

const INETSK_FD_TYPE = 4;

/** Which (pid, fd) pairs hold each inet socket id. */
export function socketOwners(r: Checkpoint): Map<number, Owner[]> {
  const owners = new Map<number, Owner[]>();
  const pstree = r.kind("pstree.img", "PSTREE");
  // Since CRIU 1.x fdinfo images are per file table (fdinfo_per_id); before, per pid.
  const perId = r.kind("inventory.img", "INVENTORY")?.entries[0]?.fdinfoPerId ?? true;
  for (const task of pstree?.entries ?? []) {
    const ids = r.has(`ids-${task.pid}.img`) ? r.first(`ids-${task.pid}.img`, "IDS") : undefined;
    const table = perId ? ids?.filesId : task.pid;
    if (table === undefined) continue;
    const fdinfo = r.kind(`fdinfo-${table}.img`, "FDINFO");
    for (const fd of (fdinfo?.entries ?? []) as fdinfo_entry[]) {
      if (fd.type !== INETSK_FD_TYPE) continue;
      const list = owners.get(fd.id) ?? [];
      list.push({ pid: task.pid, fd: fd.fd });
      owners.set(fd.id, list);
    }
  }
  return owners;
}

/** The name of the image that holds a TCP socket's queues: tcp-stream-<ino in hex>.img. */
export function tcpStreamName(ino: number): string {
  return `tcp-stream-${ino.toString(16)}.img`;
}

/** All inet sockets (TCP, UDP, UDPLITE, raw) of a checkpoint, in image order. */
export function inetSockets(r: Checkpoint): InetSocket[] {
  const owners = socketOwners(r);
  return socketEntries(r).map(({ sk, image, layout }) => {
    const streamImage = tcpStreamName(sk.ino);
    const stream = r.kind(streamImage, "TCP_STREAM", { cache: false })?.entries[0];
    return {
      id: sk.id,
      ino: sk.ino,
      family: nameOf(FAMILY, sk.family),
      type: nameOf(TYPE, sk.type),
      proto: nameOf(PROTO, sk.proto),
      kind: socketKind(sk.type, sk.proto),
      state: nameOf(STATE, sk.state),
      local: { address: formatWords(sk.srcAddr), port: sk.srcPort },
      remote: { address: formatWords(sk.dstAddr), port: sk.dstPort },
      owners: owners.get(sk.id) ?? [],
      netnsId: has(sk, "nsId") ? sk.nsId : null,
      stream: stream ? streamInfo(streamImage, stream) : null,
      layout,
      image,
    };
  });
}
