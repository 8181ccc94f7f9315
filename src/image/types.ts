import type { ImageFormat } from "../framing/types.js";
import type { EntryKind, KindEntryTypes, KindExtraTypes, RawKind } from "./kind-types.js";

/** What every image has, with entries or raw. */
export interface ImageBase {
  /** File name, when known: used for raw images and in errors. */
  name?: string;
  /** The kind's magic. */
  magic: number;
  /** IMG_COMMON_MAGIC or IMG_SERVICE_MAGIC in v1.1 images. */
  leadMagic?: number;
}

/** An entry image of kind K, decoded. */
export type EntryImage<K extends EntryKind = EntryKind> = ImageBase & {
  kind: K;
  /** v1 (one magic) or v1.1 (lead magic + magic); written back as read. */
  format: Exclude<ImageFormat, "raw">;
  /** The entries, as generated protobuf-es messages. */
  entries: KindEntryTypes[K][];
} & (K extends keyof KindExtraTypes
    ? {
        /** What follows each entry: `extras[i]` belongs to `entries[i]`. */
        extras: KindExtraTypes[K][];
      }
    : { extras?: undefined });

/** A raw image: bytes CRIU did not frame (pages, iproute2 dumps, tarballs). */
export type RawImage = ImageBase & {
  kind: RawKind;
  format: "raw";
  entries: [];
  extras?: undefined;
  raw: Uint8Array;
};

/** Any decoded image; switch on `kind` to get the entry type. */
export type CriuImage = { [K in EntryKind]: EntryImage<K> }[EntryKind] | RawImage;

/** The image type of a kind name. */
export type ImageOf<K extends EntryKind | RawKind> = K extends EntryKind ? EntryImage<K> : RawImage;
