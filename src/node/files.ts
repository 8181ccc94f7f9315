import { createReadStream } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { readImage } from "../image/read.js";
import { type ImageStream, openImageStream } from "../image/stream.js";
import type { CriuImage } from "../image/types.js";
import { writeImage } from "../image/write.js";
import { TEMP_PREFIX, writeFileAtomic } from "./atomic.js";

/** Reads and decodes one image file; the base name tells raw images apart. */
export async function readImageFile(path: string): Promise<CriuImage> {
  const bytes = new Uint8Array(await readFile(path));
  return readImage(bytes, { name: basename(path) });
}

/** Streams one image file, holding one entry at a time. */
export function openImageFile(path: string): Promise<ImageStream> {
  return openImageStream(createReadStream(path, { highWaterMark: 1 << 20 }), { name: basename(path) });
}

/** Encodes an image and replaces `path` with it atomically. */
export async function writeImageFile(path: string, image: CriuImage): Promise<void> {
  await writeFileAtomic(path, writeImage(image));
}

/** Names of the files in a checkpoint directory, sorted, without our temporary files. */
export async function listCheckpointDir(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    // Symbolic links count: some tools link pages-*.img to other storage.
    if ((d.isFile() || d.isSymbolicLink()) && !d.name.startsWith(TEMP_PREFIX)) names.push(d.name);
  }
  return names.sort();
}

/**
 * Loads the bytes of a checkpoint directory's images into memory. `filter`
 * chooses which files (default: all but pages-*, which can be huge and are
 * never needed to inspect a checkpoint).
 */
export async function loadCheckpointDir(
  dir: string,
  filter: (name: string) => boolean = (n) => !n.startsWith("pages-"),
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const name of await listCheckpointDir(dir)) {
    if (!filter(name)) continue;
    out.set(name, new Uint8Array(await readFile(join(dir, name))));
  }
  return out;
}
