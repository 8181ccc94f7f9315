/** Thrown by the table and stream readers, which do not know the offset; the frame reader adds it (as a ZstdError). */
export class Corrupt extends Error {}

export function corrupt(what: string): never {
  throw new Corrupt(what);
}
