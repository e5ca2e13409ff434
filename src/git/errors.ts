/**
 * keyguard cannot read what is staged. Raised for anything that stops the scan from covering the
 * whole change: callers turn it into exit code 2, which blocks the commit (fail closed).
 *
 * The CLI is bundled into a main file and chunks loaded on demand, and each carries its own copy of
 * these classes; `instanceof` therefore compares a brand that each class declares, not the class
 * object itself, so an error raised in one chunk is recognised in another.
 */
export class RepositoryReadError extends Error {
  static readonly brand: string = 'keyguard:RepositoryReadError';
  override readonly name: string = 'RepositoryReadError';
  constructor(
    message: string,
    /** One line that tells the user what to do about it. */
    readonly hint?: string,
  ) {
    super(message);
  }

  static override [Symbol.hasInstance](value: unknown): boolean {
    if (typeof value !== 'object' || value === null) return false;
    for (let proto: unknown = Object.getPrototypeOf(value); proto; proto = Object.getPrototypeOf(proto)) {
      const owner = (proto as { constructor?: unknown }).constructor;
      if (typeof owner === 'function' && Object.hasOwn(owner, 'brand') && (owner as { brand?: unknown }).brand === this.brand) return true;
    }
    return false;
  }
}

/** The repository is of a format the selected backend cannot read correctly. */
export class UnsupportedRepositoryError extends RepositoryReadError {
  static override readonly brand: string = 'keyguard:UnsupportedRepositoryError';
  override readonly name: string = 'UnsupportedRepositoryError';
}

/** There is no repository here (as opposed to one keyguard cannot read). */
export class NotARepositoryError extends RepositoryReadError {
  static override readonly brand: string = 'keyguard:NotARepositoryError';
  override readonly name: string = 'NotARepositoryError';
}
