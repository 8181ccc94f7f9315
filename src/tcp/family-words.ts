/**
 * How a socket of each family stores an address: AF_INET sockets hold one
 * word and take only IPv4 (or its v4-mapped form), AF_INET6 sockets hold
 * four and store IPv4 as `::ffff:a.b.c.d`.
 */

import { asV4, bytesToWords, toV6 } from "../image/address.js";

/** Linux's AF_INET. */
const AF_INET = 2;

/** The words to store for `bytes` in a socket of this family; undefined if it cannot hold it. */
export function wordsFor(family: number, bytes: Uint8Array): number[] | undefined {
  if (family === AF_INET) {
    const v4 = asV4(bytes);
    return v4 ? bytesToWords(v4) : undefined;
  }
  return bytesToWords(toV6(bytes));
}
