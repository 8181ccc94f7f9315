import { CriuImageError } from "../framing/errors.js";

/**
 * Bad crit JSON: says where (a JSON path like entries[3].isk.src_port) and
 * what was expected; `code` is "BAD_JSON".
 */
export class CritJsonError extends CriuImageError {
  override readonly name: string = "CritJsonError";
  /** JSON path of the offending value, or "" for the document. */
  readonly path: string;
  constructor(path: string, expected: string, detail?: string) {
    super("BAD_JSON", "<json>", 0, expected, detail);
    this.path = path;
    this.message = `${path || "JSON"}: expected ${expected}${detail ? ` (${detail})` : ""}`;
  }
}

/** A JSON number kept as its text, so 64-bit values stay exact. */
export class JsonNumber {
  constructor(readonly text: string) {}
}
