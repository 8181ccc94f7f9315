/** A mistake in the command line: one line, a pointer to the command's help, exit status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
  constructor(
    message: string,
    /** The command whose --help to point at ("tcp rewrite"), if known. */
    readonly command?: string,
  ) {
    super(message);
  }
}
