/** A rewrite that was refused: nothing was changed. One line per reason in `reasons`. */
export class TcpRewriteError extends Error {
  override readonly name = "TcpRewriteError";
  readonly reasons: string[];
  constructor(reasons: string | string[]) {
    const list = typeof reasons === "string" ? [reasons] : reasons;
    super(list.join("\n"));
    this.reasons = list;
  }
}
