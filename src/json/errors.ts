/** Bad crit JSON: says where (a JSON path like entries[3].isk.src_port) and what was expected. */
export class CritJsonError extends Error {
  override readonly name = "CritJsonError";
  constructor(
    /** JSON path of the offending value, or "" for the document. */
    readonly path: string,
    readonly expected: string,
    detail?: string,
  ) {
    super(`${path || "JSON"}: expected ${expected}${detail ? ` (${detail})` : ""}`);
  }
}

/** A JSON number kept as its text, so 64-bit values stay exact. */
export class JsonNumber {
  constructor(readonly text: string) {}
}
