import { closeSync, openSync, readSync } from "node:fs";
import { open } from "node:fs/promises";

/**
 * A Buffer as a plain Uint8Array over the same memory. `new Uint8Array(buf)`
 * would copy it: for a 125 MB files.img that is a second 125 MB until the
 * collector frees the first.
 */
export function plainBytes(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** `length` bytes of a file from `offset` (fewer at its end), read by offset alone. */
export function readRange(path: string, size: number, offset: number, length: number): Uint8Array {
  const fd = openSync(path, "r");
  try {
    const out = new Uint8Array(Math.max(0, Math.min(length, size - offset)));
    let done = 0;
    while (done < out.length) {
      const n = readSync(fd, out, done, out.length - done, offset + done);
      if (n === 0) break;
      done += n;
    }
    return done === out.length ? out : out.subarray(0, done);
  } finally {
    closeSync(fd);
  }
}

/**
 * A file's bytes from start to end, read into one buffer that is reused:
 * each chunk is a view valid until the next is asked for. Streaming a
 * 256 MiB archive this way allocates 64 KiB once, where a read stream
 * allocates a new buffer per read.
 */
export async function* fileChunks(path: string, chunk = 1 << 16): AsyncGenerator<Uint8Array> {
  const h = await open(path, "r");
  try {
    const buf = new Uint8Array(chunk);
    for (;;) {
      const { bytesRead } = await h.read(buf, 0, chunk, null);
      if (bytesRead === 0) return;
      yield buf.subarray(0, bytesRead);
    }
  } finally {
    await h.close();
  }
}
