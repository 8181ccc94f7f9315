/**
 * An edit of a checkpoint: private decoded copies of the images to change,
 * byte replacements, and writes into process memory. Nothing is written
 * anywhere: finish() says which images changed and their new bytes, and
 * only images whose bytes really differ are listed. Unchanged entries of a
 * changed image keep their exact bytes (the typed layer writes back what
 * it read).
 */
import { Checkpoint } from "../checkpoint/checkpoint.js";
import type { ImageSource, SourceFile } from "../checkpoint/source.js";
import { CriuImageError } from "../framing/errors.js";
import type { EntryKind } from "../image/kind-types.js";
import type { CriuImage, EntryImage } from "../image/types.js";
import { writeImage } from "../image/write.js";
import { locateMemory, type MemoryOptions } from "../memory/read.js";

const same = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((x, i) => x === b[i]);

/** A file whose bytes are copied each time they are read. */
class CopiedFile implements SourceFile {
  constructor(private readonly file: SourceFile) {}
  get size(): number {
    return this.file.size;
  }
  bytes(): Uint8Array {
    return this.file.bytes().slice();
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    return this.file.read(offset, length);
  }
}

/**
 * A source's files, each copied when read. Decoded extras and bytes fields
 * are views of the bytes they were read from: an edit that changes them in
 * place must not change the checkpoint it was given (an in-memory source
 * hands out its own arrays). Wrapped on lookup, so a million files cost
 * nothing until read.
 */
class CopiedFiles implements ReadonlyMap<string, SourceFile> {
  constructor(private readonly files: ReadonlyMap<string, SourceFile>) {}
  get size(): number {
    return this.files.size;
  }
  get(name: string): SourceFile | undefined {
    const f = this.files.get(name);
    return f && new CopiedFile(f);
  }
  has(name: string): boolean {
    return this.files.has(name);
  }
  keys(): MapIterator<string> {
    return this.files.keys();
  }
  *entries(): MapIterator<[string, SourceFile]> {
    for (const [n, f] of this.files) yield [n, new CopiedFile(f)];
  }
  *values(): MapIterator<SourceFile> {
    for (const f of this.files.values()) yield new CopiedFile(f);
  }
  [Symbol.iterator](): MapIterator<[string, SourceFile]> {
    return this.entries();
  }
  forEach(fn: (value: SourceFile, key: string, map: ReadonlyMap<string, SourceFile>) => void): void {
    for (const [n, f] of this.entries()) fn(f, n, this);
  }
}

const copying = (source: ImageSource): ImageSource => ({ ...source, files: new CopiedFiles(source.files) });

/** The edits of one `editCheckpoint` call: images, extras and memory to change; only what changed is written. */
export class EditSession {
  /** A reader of its own, so the decoded images changed here are this edit's copies. */
  private readonly own: Checkpoint;
  private readonly decoded = new Set<string>();
  private readonly replaced = new Map<string, Uint8Array>();
  private readonly metadataReplaced = new Map<string, Uint8Array>();

  constructor(readonly checkpoint: Checkpoint) {
    this.own = new Checkpoint(copying(checkpoint.source));
  }

  /**
   * The edit's own view of the checkpoint: an image decoded through it is
   * the same object image() hands out, so code that finds entries through
   * the usual readers can change them here.
   */
  get view(): Checkpoint {
    return this.own;
  }

  /** An image to change in place: this edit's own decoded copy (undefined when there is none). */
  image<K extends EntryKind>(name: string, kind: K): EntryImage<K> | undefined {
    if (this.replaced.has(name))
      throw new CriuImageError("INVALID", name, 0, "an image not replaced as bytes in this edit");
    const img = this.own.kind(name, kind);
    if (img) this.decoded.add(name);
    return img;
  }

  /** Replaces a file's bytes. */
  setBytes(name: string, bytes: Uint8Array): void {
    this.decoded.delete(name);
    this.replaced.set(name, bytes);
  }

  /** A file's current bytes in this edit (its replacement, or the original). */
  bytes(name: string): Uint8Array | undefined {
    return this.replaced.get(name) ?? this.checkpoint.bytes(name);
  }

  /**
   * Writes bytes into task `pid`'s memory, in the pages files of this dump.
   * Refuses (CriuImageError, nothing changed) bytes that are in a parent
   * dump, lazy, or never dumped.
   */
  writeMemory(pid: number, address: bigint, data: Uint8Array, options: MemoryOptions = {}): void {
    const spans = locateMemory(this.checkpoint, pid, address, data.length, options);
    for (const s of spans) {
      let file = this.replaced.get(s.file);
      if (!file) {
        file = (this.checkpoint.bytes(s.file) as Uint8Array).slice();
        this.replaced.set(s.file, file);
      }
      file.set(data.subarray(Number(s.address - address), Number(s.address - address) + s.length), s.offset);
    }
  }

  /** An engine metadata file's current bytes in this edit (by its path beside the images). */
  metadata(path: string): Uint8Array | undefined {
    return this.metadataReplaced.get(path) ?? this.checkpoint.source.companions.get(path)?.bytes();
  }

  /** Replaces an engine metadata file's bytes (config.dump, spec.dump, …). */
  setMetadata(path: string, bytes: Uint8Array): void {
    this.metadataReplaced.set(path, bytes);
  }

  /** The engine metadata files whose bytes changed, with their new bytes. */
  finishMetadata(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const [path, bytes] of this.metadataReplaced) {
      const old = this.checkpoint.source.companions.get(path)?.bytes();
      if (!old || !same(bytes, old)) out.set(path, bytes);
    }
    return out;
  }

  /** The images whose bytes changed, with their new bytes. */
  finish(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (const name of [...this.decoded].sort()) {
      const bytes = writeImage(this.own.image(name) as CriuImage);
      if (!same(bytes, this.checkpoint.bytes(name) as Uint8Array)) out.set(name, bytes);
    }
    for (const [name, bytes] of this.replaced) {
      const old = this.checkpoint.has(name) ? this.checkpoint.bytes(name) : undefined;
      if (!old || !same(bytes, old)) out.set(name, bytes);
    }
    return new Map([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
  }
}
