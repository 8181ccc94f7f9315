/**
 * Socket addresses as CRIU stores them: repeated uint32 words holding the
 * kernel's network-order bytes (one word for AF_INET, four for AF_INET6).
 * For matching, every address is taken to its 16-byte IPv6 form, so that
 * 127.0.0.1 and ::ffff:127.0.0.1 are the same address.
 */
import { bytesToWords, wordsToBytes } from "../image/address.js";

export { bytesToWords, wordsToBytes };

import { formatBytes, formatWords } from "../inspect/address-text.js";

export { formatBytes, formatWords };

export const AF_INET = 2;
export const AF_INET6 = 10;

/** The 16-byte IPv6 form of 4 or 16 address bytes (IPv4 becomes ::ffff:a.b.c.d). */
export function toV6(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 16) return bytes;
  const out = new Uint8Array(16);
  out[10] = 0xff;
  out[11] = 0xff;
  out.set(bytes, 12);
  return out;
}

/** The IPv4 bytes of an IPv4 or v4-mapped address, else undefined. */
export function asV4(bytes: Uint8Array): Uint8Array | undefined {
  if (bytes.length === 4) return bytes;
  for (let i = 0; i < 10; i++) if (bytes[i] !== 0) return undefined;
  if (bytes[10] !== 0xff || bytes[11] !== 0xff) return undefined;
  return bytes.subarray(12);
}

export const sameAddress = (a: Uint8Array, b: Uint8Array): boolean => {
  const x = toV6(a);
  const y = toV6(b);
  return x.every((v, i) => v === y[i]);
};

/** The words to store for `bytes` in a socket of this family; undefined if it cannot hold it. */
export function wordsFor(family: number, bytes: Uint8Array): number[] | undefined {
  if (family === AF_INET) {
    const v4 = asV4(bytes);
    return v4 ? bytesToWords(v4) : undefined;
  }
  return bytesToWords(toV6(bytes));
}
