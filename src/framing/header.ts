import { CriuImageError } from "./errors.js";
import { baseName, type ImageKindInfo, kindByFileName, kindByMagic, kindByName } from "./kinds.js";
import { IMG_COMMON_MAGIC, IMG_SERVICE_MAGIC } from "./magic.js";
import type { ImageHeader } from "./types.js";

export interface ParsedHeader {
  readonly header: ImageHeader;
  readonly kind: ImageKindInfo;
  /** Bytes the header occupies (0, 4 or 8). */
  readonly size: number;
}

const hex = (n: number) => `0x${n.toString(16).padStart(8, "0")}`;

/** The raw kind a file name implies, if any: raw images have no header to read. */
export function rawKindOf(name: string | undefined): ImageKindInfo | undefined {
  if (name === undefined) return undefined;
  const k = kindByFileName(name);
  return k?.raw ? k : undefined;
}

/**
 * Reads the magic(s) at the start of `head`. `head` holds the first bytes of
 * the image (8 are enough; fewer only when the image is that short).
 */
export function parseHeader(head: Uint8Array, name: string | undefined): ParsedHeader {
  const raw = rawKindOf(name);
  if (raw) {
    const header: ImageHeader = { ...(name !== undefined ? { name } : {}), kind: raw.kind, format: "raw", magic: 0 };
    return { header, kind: raw, size: 0 };
  }
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (head.length < 4) throw new CriuImageError("TRUNCATED", name, 0, "a 4-byte image magic");
  const first = view.getUint32(0, true);
  let magic = first;
  let size = 4;
  let leadMagic: number | undefined;
  if (first === IMG_COMMON_MAGIC || first === IMG_SERVICE_MAGIC) {
    if (head.length < 8) throw new CriuImageError("TRUNCATED", name, 4, "the image kind's magic after the lead magic");
    leadMagic = first;
    magic = view.getUint32(4, true);
    size = 8;
  }
  const kind = kindByMagic(magic);
  if (!kind) {
    throw new CriuImageError("BAD_MAGIC", name, size - 4, "a CRIU image magic", `found ${hex(magic)}`);
  }
  if (name !== undefined) {
    const byName = kindByFileName(name);
    if (byName && byName.kind !== kind.kind) {
      throw new CriuImageError(
        "BAD_MAGIC",
        name,
        size - 4,
        `the magic of ${byName.kind} (${hex(byName.magic)}) for ${baseName(name)}`,
        `found ${kind.kind} (${hex(magic)})`,
      );
    }
  }
  const header: ImageHeader = {
    ...(name !== undefined ? { name } : {}),
    kind: kind.kind,
    format: leadMagic === undefined ? "v1" : "v1.1",
    magic,
    ...(leadMagic !== undefined ? { leadMagic } : {}),
  };
  return { header, kind, size };
}

/**
 * @internal Exported for criu-image's other layers, not part of the API.
 * The kind of an image a caller built: writers refuse a kind not in the table.
 */
export function kindOfHeader(header: ImageHeader): ImageKindInfo {
  const kind = kindByName(header.kind);
  if (!kind) throw new CriuImageError("INVALID", header.name, 0, "a known image kind", `got ${String(header.kind)}`);
  return kind;
}
