/**
 * Checkpoint archives as an image source, read in one streaming pass with
 * nothing extracted to disk: a tar (plain, gzip or zstd) as Podman, CRI-O
 * and containerd export it (images under checkpoint/, engine metadata
 * beside it), or a plain tarball of a dump (at the top, or in one folder;
 * a pre-dump chain with its `parent` link works too).
 *
 * pages-* and members larger than the metadata limit are only sized.
 */
import { createHash, type Hash } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix } from "node:path";
import { Readable } from "node:stream";
import { type Header, pack } from "tar-stream";
import {
  ArchiveError,
  type Compression,
  clipName,
  compressionOf,
  copies,
  eachTarMember,
  METADATA_LIMIT,
  memberPath,
  resolveInArchive,
  type TarEnd,
  type TarHeader,
  type UnsafeMember,
  unsafeReason,
} from "../archive/index.js";
import { type SourceMember, sourceFromMembers } from "../checkpoint/members.js";
import {
  absentFile,
  type ImageSource,
  type KeepRanges,
  memoryFile,
  type PagesPolicy,
  type SourceFile,
  sparseFile,
} from "../checkpoint/source.js";
import { writeData } from "./atomic.js";
import { compressed, decompressed } from "./compress.js";
import { FileError } from "./errors.js";
import { CREATE_NEW, fsOps } from "./fs-ops.js";
import { plainBytes, readRange } from "./read-range.js";

export type { Compression };

const isPages = (base: string) => /^pages-/.test(base);

interface Member {
  path: string;
  size: number;
  type: string;
  mtime?: Date;
  bytes?: Uint8Array;
  parts?: { offset: number; bytes: Uint8Array }[];
  /** A temporary file holding the member, for random access. */
  spool?: string;
  link?: string;
}

const spools = new Set<string>();
let cleanupInstalled = false;
/** Bytes spooled by this process so far, against the limit. */
let spooled = 0;

/** How many bytes of pages one process may spool by default (an archive of a few KiB can hold gigabytes). */
export const SPOOL_LIMIT = 16 * 2 ** 30;

function removeSpools(): void {
  for (const p of spools) rmSync(dirname(p), { recursive: true, force: true });
  spools.clear();
}

/** Spools (copies of process memory among them) are removed on every exit: normal, error, or signal. */
function installCleanup(): void {
  if (cleanupInstalled) return;
  cleanupInstalled = true;
  process.once("exit", removeSpools);
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(signal, () => {
      removeSpools();
      // The default action, now that our handler is gone: the process ends as the signal says.
      process.kill(process.pid, signal);
    });
  }
}

/**
 * Writes a member to a new private temporary file (0600, never an existing
 * name), removed when the process exits: random access to a big pages file
 * of an archive read in one pass needs somewhere to read from.
 */
async function spool(
  body: AsyncIterable<Uint8Array>,
  base: string,
  size: number,
  limit: number,
  label: string,
): Promise<string> {
  if (spooled + size > limit)
    throw new FileError(
      "TOO_LARGE",
      label,
      `${base} needs ${size} bytes of temporary space for random access, over the ${limit}-byte spool limit (spoolLimit)`,
    );
  spooled += size;
  const dir = await mkdtemp(join(tmpdir(), "criu-image-spool-"));
  const path = join(dir, base);
  installCleanup();
  spools.add(path);
  const h = await fsOps.open(path, CREATE_NEW, 0o600);
  try {
    await writeData(h, body);
  } finally {
    await fsOps.close(h);
  }
  return path;
}

/** Removes one spooled member (a duplicate whose first copy stands). */
function unspool(path: string): void {
  rmSync(dirname(path), { recursive: true, force: true });
  spools.delete(path);
}

/** A body whose chunks also go into `hash` as they pass. */
async function* hashing(body: AsyncIterable<Uint8Array>, hash: Hash): AsyncGenerator<Uint8Array> {
  for await (const c of body) {
    hash.update(c);
    yield c;
  }
}

/** Keeps the wanted ranges of a body as it streams by. */
async function keepRanges(
  body: AsyncIterable<Uint8Array>,
  ranges: KeepRanges,
): Promise<{ offset: number; bytes: Uint8Array }[]> {
  const parts = ranges.map(([offset, length]) => ({ offset, bytes: new Uint8Array(length) }));
  let at = 0;
  for await (const c of body) {
    for (const p of parts) {
      const a = Math.max(at, p.offset);
      const b = Math.min(at + c.length, p.offset + p.bytes.length);
      if (a < b) p.bytes.set(c.subarray(a - at, b - at), a - p.offset);
    }
    at += c.length;
  }
  return parts;
}

/**
 * Where kept members' bytes go: small ones share 1 MiB slabs, so the ten
 * thousand tcp-stream images of a big checkpoint are a few buffers, not
 * ten thousand, each with its own allocation and bookkeeping.
 */
class Slabs {
  private slab = new Uint8Array(0);
  private at = 0;

  take(size: number): Uint8Array {
    if (size > SLAB_SIZE >> 4) return new Uint8Array(size);
    if (this.at + size > this.slab.length) {
      this.slab = new Uint8Array(SLAB_SIZE);
      this.at = 0;
    }
    this.at += size;
    return this.slab.subarray(this.at - size, this.at);
  }
}

const SLAB_SIZE = 1 << 20;

async function collect(body: AsyncIterable<Uint8Array>, size: number, slabs?: Slabs): Promise<Uint8Array> {
  const out = slabs ? slabs.take(size) : new Uint8Array(size);
  let at = 0;
  for await (const c of body) {
    out.set(c.subarray(0, Math.max(0, size - at)), at);
    at += c.length;
  }
  return at === size ? out : out.subarray(0, Math.min(at, size));
}

/** The kept files of the folder `path` is in, by base name. */
function earlierIn(members: Map<string, Member>, path: string): Map<string, Uint8Array> {
  const dir = posix.dirname(path);
  const out = new Map<string, Uint8Array>();
  for (const m of members.values())
    if (m.bytes && posix.dirname(m.path) === dir) out.set(posix.basename(m.path), m.bytes);
  return out;
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of body);
}

/**
 * Visits every member of a (compressed) tar stream. A body's chunks are
 * views valid until the next is asked for: copy what you keep.
 */
export function eachMember(
  source: AsyncIterable<Uint8Array>,
  visit: (header: TarHeader, body: AsyncIterable<Uint8Array>) => Promise<void>,
): Promise<TarEnd> {
  return eachTarMember(decompressed(source), visit);
}

/** A spooled member, read by offset. */
function spooledFile(path: string, size: number): SourceFile {
  return {
    size,
    bytes: () => plainBytes(readFileSync(path)),
    read: async (offset, length) => readRange(path, size, offset, length),
  };
}

/** Options of `openArchiveSource`. */
export interface ArchiveSourceOptions {
  /** What to call the archive in messages (its path, or "stdin"). */
  label?: string;
  /**
   * Which ranges of each pages file to keep as it streams by (default:
   * none; the file is only sized). This is how one pass over an archive
   * can still read cmdline and environment from memory.
   */
  pages?: PagesPolicy;
  /** Told when a pages file is spooled to a temporary file (its path in the archive and size). */
  onSpool?: (path: string, size: number) => void;
  /** The most bytes of pages this process may spool to temporary files (default SPOOL_LIMIT, 16 GiB). */
  spoolLimit?: number;
  /** Told the number of (compressed) bytes read so far, as the archive streams by. */
  onInput?: (bytes: number) => void;
}

/** Reads a checkpoint archive from its (possibly compressed) bytes. */
export async function openArchiveSource(
  source: AsyncIterable<Uint8Array>,
  options: ArchiveSourceOptions = {},
): Promise<ImageSource> {
  const label = options.label ?? "archive";
  const members = new Map<string, Member>();
  const unsafe: UnsafeMember[] = [];
  const seen = new Map<string, { size: number; digest: string }>();
  const slabs = new Slabs();
  let count = 0;
  let compression: Compression = "none";
  let first = true;
  let read = 0;
  let end: TarEnd = { marker: false, dataAfter: false };
  const tap = (async function* () {
    for await (const c of source) {
      read += c.length;
      options.onInput?.(read);
      if (first && c.length > 0) {
        compression = compressionOf(c);
        first = false;
      }
      yield c;
    }
  })();
  try {
    end = await eachMember(tap, async (h, body) => {
      const index = count++;
      const reason = unsafeReason(h, seen);
      if (reason) {
        // Never kept, never used: only reported, and left out by writers that are told to.
        unsafe.push({ name: clipName(h.name), index, reason });
        return drain(body);
      }
      const path = memberPath(h.name);
      const type = h.type ?? "file";
      const size = h.size ?? 0;
      if (path === "") return drain(body);
      if (type === "symlink" || type === "link") {
        await drain(body);
        members.set(path, { path, size: 0, type, link: h.linkname ?? "" });
        return;
      }
      if (type !== "file" && type !== "contiguous-file") {
        await drain(body);
        if (type !== "directory") members.set(path, { path, size, type });
        return;
      }
      const base = posix.basename(path);
      const keep = size <= METADATA_LIMIT && !isPages(base);
      const m: Member = { path, size, type: "file", ...(h.mtime ? { mtime: h.mtime } : {}) };
      // Every regular member's bytes are hashed as they pass: a second member of one name is one member
      // when its bytes are the same, and unsafe when they differ, whatever its size (the last one would win).
      const hash = createHash("sha256");
      const hashed = hashing(body, hash);
      if (keep) {
        const bytes = await collect(hashed, size, slabs);
        const why = base === "parent" ? parentFileProblem(bytes, path) : undefined;
        if (why) {
          unsafe.push({ name: clipName(h.name), index, reason: why });
          return;
        }
        m.bytes = bytes;
      } else {
        const want = isPages(base) && options.pages ? options.pages(base, size, earlierIn(members, path)) : undefined;
        if (want === "all") m.bytes = await collect(hashed, size);
        else if (want === "spool") m.spool = await spool(hashed, base, size, options.spoolLimit ?? SPOOL_LIMIT, label);
        else if (want && want.length > 0)
          m.parts = await keepRanges(
            hashed,
            want.filter(([o, l]) => o >= 0 && l > 0 && o + l <= size),
          );
        else await drain(hashed);
      }
      const sum = hash.digest("hex");
      const before = seen.get(path);
      if (before) {
        if (m.spool) unspool(m.spool);
        if (before.digest !== sum)
          unsafe.push({ name: clipName(h.name), index, reason: "a second member of this name, with other contents" });
        // The same bytes again (tar -r): the first stands for both.
        return;
      }
      seen.set(path, { size, digest: sum });
      members.set(path, m);
      if (m.spool) options.onSpool?.(path, size);
    });
  } catch (e) {
    // Damaged data names the archive; anything else (the file system's refusal, a bug) is passed on as it is.
    if (e instanceof ArchiveError) throw e.in(label);
    throw e;
  }
  if (members.size === 0 && unsafe.length > 0) {
    throw new FileError(
      "NOT_CHECKPOINT",
      label,
      `holds no checkpoint, only ${unsafe.length} unsafe member(s) (first: ${unsafe[0]?.name}: ${unsafe[0]?.reason})`,
    );
  }
  const found = sourceFromMembers(asSourceMembers(members), {
    label,
    type: "archive",
    compression,
    fail: (what) => new FileError("NOT_CHECKPOINT", label, what),
  });
  // As tar: nothing after the end-of-archive marker is read; that something was there is said.
  const notes = end.dataAfter
    ? [...found.notes, { message: "data follows the archive's end-of-archive marker; it was not read (as tar does)" }]
    : found.notes;
  return { ...found, notes, unsafe };
}

/**
 * Why a `parent` file (a copy of a chain that lost its link) may not be
 * followed: inside an archive it may only name a folder of the same
 * archive, never a path on the host.
 */
function parentFileProblem(bytes: Uint8Array, path: string): string | undefined {
  const target = new TextDecoder().decode(bytes).trim();
  const from = posix.dirname(path) === "." ? "" : posix.dirname(path);
  if (target.startsWith("/") || resolveInArchive(target, from) === undefined)
    return `a parent link to ${clipName(target, 100)}, outside the archive`;
  return undefined;
}

/** The members as the checkpoint layer sees them, each file with however this reader kept it. */
function asSourceMembers(members: Map<string, Member>): Map<string, SourceMember> {
  const out = new Map<string, SourceMember>();
  for (const [path, m] of members) {
    const file =
      m.type !== "file"
        ? undefined
        : m.bytes
          ? memoryFile(m.bytes)
          : m.spool
            ? spooledFile(m.spool, m.size)
            : m.parts
              ? sparseFile(m.size, m.path, m.parts)
              : absentFile(m.size, m.path, `${m.path} is not kept when the archive is read`);
    out.set(path, { path, type: m.type, size: m.size, mtime: m.mtime, link: m.link, file });
  }
  return out;
}

/**
 * Writes a copy of an archive with some images (and engine metadata files)
 * replaced, streaming: every other member (pages and rootfs included) is
 * copied as it is. The output's
 * compression follows its name (.tar, .tar.gz/.tgz, .tar.zst).
 */
export async function* rewrittenArchive(
  input: AsyncIterable<Uint8Array>,
  imagesDir: string,
  replace: ReadonlyMap<string, Uint8Array>,
  compression: Compression,
  leaveOut: ReadonlySet<number> = new Set(),
  metadata: ReadonlyMap<string, Uint8Array> = new Map(),
): AsyncGenerator<Uint8Array> {
  const p = pack();
  const prefix = imagesDir ? `${imagesDir}/` : "";
  let index = 0;
  const done = (async () => {
    await eachMember(input, async (header, body) => {
      if (leaveOut.has(index++)) return drain(body);
      const name = memberPath(header.name);
      const base =
        name.startsWith(prefix) && !name.slice(prefix.length).includes("/") ? name.slice(prefix.length) : undefined;
      // An image by its base name in the images folder; an engine file by its path in the archive.
      const next = (base !== undefined ? replace.get(base) : undefined) ?? metadata.get(name);
      const type = header.type ?? "file";
      if (next) {
        await drain(body);
        await new Promise<void>((res, rej) =>
          p.entry({ ...tarStreamHeader(header), size: next.length }, Buffer.from(next), (e) => (e ? rej(e) : res())),
        );
        return;
      }
      if (type !== "file" && type !== "contiguous-file") {
        await drain(body);
        await new Promise<void>((res, rej) =>
          p.entry({ ...tarStreamHeader(header), size: 0 }, (e) => (e ? rej(e) : res())),
        );
        return;
      }
      await new Promise<void>((res, rej) => {
        const sink = p.entry(tarStreamHeader(header), (e) => (e ? rej(e) : res()));
        Readable.from(copies(body)).pipe(sink);
      });
    });
    p.finalize();
  })();
  done.catch((e) => p.destroy(e));
  yield* compressed(p as unknown as AsyncIterable<Uint8Array>, compression);
  await done;
}

/** A header as tar-stream's packer takes it. */
const tarStreamHeader = (h: TarHeader): Header => ({ ...h, pax: h.pax ?? undefined }) as Header;
