/** A mistake in the command line: one line, a pointer to the command's help, exit status 2. */
export class UsageError extends Error {
  constructor(
    message: string,
    /** The command whose --help to point at ("tcp rewrite"), if known. */
    readonly command?: string,
  ) {
    super(message);
  }
}

/** The command's report is already out (on stdout): only the exit status is left to give. */
export class Reported extends Error {
  constructor(
    what: string,
    /** The exit status. */
    readonly status = 1,
  ) {
    super(what);
  }
}

/** A selector (a pid, a pattern) matched nothing: one line on stderr, exit status 1, as grep (as any error is told). */
export class NothingMatched extends Error {}
