import { UsageError } from '../args.js';
import { RepositoryReadError } from '../git/errors.js';
import { EXIT_ERROR, type ExitCode, type Io } from './io.js';

export interface ErrorReportOptions {
  /** What the failure means for what the user was doing ("The commit is blocked…"); only where it is true. */
  consequence?: string;
  /** What to do, when the error does not say it itself. */
  hint?: string;
  /** The report format asked for: json and sarif also get a document on stdout, so that a reader never gets an empty file. */
  format?: string;
}

/** The error as one line and what to do about it. */
export function describeError(error: unknown, io: Io): { message: string; hint?: string; kind: 'usage' | 'repository' | 'unexpected' } {
  if (error instanceof UsageError) return { message: error.message, hint: error.hint, kind: 'usage' };
  if (error instanceof RepositoryReadError) return { message: error.message, hint: error.hint, kind: 'repository' };
  const message = error instanceof Error ? error.message : String(error);
  const debug = io.env.KEYGUARD_DEBUG && error instanceof Error && error.stack;
  return { message: `unexpected error: ${message}`, hint: debug ? undefined : 'Run again with KEYGUARD_DEBUG=1 for details, and please report it.', kind: 'unexpected' };
}

/**
 * Reports an error in one line plus what to do, never a stack trace (unless KEYGUARD_DEBUG asks);
 * exit code 2. With --format json or sarif, stdout gets a document that says the run failed.
 */
export async function reportError(io: Io, error: unknown, options: ErrorReportOptions = {}): Promise<ExitCode> {
  const described = describeError(error, io);
  const hint = described.hint ?? options.hint;
  io.stderr.write(`keyguard: ${described.message}\n`);
  if (hint) io.stderr.write(`  ${hint}\n`);
  if (described.kind === 'unexpected' && io.env.KEYGUARD_DEBUG && error instanceof Error && error.stack) io.stderr.write(`${error.stack}\n`);
  if (options.consequence) io.stderr.write(`  ${options.consequence}\n`);
  const failure = { message: described.message, ...(hint ? { hint } : {}), kind: described.kind };
  if (options.format === 'json') {
    const { formatJsonError } = await import('../report/json.js');
    io.stdout.write(formatJsonError(failure));
  } else if (options.format === 'sarif') {
    const { formatSarifError } = await import('../report/sarif.js');
    const { provenanceOf } = await import('../report/provenance.js');
    io.stdout.write(formatSarifError(failure, await provenanceOf({ cwd: io.cwd, env: io.env })));
  }
  return EXIT_ERROR;
}
