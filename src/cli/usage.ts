/** A mistake in the command line: reported with usage, exit status 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}
