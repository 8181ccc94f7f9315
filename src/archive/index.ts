/**
 * criu-image/archive: checkpoint archives read anywhere: tar, zstd (checksums verified), gzip, member safety.
 *
 * @module criu-image/archive
 */
export { type Compression, compressionForName, compressionOf, isTarHeader } from "./compression.js";
export { copies, type DecompressOptions, decompressed, type Gunzip, webGunzip } from "./decompress.js";
export { ENGINE_FILES } from "./engine-files.js";
export { ArchiveError, type ArchiveLayer, TarError, ZstdError } from "./errors.js";
export { METADATA_LIMIT, TAR_META_LIMIT } from "./limits.js";
export { clipName, type UnsafeMember, unsafeReason } from "./member-safety.js";
export { memberPath, resolveInArchive } from "./paths.js";
export { isBookkeeping, JOURNAL_NAME, LOCK_NAME, TEMP_PREFIX } from "./reserved.js";
export { eachTarMember, type SkippableSource, type TarEnd, type TarHeader, type TarType } from "./tar.js";
export { zstdDecompress } from "./zstd/decompress.js";
