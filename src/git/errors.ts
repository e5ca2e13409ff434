/**
 * keyguard cannot read what is staged. Raised for anything that stops the scan from covering the
 * whole change: callers turn it into exit code 2, which blocks the commit (fail closed).
 */
export class RepositoryReadError extends Error {
  override readonly name: string = 'RepositoryReadError';
  constructor(
    message: string,
    /** One line that tells the user what to do about it. */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** The repository is of a format the selected backend cannot read correctly. */
export class UnsupportedRepositoryError extends RepositoryReadError {
  override readonly name: string = 'UnsupportedRepositoryError';
}

/** There is no repository here (as opposed to one keyguard cannot read). */
export class NotARepositoryError extends RepositoryReadError {
  override readonly name: string = 'NotARepositoryError';
}
