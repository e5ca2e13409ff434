import { readFileSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { BACKEND_CHOICES, backendFromEnv, type BackendChoice } from './git/open.js';
import { EXIT_CLEAN, EXIT_ERROR, type ExitCode, type Io } from './commands/io.js';
import { check, OUTPUT_FORMATS, type OutputFormat } from './commands/check.js';
import { VERSION } from './version.js';

/** Argument parsing only: each command lives in src/commands/ and is loaded when it runs. */

const USAGE = `keyguard ${VERSION}: keeps AWS credentials out of git.

Usage:
  keyguard check [options]              scan what is staged for the next commit (the pre-commit hook)
  keyguard check --files <path>...      scan these files (staged version if tracked, else from disk)
  keyguard check --all                  scan every tracked file
  keyguard check --history [<range>]    scan every commit reachable from HEAD, or a range (origin/main..HEAD)
  keyguard baseline                     record what the repository already contains, so only new keys block
  keyguard incident <key ID | path:line> the full plan for a key that escaped, and a script to check every region
  keyguard incident <key ID> --collect  a script (read-only AWS CLI calls) that collects what the key did, into a folder
  keyguard incident --review <folder>   what the collected files show the key did, the commands that undo it,
                                        and a draft reply to AWS support
  keyguard install [--quiet]            set up the git hooks (husky) in this project, for every clone
  keyguard uninstall                    remove exactly what install added
  keyguard doctor                       say whether this clone is protected, and how to fix it
  keyguard demo                         show a commit with a fresh fake key being blocked
  keyguard help                         this text

Options for check:
  --format text|json|sarif   report format on stdout (text: people's report on stderr only)
  --verbose, -v              also say what was scanned (files, bytes, what was skipped)
  --no-color                 no colours (also: NO_COLOR=1; colours only ever on a terminal)
  --backend auto|git|isomorphic-git
                             how to read the repository (default auto: git if installed)

Options for incident --review <folder>:
  --undo                     print only the undo script     --reply   only the draft reply to AWS support
  --collect                  print only the next round's collect script (the credentials made from the key)
  --format json              the whole review as JSON
  --since <time>             leave out events before this time (2026-03-01T21:00:00Z): your own use of the key
  Exit code 2 when a collected file is missing, failed or malformed (the review lists them).

Exit codes: 0 nothing found, 1 credentials found (the commit is blocked), 2 error
(keyguard could not read what is staged, bad usage): the commit is blocked too.
`;

const CHECK_OPTIONS = {
  files: { type: 'boolean' },
  all: { type: 'boolean' },
  history: { type: 'boolean' },
  format: { type: 'string', default: 'text' },
  verbose: { type: 'boolean', short: 'v' },
  color: { type: 'boolean', default: true },
  'no-color': { type: 'boolean' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

const INCIDENT_OPTIONS = {
  script: { type: 'boolean' },
  commit: { type: 'string' },
  collect: { type: 'boolean' },
  review: { type: 'string' },
  undo: { type: 'boolean' },
  reply: { type: 'boolean' },
  since: { type: 'string' },
  format: { type: 'string', default: 'text' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies ParseArgsConfig['options'];

class UsageError extends Error {}

function oneOf<T extends string>(value: string, allowed: readonly T[], option: string): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new UsageError(`--${option} must be one of ${allowed.join(', ')} (got "${value}").`);
}

async function runCheck(args: string[], io: Io): Promise<ExitCode> {
  const { values, positionals } = parseArgs({ args, options: CHECK_OPTIONS, allowPositionals: true, strict: true });
  if (values.help) {
    io.stdout.write(USAGE);
    return EXIT_CLEAN;
  }
  if ([values.files, values.all, values.history].filter(Boolean).length > 1) {
    throw new UsageError('--files, --all and --history cannot be combined.');
  }
  if (values.history && positionals.length > 1) throw new UsageError('--history takes one revision range at most.');
  if (!values.files && !values.history && positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}" (to scan files: keyguard check --files <path>...).`);
  }
  if (values.files && positionals.length === 0) throw new UsageError('--files needs at least one path.');
  const backend = oneOf<BackendChoice>(values.backend ?? backendFromEnv(io.env) ?? String(io.env.KEYGUARD_BACKEND), BACKEND_CHOICES, 'backend');
  return check(
    {
      scope: values.files ? 'files' : values.all ? 'all' : values.history ? 'history' : 'staged',
      files: values.files ? positionals : [],
      range: values.history ? positionals[0] : undefined,
      format: oneOf<OutputFormat>(values.format, OUTPUT_FORMATS, 'format'),
      verbose: values.verbose ?? false,
      color: values.color && !values['no-color'],
      backend,
    },
    io,
  );
}

/** The boolean flags a simple command takes; any other argument is a usage error. */
function flagsOf(args: string[], allowed: string[] = []): Set<string> {
  const options = Object.fromEntries(allowed.map((name) => [name, { type: 'boolean' as const }]));
  const { values } = parseArgs({ args, options, strict: true });
  return new Set(Object.keys(values).filter((name) => values[name] === true));
}

export async function main(argv: string[], io: HookAwareIo): Promise<ExitCode> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await runCheck(rest, io);
      case 'hook': {
        const [name, ...args] = rest;
        // The pre-commit hook is the hot path: it goes straight to check, loading nothing more,
        // with the staged diff its launcher read while node was starting.
        if (name === 'pre-commit' || name === 'pre-merge-commit') {
          const presetDiff = args.includes('--staged-diff-on-stdin') ? await io.readStdinBytes() : undefined;
          const backend = backendFromEnv(io.env) ?? 'auto';
          return await check({ scope: 'staged', files: [], format: 'text', verbose: false, color: true, backend, presetDiff }, io);
        }
        const { hook } = await import('./commands/hook.js');
        return await hook(name, args, io);
      }
      case 'install': {
        const flags = flagsOf(rest, ['quiet']);
        const { installCommand } = await import('./commands/install.js');
        return await installCommand(io, flags.has('quiet'));
      }
      case 'uninstall': {
        flagsOf(rest);
        const { uninstallCommand } = await import('./commands/install.js');
        return await uninstallCommand(io);
      }
      case 'baseline': {
        flagsOf(rest);
        const { baselineCommand } = await import('./commands/baseline.js');
        return await baselineCommand(io);
      }
      case 'incident': {
        const { values, positionals } = parseArgs({ args: rest, options: INCIDENT_OPTIONS, allowPositionals: true, strict: true });
        if (values.help) {
          io.stdout.write(USAGE);
          return EXIT_CLEAN;
        }
        const reviewing = values.review !== undefined;
        if (positionals.length > 1 || (!reviewing && positionals.length !== 1)) {
          throw new UsageError('incident takes one access key ID, or the path:line keyguard reported (or --review <folder>).');
        }
        if (!reviewing && (values.undo || values.reply || values.since !== undefined || values.format !== 'text')) {
          throw new UsageError('--undo, --reply, --since and --format go with --review <folder>.');
        }
        if (values.script && (values.collect || reviewing)) throw new UsageError('--script cannot be combined with --collect or --review.');
        const { incident } = await import('./commands/incident.js');
        return await incident(
          {
            target: positionals[0],
            commit: values.commit,
            scriptOnly: values.script ?? false,
            collect: values.collect ?? false,
            review: values.review,
            undo: values.undo ?? false,
            reply: values.reply ?? false,
            format: oneOf<'text' | 'json'>(values.format, ['text', 'json'], 'format'),
            since: values.since,
          },
          io,
        );
      }
      case 'doctor': {
        flagsOf(rest);
        const { doctorCommand } = await import('./commands/doctor.js');
        return await doctorCommand(io);
      }
      case 'demo': {
        const { demo } = await import('./commands/demo.js');
        return await demo(io);
      }
      case '--version':
      case '-V':
      case 'version':
        io.stdout.write(`${VERSION}\n`);
        return EXIT_CLEAN;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE);
        return EXIT_CLEAN;
      default:
        throw new UsageError(`unknown command "${command}".`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.stderr.write(`keyguard: ${(error as Error).message}\n  Run \`keyguard help\` for usage.\n`);
      return EXIT_ERROR;
    }
    throw error;
  }
}

export interface HookAwareIo extends Io {
  readStdin(): Promise<string>;
  readStdinBytes(): Promise<Buffer>;
}

/** All of stdin, read synchronously from the descriptor: process.stdin would load the stream machinery, milliseconds the hook does not need to spend. */
async function readStdinBytes(): Promise<Buffer> {
  try {
    return readFileSync(0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EAGAIN' || (error as NodeJS.ErrnoException).code === 'EOF') return Buffer.alloc(0);
    throw error;
  }
}

const readStdin = () => readStdinBytes().then((bytes) => bytes.toString('utf8'));

/** Entry point for bin/keyguard.js. Sets the exit code rather than exiting, so piped output is never cut short. */
export async function run(): Promise<void> {
  const io: HookAwareIo = { cwd: process.cwd(), env: process.env, stdout: process.stdout, stderr: process.stderr, readStdin, readStdinBytes };
  try {
    process.exitCode = await main(process.argv.slice(2), io);
  } catch (error) {
    const { reportError } = await import('./commands/errors.js');
    process.exitCode = reportError(io, error);
  }
}
