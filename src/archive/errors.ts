/**
 * Damaged data in an archive's layers (its compression, its tar): a
 * CriuImageError of code BAD_ARCHIVE, with the layer, the offset in that
 * layer's stream and what was expected there. Pure (no Node APIs): the
 * browser explorer reads archives with the same readers.
 */
import { CriuImageError } from "../framing/errors.js";

/** The layers of an archive that report damage. */
export type ArchiveLayer = "zstd" | "gzip" | "tar";

/** Damaged archive data: which layer, where in its stream, what was expected there. */
export class ArchiveError extends CriuImageError {
  override readonly name: string = "ArchiveError";

  constructor(
    /** The layer whose stream is damaged. */
    readonly layer: ArchiveLayer,
    offset: number,
    expected: string,
    /** The archive as the user named it, when the reader was told. */
    readonly archive?: string,
  ) {
    super("BAD_ARCHIVE", archive ?? `<${layer}>`, offset, expected);
    this.message = `${archive ? `${archive}: ` : ""}${layer}: at byte ${offset}: expected ${expected}`;
  }

  /** The same error, naming the archive it was found in. */
  in(archive: string): ArchiveError {
    return new ArchiveError(this.layer, this.offset, this.expected, archive);
  }
}

/** Damaged or unsupported zstd input, with where in the compressed stream (the frame or block) it was found. */
export class ZstdError extends ArchiveError {
  constructor(offset: number, expected: string) {
    super("zstd", offset, expected);
  }
}

/** Damaged tar data, with the offset in the (decompressed) tar stream. */
export class TarError extends ArchiveError {
  constructor(offset: number, expected: string) {
    super("tar", offset, expected);
  }
}
