import type { ImageKindInfo } from "./kinds.js";

/** How the file's header looked: v1 has one magic, v1.1 a lead magic first. */
export type ImageFormat = "v1" | "v1.1" | "raw";

/** What precedes the entries of an image. */
export interface ImageHeader {
  /** File name the image was read from, used in errors and to spot raw images. */
  readonly name?: string;
  /** CRIU's kind name (see IMAGE_KINDS), e.g. "FILES" or, for raw images, "PAGES". */
  readonly kind: string;
  /**
   * "v1.1" when a lead magic (IMG_COMMON or IMG_SERVICE) precedes the kind's
   * magic, "v1" when only the kind's magic is there (inventory.img always
   * looks like this, in both versions), "raw" for raw images.
   */
  readonly format: ImageFormat;
  /** The kind's magic (0 for raw images). */
  readonly magic: number;
  /** IMG_COMMON_MAGIC or IMG_SERVICE_MAGIC in v1.1 images. */
  readonly leadMagic?: number;
}

/** One entry as it sits in the file: its protobuf bytes and what follows them. */
export interface FramedEntry {
  /** Protobuf message name of `payload`, e.g. "pagemap_head" or "file_entry". */
  readonly schema: string;
  /** The entry's protobuf bytes, without the size prefix. */
  readonly payload: Uint8Array;
  /**
   * Bytes CRIU wrote after the entry, exactly as in the file (padding
   * included). Present, possibly empty, on every entry whose kind rule
   * calls for it; absent otherwise.
   */
  readonly extra?: Uint8Array;
  /** Where the entry's size prefix starts in the image (set by readers). */
  readonly offset?: number;
}

/** A whole image in memory. Raw images carry `raw` and no entries. */
export interface FramedImage extends ImageHeader {
  readonly entries: readonly FramedEntry[];
  readonly raw?: Uint8Array;
}

/** Options shared by readers. */
export interface ReadOptions {
  /** File name; used to recognise raw images and in error messages. */
  readonly name?: string;
}

export type { ImageKindInfo };
