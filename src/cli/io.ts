/** Input and output for the CLI. */

import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { basename } from "node:path";
import { CriuImageError } from "../framing/errors.js";
import { displayText } from "../image/display.js";
import { pathKind } from "../node/path-kind.js";

/** The input as a stream of chunks, and its size when known (for progress). */
export async function source(path: string | undefined): Promise<{ chunks: AsyncIterable<Uint8Array>; size?: number }> {
  if (path === undefined || path === "-") return { chunks: process.stdin };
  // pathKind's FileError names the path; a pipe or device has no size.
  if ((await pathKind(path)) === "folder") {
    throw new CriuImageError(
      "NOT_CHECKPOINT",
      path,
      0,
      "one image file",
      "it is a folder; x, tcp and verify take a checkpoint folder",
    );
  }
  const st = await stat(path);
  return { chunks: createReadStream(path, { highWaterMark: 1 << 20 }), ...(st.isFile() ? { size: st.size } : {}) };
}

/** The name to recognise an image by: --name, else the input's base name. */
export function imageName(input: string | undefined, name: string | undefined): string | undefined {
  if (name !== undefined) return name;
  return input !== undefined && input !== "-" ? basename(input) : undefined;
}

/**
 * Writes to stdout, waiting when the pipe is full. Each wait adds one
 * listener pair and removes both when either fires, so a long output into a
 * slow pipe never piles up listeners.
 */
export function writeStdout(chunk: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (process.stdout.write(chunk)) {
      resolve();
      return;
    }
    const onDrain = () => {
      process.stdout.off("error", onError);
      resolve();
    };
    const onError = (e: Error) => {
      process.stdout.off("drain", onDrain);
      reject(e);
    };
    process.stdout.once("drain", onDrain);
    process.stdout.once("error", onError);
  });
}

/** Notes for the user on stderr (never mixed into stdout's data). */
export function warn(line: string): void {
  process.stderr.write(`criu-image: ${displayText(line)}\n`);
}
