/**
 * Checkpoint archives as Podman, CRI-O and containerd export them: a tar
 * (plain, gzip or zstd) with the images under checkpoint/ and container
 * metadata (config.dump, spec.dump, network.status, ...) beside them. Read
 * as a stream, without extracting to disk; pages-* are skipped (their size
 * is kept for verify).
 */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createGunzip, createGzip } from "node:zlib";
import { Decompress } from "fzstd";
import { extract, type Header, pack } from "tar-stream";
import { writeFileAtomic } from "./atomic.js";
import { loadCheckpointForTcp } from "./checkpoint-dir.js";
import { listCheckpointDir } from "./files.js";

export type Compression = "none" | "gzip" | "zstd";

export interface OpenedCheckpoint {
  /** Where it came from. */
  source: "directory" | "archive";
  compression: Compression;
  /** Image bytes by name, pages-* and tmpfs-* left out. */
  images: Map<string, Uint8Array>;
  /** Sizes of the images left out (pages-*, tmpfs-*). */
  sizes: Map<string, number>;
  /** Other files of an archive (config.dump, spec.dump, network.status, ...), by path. */
  metadata: Map<string, Uint8Array>;
}

const IMAGE_DIR = "checkpoint/";
const skipped = (name: string) => name.startsWith("pages-") || name.startsWith("tmpfs-");
const METADATA_LIMIT = 16 << 20;

function compressionOf(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

/** Decompresses a byte stream according to its first bytes. */
async function* decompressed(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const it = source[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return;
  const rest = (async function* () {
    yield first.value;
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  })();
  const kind = compressionOf(first.value);
  if (kind === "none") {
    yield* rest;
  } else if (kind === "gzip") {
    yield* Readable.from(rest).pipe(createGunzip());
  } else {
    const out: Uint8Array[] = [];
    const z = new Decompress((chunk) => {
      out.push(chunk);
    });
    for await (const c of rest) {
      z.push(c);
      while (out.length > 0) yield out.shift() as Uint8Array;
    }
    z.push(new Uint8Array(0), true);
    while (out.length > 0) yield out.shift() as Uint8Array;
  }
}

async function firstBytes(path: string): Promise<Uint8Array> {
  for await (const c of createReadStream(path, { start: 0, end: 3 })) return new Uint8Array(c as Buffer);
  return new Uint8Array(0);
}

/** Visits every entry of a (compressed) tar stream. */
async function eachEntry(
  source: AsyncIterable<Uint8Array>,
  visit: (name: string, size: number, body: AsyncIterable<Uint8Array>, type: string, header: Header) => Promise<void>,
): Promise<void> {
  const ex = extract();
  const input = Readable.from(decompressed(source));
  input.on("error", (e) => ex.destroy(e));
  input.pipe(ex);
  for await (const entry of ex) {
    const h = entry.header;
    await visit(
      h.name.replace(/^\.\//, ""),
      h.size ?? 0,
      entry as unknown as AsyncIterable<Uint8Array>,
      h.type ?? "file",
      h,
    );
  }
}

async function collect(body: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Buffer[] = [];
  for await (const c of body) parts.push(Buffer.from(c));
  return new Uint8Array(Buffer.concat(parts));
}

async function drain(body: AsyncIterable<Uint8Array>): Promise<void> {
  for await (const _ of body);
}

/** Reads a checkpoint archive from a stream of its (possibly compressed) bytes. */
export async function readCheckpointArchive(source: AsyncIterable<Uint8Array>): Promise<OpenedCheckpoint> {
  const opened: OpenedCheckpoint = {
    source: "archive",
    compression: "none",
    images: new Map(),
    sizes: new Map(),
    metadata: new Map(),
  };
  let sawFirst = false;
  const tap = (async function* () {
    for await (const c of source) {
      if (!sawFirst) {
        opened.compression = compressionOf(c);
        sawFirst = true;
      }
      yield c;
    }
  })();
  await eachEntry(tap, async (name, size, body, type) => {
    if (type !== "file") return drain(body);
    if (name.startsWith(IMAGE_DIR) && !name.slice(IMAGE_DIR.length).includes("/")) {
      const base = name.slice(IMAGE_DIR.length);
      if (skipped(base)) {
        opened.sizes.set(base, size);
        return drain(body);
      }
      opened.images.set(base, await collect(body));
      return;
    }
    // Metadata and other small files; large ones (rootfs-diff.tar) are only sized.
    if (size <= METADATA_LIMIT) opened.metadata.set(name, await collect(body));
    else {
      opened.sizes.set(name, size);
      await drain(body);
    }
  });
  return opened;
}

/** Whether a path is a checkpoint archive (a file) rather than a directory. */
export async function isArchive(path: string): Promise<boolean> {
  return (await stat(path)).isFile();
}

/** Opens a checkpoint directory or archive (by path), or an archive stream. */
export async function openCheckpoint(pathOrStream: string | AsyncIterable<Uint8Array>): Promise<OpenedCheckpoint> {
  if (typeof pathOrStream !== "string") return readCheckpointArchive(pathOrStream);
  if (await isArchive(pathOrStream)) {
    const opened = await readCheckpointArchive(createReadStream(pathOrStream, { highWaterMark: 1 << 20 }));
    opened.compression = compressionOf(await firstBytes(pathOrStream));
    return opened;
  }
  const images = new Map(await loadCheckpointForTcp(pathOrStream));
  const sizes = new Map<string, number>();
  for (const name of await listCheckpointDir(pathOrStream)) {
    if (skipped(name)) sizes.set(name, (await stat(join(pathOrStream, name))).size);
  }
  return { source: "directory", compression: "none", images, sizes, metadata: new Map() };
}

/**
 * Writes a copy of an archive with some images replaced, streaming: every
 * other entry (pages and rootfs included) is copied as it is. The output is
 * gzip-compressed when its name ends in .gz or .tgz, plain tar otherwise
 * (Node 20 has no zstd compressor). Written atomically.
 */
export async function rewriteCheckpointArchive(
  input: string,
  output: string,
  replace: ReadonlyMap<string, Uint8Array>,
): Promise<void> {
  const p = pack();
  const done = (async () => {
    await eachEntry(createReadStream(input, { highWaterMark: 1 << 20 }), async (name, size, body, type, header) => {
      // Entries keep their own header (mode, owner, times); only a replaced image gets a new size.
      const base = name.startsWith(IMAGE_DIR) ? name.slice(IMAGE_DIR.length) : undefined;
      const next = base !== undefined ? replace.get(base) : undefined;
      if (next) {
        await drain(body);
        await new Promise<void>((res, rej) =>
          p.entry({ ...header, size: next.length }, Buffer.from(next), (e) => (e ? rej(e) : res())),
        );
        return;
      }
      if (type !== "file") {
        await drain(body);
        if (type === "directory" || type === "symlink") p.entry(header);
        return;
      }
      await new Promise<void>((res, rej) => {
        const sink = p.entry({ ...header, size }, (e) => (e ? rej(e) : res()));
        Readable.from(body).pipe(sink);
      });
    });
    p.finalize();
  })();
  const gz = /\.(t?gz)$/.test(output);
  const stream = gz ? p.pipe(createGzip()) : p;
  await Promise.all([writeFileAtomic(output, stream as AsyncIterable<Uint8Array>), done]);
}
