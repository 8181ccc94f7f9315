import { StreamDataError } from "../stream-error.js";

/** Damaged or unsupported zstd input, with where in the compressed stream (the frame or block being decoded) it was found. */
export class ZstdError extends StreamDataError {
  override readonly name = "ZstdError";
  constructor(offset: number, expected: string) {
    super("zstd", offset, expected);
  }
}

/** Thrown by the table and stream readers, which do not know the offset; the frame reader adds it. */
export class Corrupt extends Error {}

export function corrupt(what: string): never {
  throw new Corrupt(what);
}
