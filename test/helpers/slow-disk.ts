import { fsOps } from "../../src/node/fs-ops.js";

/**
 * Delays every file-system call of the writers before and after it, as on a
 * slow disk, so that races between writers get room to happen. Returns how
 * to undo it.
 */
export function slowDisk(pause: () => Promise<unknown>): () => void {
  const saved = { ...fsOps };
  for (const key of Object.keys(fsOps) as (keyof typeof fsOps)[]) {
    const real = saved[key] as (...a: unknown[]) => Promise<unknown>;
    (fsOps as Record<string, unknown>)[key] = async (...a: unknown[]) => {
      await pause();
      const out = await real(...a);
      await pause();
      return out;
    };
  }
  return () => Object.assign(fsOps, saved);
}
