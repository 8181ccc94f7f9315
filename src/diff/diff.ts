/**
 * diffCheckpoints: how two checkpoints differ, for people (semantic) and
 * for tools (entry level, per field path), and optionally page by page.
 */
import { Checkpoint, type CheckpointLike } from "../checkpoint/checkpoint.js";
import { diffImages, type ImageChange, same } from "./images.js";
import { diffMemory, type PageChange } from "./memory.js";
import { diffSemantic, type SemanticChange } from "./semantic.js";

/** How two checkpoints differ: by view (processes, sockets, …), by image, and by memory page. */
export interface DiffReport {
  /** No difference at any level asked for. */
  same: boolean;
  semantic: SemanticChange[];
  images: ImageChange[];
  /** Engine metadata files (config.dump, spec.dump, …) whose bytes differ or that one side lacks. */
  metadata: string[];
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
  const metadata = changedMetadata(x, y);
  // Identical images and engine metadata: nothing else can differ.
  if (images.length === 0 && metadata.length === 0 && !options.memory)
    return { same: true, semantic: [], images, metadata };
  const semantic = options.semantic === false ? [] : await diffSemantic(x, y);
  const memory = options.memory ? await diffMemory(x, y) : undefined;
  const same = images.length === 0 && metadata.length === 0 && semantic.length === 0 && (memory?.length ?? 0) === 0;
  return { same, semantic, images, metadata, ...(memory ? { memory } : {}) };
}

/** The engine metadata files that differ, by name: bytes compared where both sides kept them, else sizes. */
function changedMetadata(a: Checkpoint, b: Checkpoint): string[] {
  const [x, y] = [a.source.companions, b.source.companions];
  const out: string[] = [];
  for (const name of [...new Set([...x.keys(), ...y.keys()])].sort()) {
    const [f, g] = [x.get(name), y.get(name)];
    if (f === g) continue;
    if (!f || !g || f.size !== g.size) {
      out.push(name);
      continue;
    }
    let p: Uint8Array;
    let q: Uint8Array;
    try {
      [p, q] = [f.bytes(), g.bytes()];
    } catch {
      continue; // not kept (an archive's rootfs-diff.tar): its size is all there is to compare
    }
    if (!same(p, q)) out.push(name);
  }
  return out;
}
