/**
 * Every inet socket of a checkpoint as a typed record: addresses, owners
 * (pid and fd, through pstree → ids → fdinfo), network namespace and the
 * TCP stream state CRIU saved for it.
 */

import { Checkpoint, type CheckpointLike } from "../checkpoint/checkpoint.js";
import type { file_entry, inet_sk_entry, tcp_stream_entry } from "../gen/index.js";
import { formatWords } from "../image/address.js";
import { taskFdRefs } from "./fd-refs.js";
import { IdTable } from "./id-table.js";
import { fileEntrySocket, inetSkSocket, type SocketFields } from "./inet-wire.js";
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
  /** `formatAddress` text (crit's form); "" when the socket has no address. */
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

/** Where inet socket entries live: files.img (CRIU ≥ 3.4), inetsk.img (before). */
const SOCKET_IMAGES = [
  ["files.img", "FILES"],
  ["inetsk.img", "INETSK"],
] as const;

/** The decoded socket entries of one image, with their index in it (the checkpoint's own when it holds the image). */
function* decodedSockets(
  r: Checkpoint,
  image: string,
  kind: "FILES" | "INETSK",
): Generator<{ sk: inet_sk_entry; index: number }> {
  let index = 0;
  for (const x of r.each(image, kind)) {
    const sk = kind === "FILES" ? (x as file_entry).isk : (x as inet_sk_entry);
    if (sk) yield { sk, index };
    index++;
  }
}

/**
 * Every inet socket entry, from files.img (CRIU ≥ 3.4) and inetsk.img
 * (before), one at a time: files.img is decoded entry by entry and nothing
 * is kept, unless the checkpoint already holds it decoded.
 */
export function* eachSocketEntry(r: Checkpoint): Generator<SocketEntry, void, undefined> {
  for (const [image, kind] of SOCKET_IMAGES)
    for (const { sk, index } of decodedSockets(r, image, kind)) yield { sk, image, layout: image, index };
}

/**
 * Every inet socket entry, from files.img (CRIU ≥ 3.4) and inetsk.img
 * (before). The images are decoded and kept by the checkpoint, so the
 * entries are the ones a rewrite changes and writes back.
 */
export function socketEntries(r: Checkpoint): SocketEntry[] {
  r.kind("files.img", "FILES");
  r.kind("inetsk.img", "INETSK");
  return [...eachSocketEntry(r)];
}

const INETSK_FD_TYPE = 4;

/**
 * Who holds which inet socket: (socket id, pid, fd) rows from the fdinfo
 * images, read without keeping them. Rows of one id keep their order.
 */
function ownerTable(r: Checkpoint): IdTable {
  const owners = new IdTable(3);
  for (const [pid, fd] of taskFdRefs(r)) if (fd.type === INETSK_FD_TYPE) owners.add(fd.id, pid, fd.fd);
  return owners;
}

const ownersOf = (t: IdTable, id: number): Owner[] => t.lookup(id).map(([pid, fd]) => ({ pid, fd }) as Owner);

/** Which (pid, fd) pairs hold each inet socket id. */
export function socketOwners(r: Checkpoint): Map<number, Owner[]> {
  const t = ownerTable(r);
  const out = new Map<number, Owner[]>();
  for (const [id, pid, fd] of t.rows()) {
    const list = out.get(id as number) ?? [];
    list.push({ pid: pid as number, fd: fd as number });
    out.set(id as number, list);
  }
  return out;
}

/**
 * The listed fields of every socket entry, with where it is: from the
 * decoded entries when the checkpoint holds them (they may have been
 * changed), else straight from the wire. No owners, no queues: for checks
 * over a million sockets that need only their endpoints.
 */
export function* socketFields(r: Checkpoint): Generator<{ f: SocketFields; image: string; layout: SocketLayout }> {
  for (const [image, kind] of SOCKET_IMAGES) {
    if (r.decoded(image)) {
      for (const { sk } of decodedSockets(r, image, kind)) yield { f: sk, image, layout: image };
      continue;
    }
    for (const e of r.framed(image, kind)?.entries() ?? []) {
      const at = (e.offset ?? 0) + 4;
      const f = kind === "FILES" ? fileEntrySocket(e.payload, image, at) : inetSkSocket(e.payload, image, at);
      if (f) yield { f, image, layout: image };
    }
  }
}

/** The name of the image that holds a TCP socket's queues: tcp-stream-<ino in hex>.img. */
export function tcpStreamName(ino: number): string {
  return `tcp-stream-${ino.toString(16)}.img`;
}

/**
 * All inet sockets (TCP, UDP, UDPLITE, raw) of a checkpoint, in image
 * order, one at a time: what is kept while the loop runs is an index of the
 * owners, not the sockets, so a million of them can be listed in little
 * memory. Each socket is a new object the caller may keep.
 */
export function* eachInetSocket(checkpoint: CheckpointLike): Generator<InetSocket, void, undefined> {
  const r = Checkpoint.of(checkpoint);
  const owners = ownerTable(r);
  for (const { f, image, layout } of socketFields(r)) {
    const streamImage = tcpStreamName(f.ino);
    const stream = r.has(streamImage) ? r.kind(streamImage, "TCP_STREAM", { cache: false })?.entries[0] : undefined;
    yield {
      id: f.id,
      ino: f.ino,
      family: nameOf(FAMILY, f.family),
      type: nameOf(TYPE, f.type),
      proto: nameOf(PROTO, f.proto),
      kind: socketKind(f.type, f.proto),
      state: nameOf(STATE, f.state),
      local: { address: formatWords(f.srcAddr), port: f.srcPort },
      remote: { address: formatWords(f.dstAddr), port: f.dstPort },
      owners: ownersOf(owners, f.id),
      netnsId: has(f, "nsId") ? (f.nsId as number) : null,
      stream: stream ? streamInfo(streamImage, stream) : null,
      layout,
      image,
    };
  }
}

/** All inet sockets (TCP, UDP, UDPLITE, raw) of a checkpoint (or an in-memory map of its images), in image order. */
export function inetSockets(checkpoint: CheckpointLike): InetSocket[] {
  return [...eachInetSocket(checkpoint)];
}
