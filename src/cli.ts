import { readFileSync } from 'node:fs';
import { closest, parseOptions, requestedFormat, UsageError, type OptionSpecs, type ParsedValues } from './args.js';
import { BACKEND_CHOICES, backendFromEnv, type BackendChoice } from './git/open.js';
import { EXIT_CLEAN, EXIT_ERROR, type ExitCode, type Io } from './commands/io.js';
import { check, OUTPUT_FORMATS, type OutputFormat } from './commands/check.js';
import { VERSION } from './version.js';

/**
 * Argument parsing only: each command lives in src/commands/ and is loaded when it runs. Every
 * command takes --help/-h and --version/-v (on `check`, -v is --verbose, as it always was; its
 * --version is spelt out). The help text is cold code (src/commands/help.ts).
 */

const HELP = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean', short: 'v' } } as const satisfies OptionSpecs;
const HELP_CHECK = { help: { type: 'boolean', short: 'h' }, version: { type: 'boolean' } } as const satisfies OptionSpecs;

export const COMMAND_OPTIONS = {
  check: {
    files: { type: 'boolean' },
    all: { type: 'boolean' },
    history: { type: 'boolean' },
    'allow-shallow': { type: 'boolean' },
    format: { type: 'string', choices: OUTPUT_FORMATS },
    verbose: { type: 'boolean', short: 'v' },
    color: { type: 'boolean' },
    backend: { type: 'string', choices: BACKEND_CHOICES },
    ...HELP_CHECK,
  },
  ci: {
    range: { type: 'string', value: '<range>' },
    format: { type: 'string', choices: OUTPUT_FORMATS },
    output: { type: 'string', value: '<file>' },
    fail: { type: 'boolean' },
    'allow-shallow': { type: 'boolean' },
    wants: { type: 'boolean' },
    ...HELP,
  },
  'pre-receive': { ...HELP },
  baseline: { ...HELP },
  incident: {
    script: { type: 'boolean' },
    commit: { type: 'string', value: '<commit>' },
    collect: { type: 'boolean' },
    review: { type: 'string', value: '<folder>' },
    undo: { type: 'boolean' },
    reply: { type: 'boolean' },
    since: { type: 'string', value: '<time>' },
    format: { type: 'string', choices: ['text', 'json'] },
    ...HELP,
  },
  install: { quiet: { type: 'boolean' }, server: { type: 'string', value: '<bare repository>' }, ...HELP },
  uninstall: { ...HELP },
  doctor: { ...HELP },
  demo: { ...HELP },
  help: { ...HELP },
  version: { ...HELP },
} as const satisfies Record<string, OptionSpecs>;

export type CommandName = keyof typeof COMMAND_OPTIONS;
export const COMMANDS = Object.keys(COMMAND_OPTIONS) as CommandName[];

async function showHelp(io: Io, command?: CommandName): Promise<ExitCode> {
  const { helpText } = await import('./commands/help.js');
  io.stdout.write(helpText(command, io));
  return EXIT_CLEAN;
}

function parse<C extends CommandName>(command: C, args: string[], positionals = false) {
  return parseOptions(args, COMMAND_OPTIONS[command], command, { positionals });
}

/** --help and --version, which every command answers before doing anything else. */
async function answeredHelpOrVersion(command: CommandName, values: { help?: boolean; version?: boolean }, io: Io): Promise<ExitCode | undefined> {
  if (values.help) return showHelp(io, command);
  if (values.version) {
    io.stdout.write(`${VERSION}\n`);
    return EXIT_CLEAN;
  }
  return undefined;
}

async function runCheck(args: string[], io: Io): Promise<ExitCode> {
  const { values, positionals } = parse('check', args, true);
  const answered = await answeredHelpOrVersion('check', values, io);
  if (answered !== undefined) return answered;
  if ([values.files, values.all, values.history].filter(Boolean).length > 1) {
    throw new UsageError('--files, --all and --history cannot be combined.');
  }
  if (values.history && positionals.length > 1) throw new UsageError('--history takes one revision range at most.');
  if (values['allow-shallow'] && !values.history) throw new UsageError('--allow-shallow goes with --history.');
  if (!values.files && !values.history && positionals.length > 0) {
    throw new UsageError(`unexpected argument "${positionals[0]}" (to scan files: keyguard check --files <path>...).`);
  }
  if (values.files && positionals.length === 0) throw new UsageError('--files needs at least one path.');
  const backend = values.backend ?? backendFromEnv(io.env);
  if (backend === undefined) throw new UsageError(`KEYGUARD_BACKEND must be one of ${BACKEND_CHOICES.join(', ')} (got "${io.env.KEYGUARD_BACKEND}").`);
  return check(
    {
      scope: values.files ? 'files' : values.all ? 'all' : values.history ? 'history' : 'staged',
      files: values.files ? positionals : [],
      range: values.history ? positionals[0] : undefined,
      allowShallow: values['allow-shallow'] ?? false,
      format: (values.format ?? 'text') as OutputFormat,
      verbose: values.verbose ?? false,
      color: values.color ?? true,
      backend: backend as BackendChoice,
    },
    io,
  );
}

/** A command whose only options are --help and --version (and `extra`): its parsed values, or the answer already given. */
async function simpleCommand<C extends CommandName>(command: C, args: string[], io: Io): Promise<ParsedValues<(typeof COMMAND_OPTIONS)[C]> | ExitCode> {
  const { values } = parse(command, args);
  const answered = await answeredHelpOrVersion(command, values as { help?: boolean; version?: boolean }, io);
  return answered ?? values;
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
          return await check({ scope: 'staged', files: [], format: 'text', verbose: false, color: true, backend, presetDiff, fromHook: true }, io);
        }
        const { hook } = await import('./commands/hook.js');
        return await hook(name, args, io);
      }
      case 'ci': {
        const { values } = parse('ci', rest);
        const answered = await answeredHelpOrVersion('ci', values, io);
        if (answered !== undefined) return answered;
        const { ciCommand } = await import('./commands/ci.js');
        return await ciCommand(
          {
            range: values.range,
            format: (values.format ?? 'sarif') as OutputFormat,
            output: values.output,
            fail: values.fail ?? true,
            allowShallow: values['allow-shallow'] ?? false,
            wants: values.wants ?? false,
          },
          io,
        );
      }
      case 'pre-receive': {
        const values = await simpleCommand('pre-receive', rest, io);
        if (typeof values === 'number') return values;
        const { preReceiveCommand } = await import('./commands/pre-receive.js');
        return await preReceiveCommand(io);
      }
      case 'install': {
        const values = await simpleCommand('install', rest, io);
        if (typeof values === 'number') return values;
        if (values.server !== undefined) {
          if (values.quiet) throw new UsageError('--quiet goes with the project hooks, not with --server.');
          const { installServerCommand } = await import('./commands/install.js');
          return await installServerCommand(io, values.server);
        }
        const { installCommand } = await import('./commands/install.js');
        return await installCommand(io, values.quiet ?? false);
      }
      case 'uninstall': {
        const values = await simpleCommand('uninstall', rest, io);
        if (typeof values === 'number') return values;
        const { uninstallCommand } = await import('./commands/install.js');
        return await uninstallCommand(io);
      }
      case 'baseline': {
        const values = await simpleCommand('baseline', rest, io);
        if (typeof values === 'number') return values;
        const { baselineCommand } = await import('./commands/baseline.js');
        return await baselineCommand(io);
      }
      case 'incident': {
        const { values, positionals } = parse('incident', rest, true);
        const answered = await answeredHelpOrVersion('incident', values, io);
        if (answered !== undefined) return answered;
        const reviewing = values.review !== undefined;
        if (positionals.length > 1 || (!reviewing && positionals.length !== 1)) {
          throw new UsageError('incident takes one access key ID, or the path:line keyguard reported (or --review <folder>).');
        }
        if (!reviewing && (values.undo || values.reply || values.since !== undefined || values.format !== undefined)) {
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
            format: (values.format ?? 'text') as 'text' | 'json',
            since: values.since,
          },
          io,
        );
      }
      case 'doctor': {
        const values = await simpleCommand('doctor', rest, io);
        if (typeof values === 'number') return values;
        const { doctorCommand } = await import('./commands/doctor.js');
        return await doctorCommand(io);
      }
      case 'demo': {
        const values = await simpleCommand('demo', rest, io);
        if (typeof values === 'number') return values;
        const { demo } = await import('./commands/demo.js');
        return await demo(io);
      }
      case '--version':
      case '-v':
      case '-V':
      case 'version': {
        const values = await simpleCommand('version', rest, io);
        if (typeof values === 'number') return values;
        io.stdout.write(`${VERSION}\n`);
        return EXIT_CLEAN;
      }
      case undefined:
      case '--help':
      case '-h':
        return await showHelp(io);
      case 'help': {
        const { positionals } = parse('help', rest, true);
        const topic = positionals[0];
        if (topic === undefined) return await showHelp(io);
        if (positionals.length > 1 || !(COMMANDS as string[]).includes(topic)) {
          throw new UsageError(`there is no command "${topic}"${suggestCommand(topic)}.`);
        }
        return await showHelp(io, topic as CommandName);
      }
      default:
        throw new UsageError(
          command.startsWith('-') ? `unknown option ${command}${suggestOption(command)}.` : `unknown command "${command}"${suggestCommand(command)}.`,
        );
    }
  } catch (error) {
    if (error instanceof UsageError) return usageFailure(io, error, command, rest);
    throw error;
  }
}

function suggestCommand(word: string): string {
  const match = closest(word, COMMANDS);
  return match ? ` (did you mean ${match}?)` : '';
}

/** An option given where a command was expected (`keyguard --format json`): the command it belongs to. */
function suggestOption(option: string): string {
  const name = option.replace(/^-+/, '').replace(/=.*$/, '');
  const owner = COMMANDS.find((command) => name in COMMAND_OPTIONS[command] && name !== 'help' && name !== 'version');
  return owner ? ` (options go after the command: keyguard ${owner} ${option})` : '';
}

/** Bad usage: one line that says what, one that says where to look; in JSON or SARIF too when that format was asked for. */
async function usageFailure(io: Io, error: UsageError, command: string | undefined, args: string[]): Promise<ExitCode> {
  const known = command !== undefined && (COMMANDS as string[]).includes(command);
  const hint = error.hint ?? `Run \`keyguard ${known && command !== 'help' ? `${command} --help` : 'help'}\` for usage.`;
  const { reportError } = await import('./commands/errors.js');
  return reportError(io, error, { hint, format: requestedFormat(args) });
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
    process.exitCode = await reportError(io, error, { format: requestedFormat(process.argv.slice(3)) });
  }
}
