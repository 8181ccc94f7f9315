/**
 * Opening a checkpoint in the page: a folder (directory upload) or an
 * archive file (tar, tar.gz, tar.zst), read where it lies, with nothing
 * sent anywhere. Small files are held in memory; pages files stay Blobs
 * (the picked file itself, or the archive's bytes as they streamed by),
 * read a range at a time when memory is looked at.
 */
import type { ImageSource, SourceFile } from "../../../src/checkpoint/index.js";
import { Checkpoint, memoryFile } from "../../../src/checkpoint/index.js";
import { CriuImageError } from "../../../src/index.js";
import { zstdDecompressed } from "../../../src/node/zstd-units.js";
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
  /** A symlink's target, or a small file's text for `parent`. */
  link?: string;
  mtime?: Date | null;
}

const dirOf = (p: string) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "");
const baseOf = (p: string) => p.slice(p.lastIndexOf("/") + 1);

function join(dir: string, rel: string): string {
  const parts = dir ? dir.split("/") : [];
  for (const p of rel.split("/")) {
    if (p === "..") parts.pop();
    else if (p !== "." && p !== "") parts.push(p);
  }
  return parts.join("/");
}

/** The images folder (the chain's last dump) and its parents, as an image source. */
function sourceOf(
  entries: Entry[],
  label: string,
  type: "folder" | "archive",
  compression: "none" | "gzip" | "zstd",
): ImageSource {
  const dumps = new Set(entries.filter((e) => baseOf(e.path) === "inventory.img").map((e) => dirOf(e.path)));
  const byPath = new Map(entries.map((e) => [e.path, e]));
  const parentOf = (d: string): string | undefined => {
    const link = byPath.get(d ? `${d}/parent` : "parent");
    if (!link) return undefined;
    const target = link.link ?? new TextDecoder().decode(link.file.bytes()).trim();
    return join(d, target);
  };
  const parents = new Set([...dumps].map(parentOf).filter((p) => p !== undefined));
  const tips = [...dumps].filter((d) => !parents.has(d));
  const top = dumps.has("checkpoint") ? "checkpoint" : tips[0];
  if (top === undefined) throw new Error(`${label} holds no checkpoint: no inventory.img in it`);
  const build = (dir: string, depth: number): ImageSource => {
    const files = new Map<string, SourceFile>();
    const companions = new Map<string, SourceFile>();
    for (const e of entries) {
      if (dirOf(e.path) === dir) {
        if (baseOf(e.path) !== "parent" && e.link === undefined) files.set(baseOf(e.path), e.file);
      } else if (depth === 0 && !dumps.has(dirOf(e.path)) && e.link === undefined) companions.set(e.path, e.file);
    }
    const target = parentOf(dir);
    const parent = target !== undefined && dumps.has(target) && depth < 16 ? build(target, depth + 1) : undefined;
    const inventory = byPath.get(dir ? `${dir}/inventory.img` : "inventory.img");
    const notes =
      target !== undefined && !parent
        ? [{ file: "parent", message: `parent leads to ${target}/, which was not opened` }]
        : [];
    return {
      label: depth ? `${label}:${dir}` : label,
      type,
      files,
      companions,
      parent,
      parentLink: target,
      notes,
      ...(type === "archive"
        ? {
            archive: {
              compression,
              layout: dir === "checkpoint" ? (companions.has("config.dump") ? "podman" : "plain") : "plain",
              imagesDir: dir,
              ...(inventory?.mtime ? { dumpedAt: inventory.mtime.toISOString() } : {}),
            },
          }
        : {}),
    };
  };
  return build(top, 0);
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
        : zstdDecompressed(chunks(raw));
    await readTar(body, open);
  }
  return new Checkpoint(sourceOf(entries, file.name, "archive", compression));
}
