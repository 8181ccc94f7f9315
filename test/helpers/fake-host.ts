/** Hosts made up for preflight's rules: a file system in a Map, and whatever facts a test gives. */
import type { HostFacts, HostStat } from "../../src/preflight/index.js";
import { unknownHost } from "../../src/preflight/index.js";

/** A file of a fake host: stat's mode and size, and its first bytes when a rule reads them. */
export interface FakeFile extends HostStat {
  bytes?: Uint8Array;
}

/** A host that has these files (every other path is absent) and these facts (every other fact unknown). */
export function fakeHost(
  files: ReadonlyMap<string, FakeFile> = new Map(),
  facts: Partial<Omit<HostFacts, "stat" | "head">> = {},
): HostFacts {
  return {
    ...unknownHost("not given to this fake host"),
    fileRoot: "/",
    async stat(path) {
      const f = files.get(path);
      return f ? { mode: f.mode, size: f.size } : null;
    },
    async head(path, length) {
      const f = files.get(path);
      return (f?.bytes ?? new Uint8Array(0)).subarray(0, length);
    },
    ...facts,
  };
}

/** Facts that are simply known: wraps values in async functions. */
export const fact =
  <T>(v: T) =>
  async () =>
    v;
