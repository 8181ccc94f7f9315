import { createReadStream } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import { readImage } from "../image/read.js";
import { type ImageStream, openImageStream } from "../image/stream.js";
import type { CriuImage } from "../image/types.js";
import { writeImage } from "../image/write.js";
import { writeFileAtomic } from "./atomic.js";
import { fileError } from "./errors.js";
import { plainBytes } from "./read-range.js";

/** Reads and decodes one image file; the base name tells raw images apart. */
export async function readImageFile(path: string): Promise<CriuImage> {
  const bytes = plainBytes(await readFile(path).catch((e) => Promise.reject(fileError(e, path, "cannot read"))));
  return readImage(bytes, { name: basename(path) });
}

/** Streams one image file, holding one entry at a time. */
export function openImageFile(path: string): Promise<ImageStream> {
  return openImageStream(createReadStream(path, { highWaterMark: 1 << 20 }), { name: basename(path) });
}

/**
 * Encodes an image and writes it to `path`: a regular file is replaced
 * atomically (keeping its mode), a new one follows the umask, and a device
 * or FIFO is written into.
 */
export async function writeImageFile(path: string, image: CriuImage): Promise<void> {
  await writeFileAtomic(path, writeImage(image));
}
