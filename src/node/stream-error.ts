/**
 * Damaged data in an archive's layers (its compression, its tar), with the
 * offset in that layer's stream and what was expected there. Pure (no Node
 * APIs): the browser explorer reads archives with the same readers.
 */
export class StreamDataError extends Error {
  constructor(
    /** The layer: "zstd", "tar". */
    readonly format: string,
    /** Offset in that layer's stream. */
    readonly offset: number,
    /** What was expected there. */
    readonly expected: string,
  ) {
    super(`${format}: at byte ${offset}: ${expected}`);
  }
}
