/** Which compression an archive uses: from its first bytes on input, from its file name on output. */

export type Compression = "none" | "gzip" | "zstd";

/** The compression of an archive, from its first bytes (four are enough). */
export function compressionOf(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return "gzip";
  if (head[0] === 0x28 && head[1] === 0xb5 && head[2] === 0x2f && head[3] === 0xfd) return "zstd";
  return "none";
}

/** The compression an output file name asks for, or undefined when it is not an archive name. */
export function compressionForName(name: string): Compression | undefined {
  if (/\.(tar\.gz|tgz)$/i.test(name)) return "gzip";
  if (/\.(tar\.zst|tar\.zstd|tzst)$/i.test(name)) return "zstd";
  if (/\.tar$/i.test(name)) return "none";
  return undefined;
}

/** Whether 512 bytes are a ustar (POSIX or GNU) tar header. */
export function isTarHeader(block: Uint8Array): boolean {
  return (
    block[257] === 0x75 && block[258] === 0x73 && block[259] === 0x74 && block[260] === 0x61 && block[261] === 0x72
  );
}
