/**
 * Opening a checkpoint in the page: a folder (directory upload) or an
 * archive file (tar, tar.gz, tar.zst), read where it lies, with nothing
 * sent anywhere. Small files are held in memory; pages files stay Blobs
 * (the picked file itself, or the archive's bytes as they streamed by),
 * read a range at a time when memory is looked at.
 */
import type { ImageSource, SourceFile, SourceMember } from "../../../src/checkpoint/index.js";
import { Checkpoint, memoryFile, sourceFromMembers } from "../../../src/checkpoint/index.js";
import { CriuImageError } from "../../../src/index.js";
import { zstdDecompress } from "../../../src/node/zstd/decompress.js";
import { readTar, readTarBlob, type TarHeader, type TarSink } from "./tar.js";

export type Progress = (done: number, total: number, what: string) => void;

/** Files up to this size are read into memory; larger ones (pages, rootfs) are kept as Blobs. */
const SMALL = 16 << 20;

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

async function* chunks(stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const r = stream.getReader();
  for (;;) {
    const { done, value } = await r.read();
    if (done) return;
    yield value;
  }
}

/** A picked archive file, read in one streaming pass. */
export async function openArchive(file: File, progress: Progress): Promise<Checkpoint> {
  const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  const compression =
    head[0] === 0x1f && head[1] === 0x8b
      ? "gzip"
      : head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f
        ? "zstd"
        : "none";
  const entries: Entry[] = [];
  let seen = 0;
  const open = (h: TarHeader): TarSink | null => {
    if (h.type === "symlink") entries.push({ path: h.path, file: memoryFile(new Uint8Array(0)), link: h.linkname });
    if (h.type !== "file") return null;
    const big = h.size > SMALL || /^pages-/.test(baseOf(h.path));
    if (compression === "none") {
      progress(h.offset + h.size, file.size, file.name);
      // A plain tar is random access already: a big member is a slice of the picked file, never copied.
      if (big) {
        entries.push({ path: h.path, file: blobFile(file.slice(h.offset, h.offset + h.size), h.path), mtime: h.mtime });
        return null;
      }
    }
    const parts: Uint8Array[] = [];
    const blobs: Blob[] = [];
    let held = 0;
    return {
      data(c) {
        // Chunks are copied: the decoders may hand out views of buffers they reuse.
        parts.push(c.slice());
        held += c.length;
        // Large members become Blobs 1 MiB at a time: the browser holds them outside the page (on disk past its limit).
        if (big && held >= 1 << 20) {
          blobs.push(new Blob(parts as BlobPart[]));
          parts.length = 0;
          held = 0;
        }
      },
      end() {
        if (big) {
          entries.push({
            path: h.path,
            file: blobFile(new Blob([...blobs, ...(parts as BlobPart[])]), h.path),
            mtime: h.mtime,
          });
          return;
        }
        const bytes = new Uint8Array(h.size);
        let at = 0;
        for (const p of parts) {
          bytes.set(p, at);
          at += p.length;
        }
        entries.push({ path: h.path, file: memoryFile(bytes), mtime: h.mtime });
      },
    };
  };
  if (compression === "none") await readTarBlob(file, open);
  else {
    const counted = new TransformStream<Uint8Array, Uint8Array>({
      transform(c, ctl) {
        seen += c.length;
        progress(seen, file.size, file.name);
        ctl.enqueue(c);
      },
    });
    const raw = file.stream().pipeThrough(counted);
    const body =
      compression === "gzip"
        ? chunks(raw.pipeThrough(new DecompressionStream("gzip") as unknown as TransformStream<Uint8Array, Uint8Array>))
        : copies(zstdDecompress(chunks(raw)));
    await readTar(body, open);
  }
  return new Checkpoint(sourceOf(entries, file.name, "archive", compression));
}

/** Copies of the decoder's chunks, which are views of its window: the sinks keep them. */
async function* copies(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const c of source) yield c.slice();
}
