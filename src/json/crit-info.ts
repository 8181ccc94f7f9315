/**
 * The texts of `crit info`, apart from the renderers so that `criu-image
 * info` counts an image's entries without loading protobuf-es at all.
 */
import { pyContainer, pyString } from "./python-json.js";

/**
 * @internal
 * What `crit info` prints for an image of this kind with this many entries,
 * for images counted as they stream by (critInfo takes a decoded image).
 */
export function critInfoForCount(kind: string, entries: number): string {
  // crit counts a pagemap's head as no entry; extras are not entries (crit counts them).
  const count = kind === "PAGEMAP" ? Math.max(0, entries - 1) : entries;
  return `${pyContainer("{", "}", [`"magic": ${pyString(kind)}`, `"count": ${count}`], true, 0)}\n`;
}

/**
 * @internal
 * What `criu-image info` prints for a raw image (pages, ifaddr, …), which
 * crit has no info for: the kind, `"raw": true` and the size in bytes, laid
 * out as crit lays out its info.
 */
export function critInfoForRaw(kind: string, size: number): string {
  return `${pyContainer("{", "}", [`"magic": ${pyString(kind)}`, '"raw": true', `"size": ${size}`], true, 0)}\n`;
}
