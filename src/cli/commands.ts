/** The crit-compatible commands: decode, encode, info, show, x. */
import { readImage } from "../image/read.js";
import type { CriuImage } from "../image/types.js";
import { writeImage } from "../image/write.js";
import { fromCritJson } from "../json/from-crit.js";
import { critInfo, critJsonParts } from "../json/to-crit.js";
import { writeFileAtomic } from "../node/atomic.js";
import { EXPLORERS } from "./explore.js";
import { assertDir, dirLoader, imageName, Progress, readInput, writeStdout } from "./io.js";
import { UsageError } from "./usage.js";

/** A short description for raw images, which crit cannot decode at all. */
export function describeRaw(image: CriuImage & { raw: Uint8Array }): string {
  return `${image.name ?? "image"}: raw ${image.kind} image, ${image.raw.length} bytes (not an entry stream; no JSON form)`;
}

async function emitJson(image: CriuImage, pretty: boolean, noPayload: boolean, out: string | undefined): Promise<void> {
  if (image.format === "raw") {
    await writeStdout(`${describeRaw(image)}\n`);
    return;
  }
  const progress = new Progress(`decoding ${image.name ?? "image"}`, image.entries.length);
  let i = 0;
  const parts: string[] = [];
  for (const part of critJsonParts(image, { pretty, noPayload })) {
    if (out === undefined) await writeStdout(part);
    else parts.push(part);
    progress.update(i++);
  }
  progress.done();
  // crit adds a newline on stdout only.
  if (out === undefined) await writeStdout("\n");
  else await writeFileAtomic(out, new TextEncoder().encode(parts.join("")));
}

export interface DecodeArgs {
  in?: string;
  out?: string;
  pretty?: boolean;
  name?: string;
}

export async function decode(a: DecodeArgs): Promise<void> {
  const bytes = await readInput(a.in);
  const image = readImage(bytes, { name: imageName(a.in, a.name) as string });
  await emitJson(image, a.pretty ?? false, false, a.out);
}

export async function show(a: { in: string; nopl?: boolean; name?: string }): Promise<void> {
  const bytes = await readInput(a.in);
  const image = readImage(bytes, { name: imageName(a.in, a.name) as string });
  await emitJson(image, true, a.nopl ?? false, undefined);
}

export async function encode(a: { in?: string; out?: string }): Promise<void> {
  const text = new TextDecoder().decode(await readInput(a.in));
  const image = fromCritJson(text, { name: imageName(a.in, undefined) as string });
  const bytes = writeImage(image);
  if (a.out === undefined) await writeStdout(bytes);
  else await writeFileAtomic(a.out, bytes);
}

export async function info(a: { in: string; name?: string }): Promise<void> {
  const bytes = await readInput(a.in);
  const image = readImage(bytes, { name: imageName(a.in, a.name) as string });
  if (image.format === "raw") {
    await writeStdout(`{\n    "magic": "${image.kind}",\n    "raw": true,\n    "size": ${image.raw.length}\n}\n`);
    return;
  }
  await writeStdout(critInfo(image));
}

export async function explore(a: { dir: string; what: string }): Promise<void> {
  const fn = EXPLORERS[a.what];
  if (!fn) throw new UsageError(`x: unknown explorer "${a.what}" (choose ps, fds, mems or rss)`);
  await assertDir(a.dir);
  await writeStdout(fn(dirLoader(a.dir)));
}
