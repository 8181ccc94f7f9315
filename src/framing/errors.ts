/**
 * The one error type the library throws for bad input. Every instance says
 * which image, where in it, and what the reader expected to find there, so a
 * tool can print it as one line and a caller can branch on `code`.
 */
export class CriuImageError extends Error {
  override readonly name: string = "CriuImageError";
  /** Image file name (or "<image>" when the caller gave none). */
  readonly image: string;
  /** Byte offset in the image where the problem was found. */
  readonly offset: number;
  /** What was expected at that offset. */
  readonly expected: string;
  /** Stable machine-readable reason. */
  readonly code: CriuImageErrorCode;

  constructor(code: CriuImageErrorCode, image: string | undefined, offset: number, expected: string, detail?: string) {
    const img = image ?? "<image>";
    super(`${img}: at byte ${offset}: expected ${expected}${detail ? ` (${detail})` : ""}`);
    this.image = img;
    this.offset = offset;
    this.expected = expected;
    this.code = code;
  }
}

/** The error for input that ends at `at`, `end - at` bytes short of `what`. */
export function truncated(name: string | undefined, at: number, end: number, what: string): CriuImageError {
  return new CriuImageError("TRUNCATED", name, at, what, `only ${end - at} bytes left`);
}

/** Why a CriuImageError was thrown: a stable code for programs to test. */
export type CriuImageErrorCode =
  | "TRUNCATED" // input ends inside a header, entry or payload
  | "BAD_MAGIC" // magic not in the kind table, or not the one the name implies
  | "BAD_ENTRY" // an entry's protobuf bytes cannot be scanned or decoded
  | "BAD_EXTRA" // an extra payload does not match what its entry announces
  | "TOO_LARGE" // a length that cannot be represented or is absurd
  | "UNSUPPORTED" // valid input that this operation cannot handle
  | "INVALID" // a value given to a writer or transformation is inconsistent
  | "IO" // the file system refused (criu-image/node): the message names the user's path
  | "LOCKED" // another writer holds the checkpoint folder
  | "JOURNAL" // an interrupted rewrite is pending, or a journal this tool did not write
  | "NOT_CHECKPOINT" // a path that holds no checkpoint where one was expected
  | "UNSAFE" // an archive with members that would escape or mislead (writers refuse it)
  | "REFUSED" // a transformation refused (TcpRewriteError): nothing was changed
  | "BAD_JSON" // crit JSON that is not JSON or does not fit the schema (CritJsonError)
  | "BAD_ARCHIVE"; // an archive whose compression or tar data is damaged (ArchiveError)
