/**
 * The few fields a socket listing shows, read straight from the wire bytes
 * of files.img and fdinfo images. Listing a million sockets through
 * protobuf-es builds a million message trees (about 4 µs each, most of
 * `tcp list`'s time); these readers build one small record per socket and
 * check the framing of every field they step over. They never replace the
 * typed decode for anything that is written back.
 */
import { CriuImageError } from "../framing/errors.js";
import { readTag, skipValue, WireCursor, WireError } from "../framing/wire.js";
import type { inet_sk_entry } from "../gen/index.js";

/** What a listing needs of an inet_sk_entry (field numbers from sk-inet.proto); ns_id absent when the entry has none. */
export type SocketFields = Pick<
  inet_sk_entry,
  "id" | "ino" | "family" | "type" | "proto" | "state" | "srcPort" | "dstPort" | "srcAddr" | "dstAddr"
> & { nsId?: number };

function words(c: WireCursor, wt: number, into: number[]): void {
  if (wt === 0) {
    skipValue(c, 0);
    into.push(c.lo);
    return;
  }
  if (wt !== 2) throw new WireError(`wire type ${wt} for an address word`);
  skipValue(c, 2);
  // Packed: protobuf decoders accept it for any repeated scalar, though CRIU writes one tag a word.
  const end = c.pos;
  const p = new WireCursor(c.buf, end - c.lo, end);
  while (p.pos < end) {
    skipValue(p, 0);
    into.push(p.lo);
  }
}

/** Reads an inet_sk_entry's listed fields from `[c.pos, c.end)` into `f` (later values win, as in protobuf). */
function readSk(c: WireCursor, f: SocketFields): void {
  while (c.pos < c.end) {
    const tag = readTag(c);
    const no = tag >>> 3;
    if (no === 11 || no === 12) {
      words(c, tag & 7, no === 11 ? f.srcAddr : f.dstAddr);
      continue;
    }
    skipValue(c, tag & 7);
    // A switch with a store per field: a million sockets go through here, and a keyed store by table is 3x slower.
    if ((tag & 7) === 0)
      switch (no) {
        case 1:
          f.id = c.lo;
          break;
        case 2:
          f.ino = c.lo;
          break;
        case 3:
          f.family = c.lo;
          break;
        case 4:
          f.type = c.lo;
          break;
        case 5:
          f.proto = c.lo;
          break;
        case 6:
          f.state = c.lo;
          break;
        case 7:
          f.srcPort = c.lo;
          break;
        case 8:
          f.dstPort = c.lo;
          break;
        case 18:
          f.nsId = c.lo;
          break;
      }
  }
}

const newFields = (): SocketFields => ({
  id: 0,
  ino: 0,
  family: 0,
  type: 0,
  proto: 0,
  state: 0,
  srcPort: 0,
  dstPort: 0,
  srcAddr: [],
  dstAddr: [],
});

const bad = (image: string, offset: number, what: string, e: unknown) => {
  if (!(e instanceof WireError)) throw e;
  return new CriuImageError("BAD_ENTRY", image, offset, `a valid ${what} entry`, e.message);
};

/**
 * The socket of a file_entry payload (type INETSK, field 4 `isk`), or
 * undefined for any other file. `offset` is where the payload starts in
 * the image, for errors.
 */
export function fileEntrySocket(payload: Uint8Array, image: string, offset: number): SocketFields | undefined {
  const c = new WireCursor(payload, 0, payload.length);
  let f: SocketFields | undefined;
  try {
    while (c.pos < c.end) {
      const tag = readTag(c);
      skipValue(c, tag & 7);
      // A message field that occurs twice is merged, as protobuf decoders do.
      if (tag === ((4 << 3) | 2)) {
        f ??= newFields();
        readSk(new WireCursor(payload, c.pos - c.lo, c.pos), f);
      }
    }
  } catch (e) {
    throw bad(image, offset, "file_entry", e);
  }
  return f;
}

/** An inetsk.img payload (a bare inet_sk_entry). */
export function inetSkSocket(payload: Uint8Array, image: string, offset: number): SocketFields {
  const f = newFields();
  try {
    readSk(new WireCursor(payload, 0, payload.length), f);
  } catch (e) {
    throw bad(image, offset, "inet_sk_entry", e);
  }
  return f;
}

/** A file_entry's type (field 1, fd_types), to pick entries of one kind without decoding the rest. */
export function fileEntryType(payload: Uint8Array, image: string, offset: number): number {
  const c = new WireCursor(payload, 0, payload.length);
  let type = 0;
  try {
    while (c.pos < c.end) {
      const tag = readTag(c);
      skipValue(c, tag & 7);
      if (tag === 1 << 3) type = c.lo;
    }
  } catch (e) {
    throw bad(image, offset, "file_entry", e);
  }
  return type;
}

/** An fdinfo_entry's id (1), type (3) and fd (4). */
export function fdinfoFields(
  payload: Uint8Array,
  image: string,
  offset: number,
): { id: number; type: number; fd: number } {
  const c = new WireCursor(payload, 0, payload.length);
  const r = { id: 0, type: 0, fd: 0 };
  try {
    while (c.pos < c.end) {
      const tag = readTag(c);
      skipValue(c, tag & 7);
      if (tag === 1 << 3) r.id = c.lo;
      else if (tag === 3 << 3) r.type = c.lo;
      else if (tag === 4 << 3) r.fd = c.lo;
    }
  } catch (e) {
    throw bad(image, offset, "fdinfo_entry", e);
  }
  return r;
}
