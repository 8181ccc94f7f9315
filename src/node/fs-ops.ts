/**
 * Every file-system call the writers make, in one object. Tests replace its
 * members to record the order of calls (durability) and to inject faults
 * (short writes, ENOSPC) that a real disk gives only rarely.
 */
import { constants } from "node:fs";
import * as fsp from "node:fs/promises";

type Handle = fsp.FileHandle;

export const fsOps = {
  open: (path: string, flags: number, mode?: number): Promise<Handle> => fsp.open(path, flags, mode),
  write: (h: Handle, data: Uint8Array, offset: number, length: number): Promise<{ bytesWritten: number }> =>
    h.write(data, offset, length),
  sync: (h: Handle): Promise<void> => h.sync(),
  close: (h: Handle): Promise<void> => h.close(),
  rename: (from: string, to: string): Promise<void> => fsp.rename(from, to),
  link: (from: string, to: string): Promise<void> => fsp.link(from, to),
  lstat: (path: string) => fsp.lstat(path),
  unlink: (path: string): Promise<void> => fsp.unlink(path),
  mkdir: async (path: string, mode: number): Promise<void> => {
    await fsp.mkdir(path, { mode });
  },
  fchmod: (h: Handle, mode: number): Promise<void> => h.chmod(mode),
  rm: (path: string): Promise<void> => fsp.rm(path, { recursive: true, force: true }),
};

export const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
/** A new file that must not exist yet, not even as a symbolic link. */
export const CREATE_NEW = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW;
