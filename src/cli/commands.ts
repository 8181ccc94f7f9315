/** The crit-compatible commands: decode, encode, info, show, x. */
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { openFramedStream } from "../framing/stream.js";
import { writeImage } from "../image/write.js";
import { fromCritJson } from "../json/from-crit.js";
import { CritJsonWriter, critInfoOf } from "../json/to-crit.js";
import { isArchive, openCheckpoint } from "../node/archive.js";
import { writeFileAtomic } from "../node/atomic.js";
import { CheckpointReader } from "../tcp/checkpoint.js";
import { EXPLORERS } from "./explore.js";
import { assertDir, dirLoader, imageName, Progress, readInput, writeStdout } from "./io.js";
import { UsageError } from "./usage.js";

/** A short description for raw images, which crit cannot decode at all. */
export function describeRaw(image: { name?: string; kind: string; size: number }): string {
  return `${image.name ?? "image"}: raw ${image.kind} image, ${image.size} bytes (not an entry stream; no JSON form)`;
}

/** The input as a stream of chunks, and its size when known (for progress). */
async function source(path: string | undefined): Promise<{ chunks: AsyncIterable<Uint8Array>; size?: number }> {
  if (path === undefined || path === "-") return { chunks: process.stdin };
  const { size } = await stat(path);
  return { chunks: createReadStream(path, { highWaterMark: 1 << 20 }), size };
}

async function* counting(chunks: AsyncIterable<Uint8Array>, progress: Progress): AsyncGenerator<Uint8Array> {
  let n = 0;
  for await (const c of chunks) {
    n += c.length;
    progress.update(n);
    yield c;
  }
}

/**
 * Decodes an image to crit JSON as it streams in and writes the JSON as it
 * is made, so memory stays flat however large the image is.
 */
async function streamJson(
  a: { in?: string; name?: string; out?: string },
  pretty: boolean,
  noPayload: boolean,
): Promise<void> {
  const src = await source(a.in);
  const progress = new Progress(`decoding ${a.in ?? "stdin"}`, src.size ?? 0, 32 << 20);
  const s = await openFramedStream(counting(src.chunks, progress), { name: imageName(a.in, a.name) as string });
  if (s.header.format === "raw") {
    let size = 0;
    for await (const c of s.raw) size += c.length;
    await writeStdout(`${describeRaw({ ...s.header, size })}\n`);
    return;
  }
  const w = new CritJsonWriter(s.header.kind, { pretty, noPayload });
  // Hands over ~1 MiB at a time.
  async function* json(): AsyncGenerator<Uint8Array> {
    w.head();
    for await (const batch of s.batches) {
      for (const e of batch) {
        w.framedEntry(s.header, e);
        // Hand over ~1 MiB at a time, so the output buffer never grows past that.
        if (w.out.pos >= 1 << 20) yield w.take();
      }
    }
    w.tail();
    // crit adds a newline on stdout only.
    if (a.out === undefined) w.out.ascii("\n");
    yield w.take();
  }
  try {
    if (a.out === undefined) for await (const chunk of json()) await writeStdout(chunk);
    else await writeFileAtomic(a.out, json());
  } finally {
    progress.done();
  }
}

export interface DecodeArgs {
  in?: string;
  out?: string;
  pretty?: boolean;
  name?: string;
}

export function decode(a: DecodeArgs): Promise<void> {
  return streamJson(a, a.pretty ?? false, false);
}

export function show(a: { in: string; nopl?: boolean; name?: string }): Promise<void> {
  return streamJson(a, true, a.nopl ?? false);
}

export async function encode(a: { in?: string; out?: string }): Promise<void> {
  const text = new TextDecoder().decode(await readInput(a.in));
  const image = fromCritJson(text, { name: imageName(a.in, undefined) as string });
  const bytes = writeImage(image);
  if (a.out === undefined) await writeStdout(bytes);
  else await writeFileAtomic(a.out, bytes);
}

export async function info(a: { in: string; name?: string }): Promise<void> {
  if (ARCHIVE_NAME.test(a.in)) return archiveInfo(a.in);
  const src = await source(a.in);
  const s = await openFramedStream(src.chunks, { name: imageName(a.in, a.name) as string });
  if (s.header.format === "raw") {
    let size = 0;
    for await (const c of s.raw) size += c.length;
    await writeStdout(`{\n    "magic": "${s.header.kind}",\n    "raw": true,\n    "size": ${size}\n}\n`);
    return;
  }
  let count = 0;
  for await (const _ of s.entries) count++;
  await writeStdout(critInfoOf(s.header.kind, count));
}

export async function explore(a: { dir: string; what: string }): Promise<void> {
  const fn = EXPLORERS[a.what];
  if (!fn) throw new UsageError(`x: unknown explorer "${a.what}" (choose ps, fds, mems or rss)`);
  if (await isArchive(a.dir)) {
    const reader = new CheckpointReader((await openCheckpoint(a.dir)).images);
    await writeStdout(fn((name) => reader.get(name)));
    return;
  }
  await assertDir(a.dir);
  await writeStdout(fn(dirLoader(a.dir)));
}

const ARCHIVE_NAME = /\.(tar|tgz|tar\.gz|tar\.zst)$/;

/** What `info ARCHIVE` prints: the archive's contents and the container it came from. */
async function archiveInfo(path: string): Promise<void> {
  const o = await openCheckpoint(path);
  const json = (name: string) => {
    const b = o.metadata.get(name);
    if (!b) return undefined;
    try {
      return JSON.parse(new TextDecoder().decode(b));
    } catch {
      return `${b.length} bytes (not JSON)`;
    }
  };
  const config = json("config.dump");
  const spec = json("spec.dump");
  const out = {
    archive: path,
    compression: o.compression,
    images: o.images.size + [...o.sizes.keys()].filter((n) => !n.includes("/")).length,
    pagesBytes: [...o.sizes].filter(([n]) => n.startsWith("pages-")).reduce((s, [, n]) => s + n, 0),
    files: [
      ...o.metadata.keys(),
      ...[...o.sizes.keys()].filter((n) => n.includes("/") || !n.startsWith("pages-")),
    ].sort(),
    container:
      config && typeof config === "object"
        ? {
            id: config.id ?? config.ID,
            name: config.name ?? config.Name,
            image: config.rootfsImageName ?? config.rootfsImage ?? config.image,
            created: config.createdTime ?? config.created,
          }
        : undefined,
    process: spec && typeof spec === "object" ? { args: spec.process?.args, hostname: spec.hostname } : undefined,
    network: json("network.status"),
  };
  await writeStdout(`${JSON.stringify(out, null, 4)}\n`);
}
