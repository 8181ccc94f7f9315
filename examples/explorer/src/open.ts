/**
 * Opening a checkpoint in the page: a folder (directory upload) or an
 * archive file (tar, tar.gz, tar.zst), read where it lies, with nothing
 * sent anywhere. Small files are held in memory; pages files stay Blobs
 * (the picked file itself, or the archive's bytes as they streamed by),
 * read a range at a time when memory is looked at.
 */

import {
  compressionOf,
  decompressed,
  eachTarMember,
  METADATA_LIMIT,
  memberPath,
  type SkippableSource,
  type TarHeader,
  type UnsafeMember,
  unsafeReason,
} from "../../../src/archive/index.js";
import type { ImageSource, SourceFile, SourceMember } from "../../../src/checkpoint/index.js";
import { Checkpoint, memoryFile, sourceFromMembers } from "../../../src/checkpoint/index.js";
import { CriuImageError, chunksOf } from "../../../src/index.js";

export type Progress = (done: number, total: number, what: string) => void;

/** Files up to this size are read into memory; larger ones (pages, rootfs) are kept as Blobs. */
const SMALL = METADATA_LIMIT;

function blobFile(blob: Blob, name: string): SourceFile {
  return {
    size: blob.size,
    bytes: () => {
      throw new CriuImageError("UNSUPPORTED", name, 0, "a file held in memory", "a large file is read by ranges only");
    },
    read: async (offset, length) => new Uint8Array(await blob.slice(offset, offset + length).arrayBuffer()),
  };
}

interface Entry {
  path: string;
  file: SourceFile;
  /** A symlink's target. */
  link?: string;
  mtime?: Date | null;
}

const baseOf = (p: string) => p.slice(p.lastIndexOf("/") + 1);

/** The checkpoint in what was read, through the library's one reader of archive members. */
function sourceOf(
  entries: Entry[],
  label: string,
  type: "folder" | "archive",
  compression: "none" | "gzip" | "zstd",
): ImageSource {
  const members = new Map<string, SourceMember>();
  for (const e of entries)
    members.set(e.path, {
      path: e.path,
      type: e.link !== undefined ? "symlink" : "file",
      size: e.file.size,
      mtime: e.mtime ?? undefined,
      link: e.link,
      file: e.link !== undefined ? undefined : e.file,
    });
  return sourceFromMembers(members, { label, type, compression });
}

/** A file of a picked or dropped folder, with its path inside the folder (the folder's name first). */
export interface FolderFile {
  file: File;
  path: string;
}

/** A picked folder: the files of a directory upload or drop. */
export async function openFolder(files: FolderFile[], progress: Progress): Promise<Checkpoint> {
  const strip = (p: string) => p.slice(p.indexOf("/") + 1);
  const entries: Entry[] = [];
  let done = 0;
  const total = files.reduce((n, f) => n + (f.file.size <= SMALL ? f.file.size : 0), 0);
  for (const { file: f, path: full } of files) {
    const path = strip(full);
    const big = f.size > SMALL || /^pages-/.test(baseOf(path));
    entries.push({ path, file: big ? blobFile(f, path) : memoryFile(new Uint8Array(await f.arrayBuffer())) });
    if (!big) done += f.size;
    progress(done, total, path);
  }
  const root = files[0]?.path.split("/")[0] ?? "folder";
  return new Checkpoint(sourceOf(entries, root, "folder", "none"));
}

/**
 * A picked plain tar, read a MiB at a time where the reader is: the bodies
 * it passes over (a big member, kept as a slice of the file) are never read.
 */
class BlobSource implements SkippableSource {
  private pos = 0;
  constructor(
    private readonly blob: Blob,
    private readonly progress: (at: number) => void,
  ) {}

  skip(n: number): void {
    this.pos += n;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    while (this.pos < this.blob.size) {
      const at = this.pos;
      const chunk = new Uint8Array(await this.blob.slice(at, at + (1 << 20)).arrayBuffer());
      this.pos = at + chunk.length;
      this.progress(this.pos);
      yield chunk;
    }
  }
}

/** Joins a member's chunks (copies: the readers hand out views of buffers they reuse). */
async function collect(body: AsyncIterable<Uint8Array>, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(size);
  let at = 0;
  for await (const c of body) {
    out.set(c.subarray(0, size - at), at);
    at += c.length;
  }
  return out;
}

/** Large members become Blobs 1 MiB at a time: the browser holds them outside the page (on disk past its limit). */
async function blobOf(body: AsyncIterable<Uint8Array>): Promise<Blob> {
  const blobs: Blob[] = [];
  let parts: Uint8Array[] = [];
  let held = 0;
  for await (const c of body) {
    parts.push(c.slice());
    held += c.length;
    if (held >= 1 << 20) {
      blobs.push(new Blob(parts as BlobPart[]));
      parts = [];
      held = 0;
    }
  }
  return new Blob([...blobs, ...(parts as BlobPart[])]);
}

/**
 * A picked archive file, read in one streaming pass by the library's own
 * archive reader (the same tar reader, zstd decoder and member checks as the
 * CLI's). Unsafe members are left out and listed in the source's `unsafe`.
 */
export async function openArchive(file: File, progress: Progress): Promise<Checkpoint> {
  const compression = compressionOf(new Uint8Array(await file.slice(0, 4).arrayBuffer()));
  const entries: Entry[] = [];
  const unsafe: UnsafeMember[] = [];
  const seen = new Map<string, { size: number }>();
  let read = 0;
  let index = 0;
  const counted = (async function* () {
    for await (const c of chunksOf(file.stream())) {
      read += c.length;
      progress(read, file.size, file.name);
      yield c;
    }
  })();
  const source =
    compression === "none" ? new BlobSource(file, (at) => progress(at, file.size, file.name)) : decompressed(counted);
  await eachTarMember(source, async (h: TarHeader, body, bodyAt) => {
    const reason = unsafeReason(h, seen);
    if (reason) {
      unsafe.push({ name: h.name, index, reason });
      index++;
      return;
    }
    index++;
    const path = memberPath(h.name);
    if (h.type === "symlink") {
      entries.push({ path, file: memoryFile(new Uint8Array(0)), link: h.linkname ?? "" });
      return;
    }
    if (h.type !== "file" && h.type !== "contiguous-file") return;
    seen.set(path, { size: h.size });
    const big = h.size > SMALL || /^pages-/.test(baseOf(path));
    if (!big) {
      entries.push({ path, file: memoryFile(await collect(body, h.size)), mtime: h.mtime });
      return;
    }
    // A plain tar is random access already: a big member is a slice of the picked file, never copied.
    const blob = compression === "none" ? file.slice(bodyAt, bodyAt + h.size) : await blobOf(body);
    entries.push({ path, file: blobFile(blob, path), mtime: h.mtime });
  });
  return new Checkpoint({ ...sourceOf(entries, file.name, "archive", compression), unsafe });
}
