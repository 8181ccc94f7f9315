/**
 * diffCheckpoints: how two checkpoints differ, for people (semantic) and
 * for tools (entry level, per field path), and optionally page by page.
 */
import { Checkpoint, type CheckpointLike } from "../checkpoint/checkpoint.js";
import { diffImages, type ImageChange } from "./images.js";
import { diffMemory, type PageChange } from "./memory.js";
import { diffSemantic, type SemanticChange } from "./semantic.js";

/** How two checkpoints differ: by view (processes, sockets, …), by image, and by memory page. */
export interface DiffReport {
  /** No difference at any level asked for. */
  same: boolean;
  semantic: SemanticChange[];
  images: ImageChange[];
  /** With `memory`: changed pages per VMA. */
  memory?: PageChange[];
}

/** Options of `diffCheckpoints`. */
export interface DiffOptions {
  /** Also compare process memory page by page (reads the pages). */
  memory?: boolean;
  /** Skip the semantic views (entry level only). */
  semantic?: boolean;
}

/** Compares two checkpoints: what a user sees first, then entries and fields, then pages on request. */
export async function diffCheckpoints(
  a: CheckpointLike,
  b: CheckpointLike,
  options: DiffOptions = {},
): Promise<DiffReport> {
  const [x, y] = [Checkpoint.of(a), Checkpoint.of(b)];
  const images = await diffImages(x, y);
  // Identical images and engine metadata: nothing else can differ.
  if (images.length === 0 && sameMetadata(x, y) && !options.memory) return { same: true, semantic: [], images };
  const semantic = options.semantic === false ? [] : await diffSemantic(x, y);
  const memory = options.memory ? await diffMemory(x, y) : undefined;
  const same = images.length === 0 && semantic.length === 0 && (memory?.length ?? 0) === 0;
  return { same, semantic, images, ...(memory ? { memory } : {}) };
}

/** Whether both have the same engine metadata files (config.dump, spec.dump, …) with the same bytes. */
function sameMetadata(a: Checkpoint, b: Checkpoint): boolean {
  const [x, y] = [a.source.companions, b.source.companions];
  if (x.size !== y.size) return false;
  for (const [name, f] of x) {
    const g = y.get(name);
    if (!g) return false;
    if (f === g) continue;
    if (f.size !== g.size) return false;
    let p: Uint8Array;
    let q: Uint8Array;
    try {
      [p, q] = [f.bytes(), g.bytes()];
    } catch {
      continue; // not kept (an archive's rootfs-diff.tar): its size is all there is to compare
    }
    if (p.some((v, i) => v !== q[i])) return false;
  }
  return true;
}
