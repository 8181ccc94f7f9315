/** A rewrite that was refused: nothing was changed. */
export class TcpRewriteError extends Error {
  override readonly name = "TcpRewriteError";
}
