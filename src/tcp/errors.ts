import { CriuImageError } from "../framing/errors.js";

/**
 * A rewrite that was refused: nothing was changed. One line per reason in
 * `reasons`; `code` is "REFUSED".
 */
export class TcpRewriteError extends CriuImageError {
  override readonly name: string = "TcpRewriteError";
  readonly reasons: string[];
  constructor(reasons: string | string[]) {
    const list = typeof reasons === "string" ? [reasons] : reasons;
    super("REFUSED", "<checkpoint>", 0, "rules that apply to every socket cleanly");
    // The CLI prints the reasons one per line, not the one-line location form.
    this.message = list.join("\n");
    this.reasons = list;
  }
}
