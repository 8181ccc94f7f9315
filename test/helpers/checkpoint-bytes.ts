import type { Checkpoint } from "../../src/checkpoint/index.js";

/** The bytes of every image of a checkpoint but pages-* (which archives only size). */
export function imageBytes(cp: Checkpoint): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const n of cp.names()) if (!n.startsWith("pages-")) out.set(n, cp.bytes(n) as Uint8Array);
  return out;
}

/** Sizes of every file of the images folder. */
export function fileSizes(cp: Checkpoint): Map<string, number> {
  return new Map([...cp.source.files].map(([n, f]) => [n, f.size]));
}
