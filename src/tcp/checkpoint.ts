/**
 * A checkpoint in memory: image bytes by file name. The TCP functions are
 * pure over this, so callers can build one in a test, from a directory
 * (criu-image/node) or from an archive, and get a new one back.
 */
import { CriuImageError } from "../framing/errors.js";
import type { EntryKind } from "../image/kind-types.js";
import { readImage } from "../image/read.js";
import type { CriuImage, EntryImage } from "../image/types.js";

/** Image bytes by base file name (e.g. "files.img"). pages-* need not be present. */
export type Checkpoint = ReadonlyMap<string, Uint8Array>;

/** Decodes images of a checkpoint on demand, each once. */
export class CheckpointReader {
  private readonly cache: Map<string, CriuImage>;
  /** `decoded`: images the caller has already decoded, so they are not decoded again. */
  constructor(
    readonly checkpoint: Checkpoint,
    decoded?: ReadonlyMap<string, CriuImage>,
  ) {
    this.cache = new Map(decoded);
  }

  has(name: string): boolean {
    return this.checkpoint.has(name);
  }

  names(): string[] {
    return [...this.checkpoint.keys()].sort();
  }

  get(name: string): CriuImage | undefined {
    let img = this.cache.get(name);
    if (!img) {
      const bytes = this.checkpoint.get(name);
      if (!bytes) return undefined;
      img = readImage(bytes, { name });
      this.cache.set(name, img);
    }
    return img;
  }

  /** The image, which must be of this kind. */
  kind<K extends EntryKind>(name: string, kind: K): EntryImage<K> | undefined {
    const img = this.get(name);
    if (!img) return undefined;
    if (img.kind !== kind) {
      throw new CriuImageError("BAD_MAGIC", name, 0, `a ${kind} image`, `found ${img.kind}`);
    }
    return img as EntryImage<K>;
  }
}
