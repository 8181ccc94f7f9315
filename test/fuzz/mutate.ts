/**
 * A mutation fuzzer over real images: bit flips, byte insertions and
 * deletions, size-field corruption, magic swaps and truncations, driven by a
 * seeded generator so every run can be replayed.
 */
import { IMAGE_KINDS } from "../../src/index.js";

/** mulberry32: small, fast, seedable. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOSTILE = [0, 1, 0x7f, 0x80, 0xff, 0xffff, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];
const MAGICS = IMAGE_KINDS.filter((k) => !k.raw).map((k) => k.magic);

export type Mutation = "flip" | "insert" | "delete" | "size" | "magic" | "truncate" | "splice";
export const MUTATIONS: Mutation[] = ["flip", "insert", "delete", "size", "magic", "truncate", "splice"];

/** One mutated copy of `src`; several mutations may stack. */
export function mutate(src: Uint8Array, r: () => number): { bytes: Uint8Array; how: Mutation[] } {
  let b = src.slice();
  const how: Mutation[] = [];
  const n = 1 + Math.floor(r() * 3);
  for (let k = 0; k < n; k++) {
    const m = MUTATIONS[Math.floor(r() * MUTATIONS.length)] as Mutation;
    how.push(m);
    const at = Math.floor(r() * Math.max(1, b.length));
    switch (m) {
      case "flip":
        if (b.length > 0) b[at] = (b[at] as number) ^ (1 << Math.floor(r() * 8));
        break;
      case "insert": {
        const add = Uint8Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 256));
        b = Uint8Array.from([...b.subarray(0, at), ...add, ...b.subarray(at)]);
        break;
      }
      case "delete":
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at + 1 + Math.floor(r() * 8))]);
        break;
      case "size": {
        // Overwrite a little-endian u32 at a 4-aligned offset past the header (where sizes live).
        if (b.length < 12) break;
        const off = 8 + 4 * Math.floor(r() * ((b.length - 12) / 4));
        const v = r() < 0.7 ? (HOSTILE[Math.floor(r() * HOSTILE.length)] as number) : Math.floor(r() * 2 ** 32);
        new DataView(b.buffer).setUint32(off, v >>> 0, true);
        break;
      }
      case "magic":
        if (b.length >= 8)
          new DataView(b.buffer).setUint32(r() < 0.5 ? 4 : 0, MAGICS[Math.floor(r() * MAGICS.length)] as number, true);
        break;
      case "truncate":
        b = b.slice(0, at);
        break;
      case "splice": {
        // Repeat a stretch of the image: plausible framing, wrong content.
        const len = Math.floor(r() * 64);
        b = Uint8Array.from([...b.subarray(0, at), ...b.subarray(at, at + len), ...b.subarray(at)]);
        break;
      }
    }
  }
  return { bytes: b, how };
}
