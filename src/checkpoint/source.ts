/**
 * Where a checkpoint's files come from. The checkpoint model only sees this
 * interface, so one model serves an in-memory map (tests, browsers), a
 * folder and an archive stream (criu-image/node).
 */
import { CriuImageError } from "../framing/errors.js";

/** One file of a checkpoint. */
export interface SourceFile {
  /** Its size in bytes. */
  readonly size: number;
  /**
   * All of its bytes. Sources hold small files in memory or read them on
   * demand; a file a source did not keep (an archive's pages when memory
   * was not asked for) throws CriuImageError with code UNSUPPORTED.
   */
  bytes(): Uint8Array;
  /** `length` bytes from `offset` (fewer at the end of the file), without reading the rest. */
  read(offset: number, length: number): Promise<Uint8Array>;
}

/** What opening a source noticed that is not an error: a pending write, files that are not images. */
export interface SourceNote {
  /** The file the note is about, if any. */
  readonly file?: string;
  readonly message: string;
}

/** How the images were found in an archive. */
export type ArchiveLayout = "podman" | "cri-o" | "containerd" | "plain";

/** Where a checkpoint's files come from: a Map, a folder or an archive. `Checkpoint` reads through it. */
export interface ImageSource {
  /** What the user named: a path, "stdin", or "memory". Used in messages. */
  readonly label: string;
  readonly type: "memory" | "folder" | "archive";
  /** The files of the images folder, by base name (our bookkeeping and `parent` left out). */
  readonly files: ReadonlyMap<string, SourceFile>;
  /** Files beside the images folder (an archive's config.dump, spec.dump, …), by path in the archive. */
  readonly companions: ReadonlyMap<string, SourceFile>;
  /** The previous dump of a pre-dump chain (`parent`), when there is one. */
  readonly parent?: ImageSource | undefined;
  /** Where `parent` points, as written (even when it could not be followed). */
  readonly parentLink?: string | undefined;
  readonly notes: readonly SourceNote[];
  /** Archive members that are unsafe (escaping names, links out, devices, …): never used, only reported. */
  readonly unsafe?: readonly { readonly name: string; readonly index: number; readonly reason: string }[];
  /** Archives: how they were compressed and laid out, and where the images were. */
  readonly archive?: {
    readonly compression: "none" | "gzip" | "zstd";
    readonly layout: ArchiveLayout;
    /** The images folder inside the archive ("" for the top). */
    readonly imagesDir: string;
    /** When the dump was written: the time stamp of its inventory.img in the archive (ISO 8601). */
    readonly dumpedAt?: string;
  };
}

/** A source file held in memory. */
export function memoryFile(bytes: Uint8Array): SourceFile {
  return new MemoryFile(bytes);
}

// A class, not closures: an archive can hold a million small files, and a closure pair costs each of them a context.
class MemoryFile implements SourceFile {
  constructor(private readonly data: Uint8Array) {}

  get size(): number {
    return this.data.length;
  }

  bytes(): Uint8Array {
    return this.data;
  }

  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.data.subarray(offset, Math.min(this.data.length, offset + length));
  }
}

/** Byte ranges a source keeps of a file it does not keep whole, chosen before the file streams by. */
export type KeepRanges = readonly (readonly [offset: number, length: number])[];

/**
 * Which parts of a pages file to keep when an archive streams by: called
 * with the file's name and size and the images of the same folder read so
 * far; returns ranges, "all" (kept in memory), "spool" (kept in a
 * temporary file, for random access to big files; only sources that can
 * write one honour it), or undefined for none.
 */
export type PagesPolicy = (
  name: string,
  size: number,
  earlier: ReadonlyMap<string, Uint8Array>,
) => KeepRanges | "all" | "spool" | undefined;

/** A file of which only some ranges were kept: reads inside them work, others say what is missing. */
export function sparseFile(
  size: number,
  label: string,
  parts: readonly { offset: number; bytes: Uint8Array }[],
): SourceFile {
  const missing = (offset: number): never => {
    throw new CriuImageError(
      "UNSUPPORTED",
      label,
      offset,
      "bytes that were kept",
      `${label} was read in one pass, and this range was not asked for`,
    );
  };
  return {
    size,
    bytes: () => missing(0),
    read: async (offset, length) => {
      const want = Math.max(0, Math.min(length, size - offset));
      for (const p of parts) {
        if (offset >= p.offset && offset + want <= p.offset + p.bytes.length)
          return p.bytes.subarray(offset - p.offset, offset - p.offset + want);
      }
      return missing(offset);
    },
  };
}

/** A file whose size is known but whose bytes were not kept. */
export function absentFile(size: number, label: string, why: string): SourceFile {
  const fail = (): never => {
    throw new CriuImageError("UNSUPPORTED", label, 0, "bytes that were kept", why);
  };
  return { size, bytes: fail, read: async () => fail() };
}

/** Options of `memorySource`: a label, files that sit beside the images, and the parent (pre-dump) checkpoint. */
export interface MemorySourceOptions {
  label?: string;
  companions?: ReadonlyMap<string, Uint8Array>;
  parent?: ImageSource | ReadonlyMap<string, Uint8Array>;
  /** Sizes of files that are not in the map (pages a caller did not load). */
  sizes?: ReadonlyMap<string, number>;
}

const isSource = (x: unknown): x is ImageSource =>
  typeof x === "object" && x !== null && "files" in x && (x as ImageSource).files instanceof Map;

/** A source over image bytes by file name: for tests, browsers, and anything built in memory. */
export function memorySource(images: ReadonlyMap<string, Uint8Array>, options: MemorySourceOptions = {}): ImageSource {
  const label = options.label ?? "memory";
  const files = new Map<string, SourceFile>();
  for (const [name, bytes] of images) files.set(name, memoryFile(bytes));
  for (const [name, size] of options.sizes ?? []) {
    if (!files.has(name)) files.set(name, absentFile(size, name, "only its size was given"));
  }
  const companions = new Map<string, SourceFile>();
  for (const [name, bytes] of options.companions ?? []) companions.set(name, memoryFile(bytes));
  const p = options.parent;
  const parent = p === undefined ? undefined : isSource(p) ? p : memorySource(p, { label: `${label}/parent` });
  return { label, type: "memory", files, companions, parent, notes: [] };
}

/**
 * The same source with some files replaced (bytes) or removed (undefined):
 * what an edit or a rewrite produces before it is written anywhere.
 */
export function overlaySource(
  base: ImageSource,
  changes: ReadonlyMap<string, Uint8Array | undefined>,
  companionChanges: ReadonlyMap<string, Uint8Array> = new Map(),
): ImageSource {
  const files = new Map(base.files);
  for (const [name, bytes] of changes) {
    if (bytes === undefined) files.delete(name);
    else files.set(name, memoryFile(bytes));
  }
  const companions = new Map(base.companions);
  for (const [name, bytes] of companionChanges) companions.set(name, memoryFile(bytes));
  return { ...base, files, companions };
}

export { isSource };
