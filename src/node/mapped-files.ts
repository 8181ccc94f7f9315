/**
 * The files of a dumped file system (a container's rootfs, or /) as
 * coreDump's MappedFiles: what a file mapping would have shown, for the
 * pages a checkpoint does not hold. Paths are taken as seen by the dumped
 * process and never leave the root.
 */
import { open, stat } from "node:fs/promises";
import { resolve, sep } from "node:path";
import type { MappedFiles } from "../coredump/core.js";

/** `path` (absolute, as the process saw it) under `root`, or undefined when it would leave it. */
export function under(root: string, path: string): string | undefined {
  const top = resolve(root);
  const full = resolve(top, `.${sep}${path}`);
  const prefix = top.endsWith(sep) ? top : `${top}${sep}`;
  return full.startsWith(prefix) && full !== top ? full : undefined;
}

/** Files under `root`, read on demand; a missing or unreadable file is reported as absent. */
export function mappedFilesUnder(root: string): MappedFiles {
  return {
    async size(path) {
      const full = under(root, path);
      if (!full) return undefined;
      try {
        const s = await stat(full);
        return s.isFile() ? s.size : undefined;
      } catch {
        return undefined;
      }
    },
    async read(path, offset, length) {
      const full = under(root, path);
      if (!full) return new Uint8Array(0);
      return readAt(full, offset, length);
    },
  };
}

/** `length` bytes of a file at `offset` (fewer at its end). */
export async function readAt(full: string, offset: number, length: number): Promise<Uint8Array> {
  const h = await open(full, "r");
  try {
    const b = new Uint8Array(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await h.read(b, got, length - got, offset + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    return b.subarray(0, got);
  } finally {
    await h.close();
  }
}
