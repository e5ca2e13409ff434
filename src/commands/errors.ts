import { RepositoryReadError } from '../git/errors.js';
import { EXIT_ERROR, type ExitCode, type Io } from './io.js';

/** Reports an error in one line plus what to do, never a stack trace; exit code 2. */
export function reportError(io: Io, error: unknown, consequence?: string): ExitCode {
  if (error instanceof RepositoryReadError) {
    io.stderr.write(`keyguard: ${error.message}\n`);
    if (error.hint) io.stderr.write(`  ${error.hint}\n`);
  } else {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr.write(`keyguard: unexpected error: ${message}\n`);
    if (io.env.KEYGUARD_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
    else io.stderr.write('  Run again with KEYGUARD_DEBUG=1 for details, and please report it.\n');
  }
  if (consequence) io.stderr.write(`  ${consequence}\n`);
  return EXIT_ERROR;
}
