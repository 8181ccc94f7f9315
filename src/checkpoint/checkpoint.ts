/**
 * A checkpoint: an image source and a lazy, cached reader of its images.
 * Nothing is decoded before it is asked for, and each image once. pages-*
 * are only read through `read`, by offset, when memory is asked for.
 */
import { CriuImageError } from "../framing/errors.js";
import { kindByFileName } from "../framing/kinds.js";
import { type FramedIteration, iterateFramed } from "../framing/read.js";
import type { inventory_entry, pstree_entry } from "../gen/index.js";
import type { EntryKind, KindEntryTypes } from "../image/kind-types.js";
import { decodeEntry, readImage } from "../image/read.js";
import type { CriuImage, EntryImage } from "../image/types.js";
import { companionInImages } from "./companions.js";
import { type ImageSource, isSource, memorySource, type SourceFile } from "./source.js";
import { type TaskState, taskStateName } from "./tasks.js";

/** What a checkpoint folder holds. */
export type DumpKind =
  /** A full dump (criu dump): inventory and pstree. */
  | "dump"
  /** criu pre-dump: inventory with pre_dump_mode, pagemaps and pages, no pstree. */
  | "pre-dump"
  /** Images without an inventory (criu cpuinfo dump, or a partial copy). */
  | "images";

/** A file of the images folder that is not a CRIU image. */
export interface OtherFile {
  name: string;
  size: number;
  /** What writes it (CRIU's log, runc, …), or undefined when it is not known. */
  writer: string | undefined;
}

/** Anything a checkpoint can be made from. */
export type CheckpointLike = Checkpoint | ImageSource | ReadonlyMap<string, Uint8Array>;

const MAX_CHAIN = 64;

const wrongKind = (name: string, kind: string, found: string) =>
  new CriuImageError("BAD_MAGIC", name, 0, `a ${kind} image`, `found ${found}`);

/**
 * A checkpoint: its image source and a lazy, cached reader of its images
 * (decoded when first asked for), its tasks and its parent dump.
 */
export class Checkpoint {
  readonly source: ImageSource;
  private readonly cache = new Map<string, CriuImage>();
  private parentCheckpoint: Checkpoint | null | undefined;
  private readonly depth: number;

  constructor(source: ImageSource, decoded?: ReadonlyMap<string, CriuImage>, depth = 0) {
    this.source = source;
    this.depth = depth;
    for (const [n, img] of decoded ?? []) this.cache.set(n, img);
  }

  /** A checkpoint from a source, an in-memory map of image bytes, or itself. */
  static of(x: CheckpointLike): Checkpoint {
    if (x instanceof Checkpoint) return x;
    return new Checkpoint(isSource(x) ? x : memorySource(x as ReadonlyMap<string, Uint8Array>));
  }

  /** What the user named (path, "stdin", "memory"). */
  get label(): string {
    return this.source.label;
  }

  /** Names of the CRIU images, sorted. */
  names(): string[] {
    return [...this.source.files.keys()].filter((n) => kindByFileName(n) !== undefined).sort();
  }

  /** The files of the images folder that are not CRIU images. */
  others(): OtherFile[] {
    const out: OtherFile[] = [];
    for (const [name, f] of this.source.files) {
      if (kindByFileName(name)) continue;
      out.push({ name, size: f.size, writer: companionInImages(name) });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** Whether the checkpoint has a file of this name. */
  has(name: string): boolean {
    return this.source.files.has(name);
  }

  /** The size in bytes of a file of the checkpoint, without reading it. */
  size(name: string): number | undefined {
    return this.source.files.get(name)?.size;
  }

  /** A file of the checkpoint as its source holds it (bytes or a reader), undecoded. */
  file(name: string): SourceFile | undefined {
    return this.source.files.get(name);
  }

  /** The bytes of a file of the images folder, or undefined when there is none. */
  bytes(name: string): Uint8Array | undefined {
    return this.source.files.get(name)?.bytes();
  }

  /** Part of a file, by offset, without reading the rest (pages). */
  read(name: string, offset: number, length: number): Promise<Uint8Array> {
    const f = this.source.files.get(name);
    if (!f) throw new CriuImageError("NOT_CHECKPOINT", name, 0, "an image of the checkpoint", "no such image");
    return f.read(offset, length);
  }

  /**
   * The decoded image, or undefined when the checkpoint has none. Throws
   * CriuImageError on bad bytes. Decoded images are kept for the next call,
   * unless `cache: false` (for the many small images read once, such as
   * tcp-stream-*, whose trees would otherwise outweigh their bytes).
   */
  image(name: string, options: { cache?: boolean } = {}): CriuImage | undefined {
    let img = this.cache.get(name);
    if (!img) {
      const f = this.source.files.get(name);
      if (!f) return undefined;
      img = readImage(f.bytes(), { name });
      if (options.cache !== false) this.cache.set(name, img);
    }
    return img;
  }

  /**
   * The entries of an image, one at a time, or none when the checkpoint has
   * no such image. Unless the image is already cached, each entry is decoded
   * when the loop reaches it and nothing is kept: for building indexes over
   * images whose decoded trees would not fit (a files.img of a million
   * sockets), where `kind` would hold them all. Only the messages are given
   * (no extras: `iterateImage` has them). Errors are `kind`'s, thrown by the
   * loop.
   */
  *each<K extends EntryKind>(name: string, kind: K): Generator<KindEntryTypes[K], void, undefined> {
    const cached = this.cache.get(name);
    if (cached) {
      if (cached.kind !== kind) throw wrongKind(name, kind, cached.kind);
      yield* (cached as EntryImage<K>).entries as Iterable<KindEntryTypes[K]>;
      return;
    }
    const framed = this.framed(name, kind);
    if (!framed) return;
    for (const e of framed.entries()) yield decodeEntry(framed.header, e).message as KindEntryTypes[K];
  }

  /**
   * The framed entries of an image, undecoded and read one at a time, or
   * undefined when the checkpoint has no such image. Throws CriuImageError
   * when the image is of another kind. For readers that take a few fields
   * straight from the wire; cached (decoded, maybe changed) entries are not
   * seen here.
   */
  framed(name: string, kind: EntryKind): FramedIteration | undefined {
    const f = this.source.files.get(name);
    if (!f) return undefined;
    const it = iterateFramed(f.bytes(), { name });
    if (it.header.kind !== kind) throw wrongKind(name, kind, it.header.kind);
    return it;
  }

  /** The image if it is decoded already (by `image`, `kind`, or given decoded), without decoding it. */
  decoded(name: string): CriuImage | undefined {
    return this.cache.get(name);
  }

  /** The image, which must be of this kind. */
  kind<K extends EntryKind>(name: string, kind: K, options: { cache?: boolean } = {}): EntryImage<K> | undefined {
    const img = this.image(name, options);
    if (!img) return undefined;
    if (img.kind !== kind) throw wrongKind(name, kind, img.kind);
    return img as EntryImage<K>;
  }

  /** The first entry of an image of this kind (inventory, core, mm, ids, fs, …). */
  first<K extends EntryKind>(name: string, kind: K): KindEntryTypes[K] | undefined {
    return this.kind(name, kind)?.entries[0] as KindEntryTypes[K] | undefined;
  }

  /** Forgets decoded images (after their bytes were replaced). */
  forget(name?: string): void {
    if (name === undefined) this.cache.clear();
    else this.cache.delete(name);
  }

  /** The previous dump of a pre-dump chain, or undefined. */
  get parent(): Checkpoint | undefined {
    if (this.parentCheckpoint === undefined) {
      const p = this.source.parent;
      if (p && this.depth >= MAX_CHAIN) {
        throw new CriuImageError("UNSUPPORTED", `${this.label}/parent`, 0, `a chain of at most ${MAX_CHAIN} dumps`);
      }
      this.parentCheckpoint = p ? new Checkpoint(p, undefined, this.depth + 1) : null;
    }
    return this.parentCheckpoint ?? undefined;
  }

  /** The inventory entry (image version, root ids, CRIU run id), or undefined without inventory.img. */
  inventory(): inventory_entry | undefined {
    return this.first("inventory.img", "INVENTORY");
  }

  /** A full dump, a pre-dump, or just images. */
  dumpKind(): DumpKind {
    if (!this.has("inventory.img")) return "images";
    if (this.has("pstree.img")) return "dump";
    const inv = this.inventory();
    if (inv && Object.hasOwn(inv, "preDumpMode")) return "pre-dump";
    return this.names().some((n) => n.startsWith("pagemap-")) ? "pre-dump" : "dump";
  }

  /** The tasks of pstree.img (none in a pre-dump). */
  tasks(): pstree_entry[] {
    return this.kind("pstree.img", "PSTREE")?.entries ?? [];
  }

  /** A task's state from its core image ("unknown" without one). */
  taskState(pid: number): TaskState {
    const core = this.has(`core-${pid}.img`) ? this.first(`core-${pid}.img`, "CORE") : undefined;
    return taskStateName(core?.tc?.taskState);
  }

  /** Zombies have a core image and a pstree entry, and nothing else. */
  isZombie(pid: number): boolean {
    return this.taskState(pid) === "zombie";
  }
}
