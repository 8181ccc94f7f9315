/**
 * Socket addresses as CRIU stores them: repeated uint32 words holding the
 * kernel's network-order bytes, so on the little-endian hosts CRIU runs on
 * each word's bytes, low first, are the address bytes (one word for IPv4,
 * four for IPv6).
 */
export function wordsToBytes(words: readonly number[]): Uint8Array {
  const out = new Uint8Array(words.length * 4);
  const view = new DataView(out.buffer);
  for (let i = 0; i < words.length; i++) view.setUint32(4 * i, (words[i] as number) >>> 0, true);
  return out;
}

/** The `repeated uint32` form of an address's network-order bytes (4 for IPv4, 16 for IPv6), as CRIU stores them: the inverse of `wordsToBytes`. */
export function bytesToWords(bytes: Uint8Array): number[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) out.push(view.getUint32(i, true));
  return out;
}
