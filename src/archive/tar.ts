/**
 * A tar reader that pulls: headers (ustar, GNU long names, pax) are read
 * into one 512-byte buffer, and a member's body is handed to its visitor
 * as views of the chunks the source gives, with nothing buffered ahead.
 * So a body's chunks are valid only until the next is asked for (copy
 * what you keep), and a source may reuse one buffer for all its reads:
 * a 256 MiB pages member streams through without one allocation.
 */

import { TarError } from "./errors.js";
import { TAR_META_LIMIT } from "./limits.js";

/** Member types, named as tar-stream names them. */
export type TarType =
  | "file"
  | "gnu-sparse"
  | "gnu-multivolume"
  | "link"
  | "symlink"
  | "character-device"
  | "block-device"
  | "directory"
  | "fifo"
  | "contiguous-file";

/** A member's header, with GNU long names and pax records applied. */
export interface TarHeader {
  name: string;
  type: TarType;
  size: number;
  mode: number;
  uid: number;
  gid: number;
  mtime: Date;
  linkname: string | null;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** The member's pax records, when it had any (kept so that a rewrite writes them back). */
  pax: Record<string, string> | null;
}

const BLOCK = 512;
const META_MAX = TAR_META_LIMIT;
/** Metadata records (pax, GNU long names) in a row before one member: a real archive has at most three. */
const META_RUN = 8;
/** How far past the end-of-archive marker is looked at, to say whether anything follows it. */
const AFTER_END = 64 << 10;

// tar's typeflags; GNU's sparse and multi-volume members are named so that they are never read as plain files
// (their bytes are not the file's); others (volume labels, ...) read as regular files, as POSIX has it.
const TYPES: Record<string, TarType> = {
  "0": "file",
  "\0": "file",
  "1": "link",
  "2": "symlink",
  "3": "character-device",
  "4": "block-device",
  "5": "directory",
  "6": "fifo",
  "7": "contiguous-file",
  S: "gnu-sparse",
  M: "gnu-multivolume",
};

/** How a tar stream ended. */
export interface TarEnd {
  /** It ended with the end-of-archive marker (a zero block), not only with its data. */
  marker: boolean;
  /** Bytes other than zero follow the marker (they were not read as members, as tar does not read them). */
  dataAfter: boolean;
}

const utf8 = new TextDecoder();

/**
 * A source that can pass over bytes without reading them (a file or Blob
 * read by offset): a member's body that is not read is then never read.
 */
export interface SkippableSource extends AsyncIterable<Uint8Array> {
  /** Moves the next chunk `n` bytes further on. */
  skip(n: number): void;
}

/** The source's chunks, pulled one at a time, read as views. */
class Pull {
  private chunk: Uint8Array = new Uint8Array(0);
  private at = 0;
  /** Offset in the stream of the next unread byte. */
  offset = 0;

  constructor(
    private readonly it: AsyncIterator<Uint8Array>,
    private readonly source?: SkippableSource,
  ) {}

  /** False at the end of the stream. */
  private async more(): Promise<boolean> {
    while (this.at >= this.chunk.length) {
      const r = await this.it.next();
      if (r.done) return false;
      this.chunk = r.value;
      this.at = 0;
    }
    return true;
  }

  /** Fills `dst`; returns the bytes read (less only at the end of the stream). */
  async fill(dst: Uint8Array): Promise<number> {
    let n = 0;
    while (n < dst.length && (await this.more())) {
      const k = Math.min(dst.length - n, this.chunk.length - this.at);
      dst.set(this.chunk.subarray(this.at, this.at + k), n);
      this.at += k;
      this.offset += k;
      n += k;
    }
    return n;
  }

  /** The next view of at most `n` bytes; throws when the stream ends first. */
  async view(n: number): Promise<Uint8Array> {
    if (!(await this.more())) throw new TarError(this.offset, `${n} more bytes of a member, not the end of the data`);
    const k = Math.min(n, this.chunk.length - this.at);
    const v = this.chunk.subarray(this.at, this.at + k);
    this.at += k;
    this.offset += k;
    return v;
  }

  async skip(n: number): Promise<void> {
    if (this.source && n > this.chunk.length - this.at) {
      // Past the chunk in hand: the source moves on without reading.
      n -= this.chunk.length - this.at;
      this.offset += this.chunk.length - this.at;
      this.at = this.chunk.length;
      this.source.skip(n);
      this.offset += n;
      return;
    }
    while (n > 0) n -= (await this.view(n)).length;
  }
}

const cstring = (b: Uint8Array, from: number, len: number): string => {
  let end = from;
  while (end < from + len && b[end] !== 0) end++;
  return utf8.decode(b.subarray(from, end));
};

/** A numeric field: octal text, or base-256 (GNU) when its first byte has the high bit. */
function number(b: Uint8Array, from: number, len: number, offset: number): number {
  const first = b[from] as number;
  if (first & 0x80) {
    if (first === 0xff) throw new TarError(offset + from, "a number that is not negative");
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + (b[from + i] as number);
    if (!Number.isSafeInteger(v)) throw new TarError(offset + from, "a number below 2^53");
    return v;
  }
  let i = from;
  const end = from + len;
  while (i < end && (b[i] === 0x20 || b[i] === 0)) i++;
  let v = 0;
  for (; i < end && b[i] !== 0x20 && b[i] !== 0; i++) {
    const d = (b[i] as number) - 0x30;
    if (d < 0 || d > 7) throw new TarError(offset + i, "an octal digit");
    v = v * 8 + d;
  }
  return v;
}

/** The header's checksum: the sum of its bytes, unsigned as POSIX has it or signed as some old tars wrote it. */
function checksumOk(b: Uint8Array): boolean {
  let sum = 8 * 0x20;
  let signed = 8 * 0x20;
  for (let i = 0; i < BLOCK; i++) {
    if (i >= 148 && i < 156) continue;
    const c = b[i] as number;
    sum += c;
    signed += c > 127 ? c - 256 : c;
  }
  const want = number(b, 148, 8, 0);
  return sum === want || signed === want;
}

/** Pax records: "<length> <key>=<value>\n", one after the other. */
function paxRecords(b: Uint8Array, offset: number): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  while (i < b.length && b[i] !== 0) {
    let j = i;
    while (j < b.length && b[j] !== 0x20) j++;
    const len = Number(utf8.decode(b.subarray(i, j)));
    if (!Number.isSafeInteger(len) || len <= j - i || i + len > b.length)
      throw new TarError(offset + i, "a pax record's length");
    const record = utf8.decode(b.subarray(j + 1, i + len - 1));
    const eq = record.indexOf("=");
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    i += len;
  }
  return out;
}

/**
 * A member's body. Leaving a loop over it early does not end it: what is
 * left is passed over before the next header.
 */
class Body implements AsyncIterable<Uint8Array> {
  constructor(
    private readonly pull: Pull,
    public left: number,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<Uint8Array> {
    return {
      next: async () => {
        if (this.left === 0) return { done: true, value: undefined };
        const v = await this.pull.view(this.left);
        this.left -= v.length;
        return { done: false, value: v };
      },
    };
  }
}

const padding = (size: number) => (BLOCK - (size % BLOCK)) % BLOCK;

/**
 * Visits every member of a tar stream, in order, with where its body starts
 * in the stream (a plain tar that is random access already can be sliced
 * there instead of copied). The body must be read (or left) before the
 * visitor returns; what is left is passed over.
 */
export async function eachTarMember(
  source: AsyncIterable<Uint8Array> | SkippableSource,
  visit: (header: TarHeader, body: AsyncIterable<Uint8Array>, bodyAt: number) => Promise<void>,
): Promise<TarEnd> {
  const it = source[Symbol.asyncIterator]();
  const skippable =
    typeof (source as Partial<SkippableSource>).skip === "function" ? (source as SkippableSource) : undefined;
  // However this ends (done, refused, a visitor's error), the source is ended too: a file behind it is closed.
  try {
    return await members(new Pull(it, skippable), visit);
  } finally {
    await it.return?.();
  }
}

async function members(
  pull: Pull,
  visit: (header: TarHeader, body: AsyncIterable<Uint8Array>, bodyAt: number) => Promise<void>,
): Promise<TarEnd> {
  const block = new Uint8Array(BLOCK);
  let globalPax: Record<string, string> = {};
  let globalSize = 0;
  let pax: Record<string, string> | null = null;
  let longName: string | undefined;
  let longLink: string | undefined;
  let run = 0;
  // One buffer for every metadata record: what a record can make us hold is bounded by META_MAX.
  const metaBuf = new Uint8Array(META_MAX);
  const meta = async (size: number, at: number): Promise<Uint8Array> => {
    if (size > META_MAX) throw new TarError(at, `a pax record or long name of at most ${META_MAX} bytes`);
    if (++run > META_RUN)
      throw new TarError(at, `at most ${META_RUN} pax records or long names before a member (this archive has more)`);
    const b = metaBuf.subarray(0, size);
    if ((await pull.fill(b)) < size) throw new TarError(pull.offset, "the rest of a pax record or long name");
    await pull.skip(padding(size));
    return b;
  };
  for (;;) {
    const at = pull.offset;
    const n = await pull.fill(block);
    if (n === 0) return { marker: false, dataAfter: false };
    if (n < BLOCK) throw new TarError(at, "a 512-byte header, not the end of the data");
    // The end-of-archive marker: tar reads nothing after it (and pads the last record with zeros).
    if (block.every((x) => x === 0)) return { marker: true, dataAfter: await nonZeroAhead(pull) };
    if (!checksumOk(block))
      throw new TarError(at, "a tar header with a valid checksum (is the archive damaged, or compressed another way?)");
    const flag = String.fromCharCode(block[156] as number);
    let size = number(block, 124, 12, at);
    if (flag === "x" || flag === "g") {
      // Offsets in the records count from the body's start (read before meta() passes over the padding).
      const bodyAt = pull.offset;
      const records = paxRecords(await meta(size, at), bodyAt);
      if (flag === "g") {
        // Global records are kept for every later member: their total is bounded too.
        for (const [k, v] of Object.entries(records)) globalSize += k.length + v.length;
        if (globalSize > META_MAX)
          throw new TarError(at, `global pax records of at most ${META_MAX} bytes in all (this archive has more)`);
        globalPax = { ...globalPax, ...records };
        // A global header is no member's: the run before a member starts again.
        run = 0;
      } else pax = records;
      continue;
    }
    if (flag === "L" || flag === "K" || flag === "N") {
      const text = cstring(await meta(size, at), 0, size);
      if (flag === "K") longLink = text;
      else longName = text;
      continue;
    }
    const ustar = utf8.decode(block.subarray(257, 263)) === "ustar\0";
    const prefix = ustar ? cstring(block, 345, 155) : "";
    let name = cstring(block, 0, 100);
    if (prefix) name = `${prefix}/${name}`;
    let linkname: string | null = cstring(block, 157, 100) || null;
    let mtime = new Date(number(block, 136, 12, at) * 1000);
    const records = { ...globalPax, ...(pax ?? {}) };
    if (records.path !== undefined) name = records.path;
    if (records.linkpath !== undefined) linkname = records.linkpath;
    if (records.size !== undefined) {
      const s = Number(records.size);
      if (!Number.isSafeInteger(s) || s < 0) throw new TarError(at, "a pax size that is a whole number");
      size = s;
    }
    if (records.mtime !== undefined && Number.isFinite(Number(records.mtime)))
      mtime = new Date(Number(records.mtime) * 1000);
    if (longName !== undefined) name = longName;
    if (longLink !== undefined) linkname = longLink;
    // GNU's pax sparse formats (0.0, 0.1, 1.0) keep the file's bytes as a map and its pieces: not a plain body.
    const sparse = Object.keys(records).some((k) => k.startsWith("GNU.sparse."));
    const header: TarHeader = {
      name,
      type: sparse ? "gnu-sparse" : (TYPES[flag] ?? "file"),
      size,
      mode: number(block, 100, 8, at),
      uid: number(block, 108, 8, at),
      gid: number(block, 116, 8, at),
      mtime,
      linkname,
      uname: cstring(block, 265, 32),
      gname: cstring(block, 297, 32),
      devmajor: number(block, 329, 8, at),
      devminor: number(block, 337, 8, at),
      pax: pax && Object.keys(pax).length > 0 ? pax : null,
    };
    pax = null;
    longName = undefined;
    longLink = undefined;
    run = 0;
    const body = new Body(pull, size);
    await visit(header, body, pull.offset);
    await pull.skip(body.left + padding(size));
  }
}

/** Whether anything but zeros follows, within AFTER_END bytes (a bomb of zeros after the marker is never read). */
async function nonZeroAhead(pull: Pull): Promise<boolean> {
  const look = new Uint8Array(AFTER_END);
  const n = await pull.fill(look);
  for (let i = 0; i < n; i++) if (look[i] !== 0) return true;
  return false;
}
