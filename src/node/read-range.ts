import { closeSync, openSync, readSync } from "node:fs";

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
