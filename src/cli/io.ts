/** Input, output and progress for the CLI. */

import { existsSync, readFileSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";
import { readImage } from "../image/read.js";
import type { CriuImage } from "../image/types.js";
import type { ImageLoader } from "./explore.js";

export async function readInput(path: string | undefined): Promise<Uint8Array> {
  if (path !== undefined && path !== "-") return new Uint8Array(await readFile(path));
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return new Uint8Array(Buffer.concat(chunks));
}

/** The name to recognise an image by: --name, else the input's base name. */
export function imageName(input: string | undefined, name: string | undefined): string | undefined {
  if (name !== undefined) return name;
  return input !== undefined && input !== "-" ? basename(input) : undefined;
}

/** Loads images of a checkpoint directory on demand, each at most once. */
export function dirLoader(dir: string): ImageLoader {
  const cache = new Map<string, CriuImage | undefined>();
  return (name) => {
    if (!cache.has(name)) {
      const p = join(dir, name);
      cache.set(name, existsSync(p) ? readImage(new Uint8Array(readFileSync(p)), { name }) : undefined);
    }
    return cache.get(name);
  };
}

export async function assertDir(dir: string): Promise<void> {
  await readdir(dir);
}

/** Writes to stdout, waiting when the pipe is full. */
export function writeStdout(chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.stdout.write(chunk)) resolve();
    else {
      process.stdout.once("drain", resolve);
      process.stdout.once("error", reject);
    }
  });
}

/**
 * A one-line progress indicator on stderr, only when stderr is a terminal
 * (never in pipes, logs or CI) and only for jobs long enough to need one.
 */
export class Progress {
  private last = 0;
  private shown = false;
  private readonly enabled: boolean;
  constructor(
    private readonly label: string,
    private readonly total: number,
    minTotal = 50_000,
  ) {
    this.enabled = Boolean(process.stderr.isTTY) && total >= minTotal;
  }

  update(done: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    this.shown = true;
    process.stderr.write(`\r${this.label}: ${done}/${this.total} (${Math.floor((100 * done) / this.total)}%)`);
  }

  done(): void {
    if (this.shown) process.stderr.write("\r\x1b[K");
  }
}
