/** Damaged or unsupported zstd input, with where in the compressed stream it was found. */
export class ZstdError extends Error {
  override readonly name = "ZstdError";
  constructor(
    /** Offset in the compressed stream (of the frame or block being decoded). */
    readonly offset: number,
    /** What was expected there. */
    readonly expected: string,
  ) {
    super(`zstd: at byte ${offset}: ${expected}`);
  }
}

/** Thrown by the table and stream readers, which do not know the offset; the frame reader adds it. */
export class Corrupt extends Error {}

export function corrupt(what: string): never {
  throw new Corrupt(what);
}
