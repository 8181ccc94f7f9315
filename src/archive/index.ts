/** criu-image/archive: checkpoint archives read anywhere: tar, zstd (checksums verified), gzip, member safety. */
/** @internal For criu-image/node (bundled apart); not part of the API. */
export { type Compression, compressionForName, compressionOf, isTarHeader } from "./compression.js";
export { copies, type DecompressOptions, decompressed, type Gunzip, webGunzip } from "./decompress.js";
export { ArchiveError, type ArchiveLayer, TarError, ZstdError } from "./errors.js";
export { METADATA_LIMIT, TAR_META_LIMIT } from "./limits.js";
/** @internal For criu-image/node (bundled apart); not part of the API. */
export { digest, type UnsafeMember, unsafeReason } from "./member-safety.js";
export { memberPath } from "./paths.js";
export { eachTarMember, type TarHeader, type TarType } from "./tar.js";
export { zstdDecompress } from "./zstd/decompress.js";
