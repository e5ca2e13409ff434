import type { CommandName } from '../cli.js';
import { wrap } from '../report/labels.js';
import { terminalWidth } from '../report/width.js';
import { VERSION } from '../version.js';
import type { Io } from './io.js';

/** One line of the help: what to type, and what it does. */
type Entry = [usage: string, description: string];

interface CommandHelp {
  usage: Entry[];
  options?: Entry[];
  notes?: string[];
}

const HELP_OPTIONS: Entry[] = [
  ['--help, -h', 'this help'],
  ['--version, -v', 'print keyguard\'s version'],
];

const HELP: Record<CommandName, CommandHelp> = {
  check: {
    usage: [
      ['keyguard check', 'scan what is staged for the next commit (what the pre-commit hook runs)'],
      ['keyguard check --files <path>...', 'scan these files (staged version if tracked, else from disk); a folder: every file below it git does not ignore'],
      ['keyguard check --all', 'scan every tracked file'],
      ['keyguard check --history [<range>]', 'scan every commit reachable from HEAD, or a range (origin/main..HEAD)'],
    ],
    options: [
      ['--format text|json|sarif', 'report format on stdout (text: the report for people, on stderr only); an error is a JSON or SARIF document too'],
      ['--verbose, -v', 'also say what was scanned (files, bytes, what was skipped) and each finding\'s fingerprint'],
      ['--allow-shallow', 'with --history in a shallow clone: scan the commits that are there instead of stopping (exit 2)'],
      ['--no-color', 'no colours (also: NO_COLOR=1; colours only ever on a terminal)'],
      ['--backend auto|git|isomorphic-git', 'how to read the repository (default auto: git if installed; also KEYGUARD_BACKEND)'],
      ['--help, -h', 'this help'],
      ['--version', 'print keyguard\'s version (on check, -v is --verbose)'],
    ],
  },
  ci: {
    usage: [['keyguard ci', 'in CI: scan what the pipeline\'s event adds (GitHub Actions, GitLab CI, or KEYGUARD_BASE..KEYGUARD_HEAD), write the report'],],
    options: [
      ['--range <range>', 'scan this range instead of the one the event gives (HEAD: the whole history)'],
      ['--format sarif|json|text', 'format of the report file (default sarif)'],
      ['--output <file>', 'where to write the report (default keyguard.sarif or keyguard.json; none for text)'],
      ['--no-fail', 'exit 0 when credentials are found (errors still exit 2)'],
      ['--allow-shallow', 'in a shallow clone, scan the commits that are there instead of stopping'],
      ['--wants', 'print the commits and refs the scan needs that this clone lacks (for `git fetch`), and exit'],
      ...HELP_OPTIONS,
    ],
    notes: ['GitHub Actions also gets a job summary ($GITHUB_STEP_SUMMARY) and step outputs ($GITHUB_OUTPUT).'],
  },
  'pre-receive': {
    usage: [['keyguard pre-receive', 'the server-side hook: reads git\'s pre-receive input and rejects a push that adds credentials']],
    options: HELP_OPTIONS,
    notes: ['Set up with: keyguard install --server <bare repository>'],
  },
  baseline: {
    usage: [['keyguard baseline', 'record what the repository already contains, so only new keys block']],
    options: HELP_OPTIONS,
  },
  incident: {
    usage: [
      ['keyguard incident <key ID | path:line>', 'the full plan for a key that escaped, and a script to check every region'],
      ['keyguard incident <key ID> --collect', 'a script (read-only AWS CLI calls) that collects what the key did, into a folder'],
      ['keyguard incident --review <folder>', 'what the collected files show the key did, the commands that undo it, and a draft reply to AWS support'],
    ],
    options: [
      ['--commit <commit>', 'with path:line: read the file as it is in this commit'],
      ['--script', 'print only the script that checks every region'],
      ['--undo', 'with --review: print only the undo script'],
      ['--reply', 'with --review: print only the draft reply to AWS support'],
      ['--collect', 'with --review: print only the next round\'s collect script (the credentials made from the key)'],
      ['--format json', 'with --review: the whole review as JSON'],
      ['--since <time>', 'with --review: leave out events before this time (2026-03-01T21:00:00Z): your own use of the key'],
      ...HELP_OPTIONS,
    ],
    notes: ['Exit code 2 when a collected file is missing, failed or malformed (the review lists them).'],
  },
  install: {
    usage: [
      ['keyguard install [--quiet]', 'set up the git hooks (husky) in this project, for every clone'],
      ['keyguard install --server <bare repository>', 'write the pre-receive hook into a server\'s repository (or into a pre-receive.d folder)'],
    ],
    options: [['--quiet', 'one line at most, and exit 0 even when the hooks cannot be set up (what the prepare script runs)'], ...HELP_OPTIONS],
  },
  uninstall: { usage: [['keyguard uninstall', 'remove exactly what install added']], options: HELP_OPTIONS },
  doctor: { usage: [['keyguard doctor', 'say whether this clone is protected, and how to fix it']], options: HELP_OPTIONS },
  demo: { usage: [['keyguard demo', 'show a commit with a fresh fake key being blocked']], options: HELP_OPTIONS },
  help: { usage: [['keyguard help [<command>]', 'this text, or one command\'s']], options: HELP_OPTIONS },
  version: { usage: [['keyguard --version, -v', 'print keyguard\'s version']], options: HELP_OPTIONS },
};

const ORDER: CommandName[] = ['check', 'ci', 'pre-receive', 'baseline', 'incident', 'install', 'uninstall', 'doctor', 'demo', 'help'];

const EXIT_CODES =
  'Exit codes: 0 nothing found, 1 credentials found (a commit or push is blocked), 2 keyguard could not do its job ' +
  '(unreadable repository, shallow history, bad usage): a hook blocks then too.';

/**
 * Two columns, wrapped to `width`: what to type on the left, what it does on the right; when the
 * left column would leave the right one too narrow, the description goes below, indented.
 */
function table(entries: Entry[], width: number): string[] {
  const left = Math.min(Math.max(...entries.map(([usage]) => usage.length)) + 2, 40);
  const lines: string[] = [];
  for (const [usage, description] of entries) {
    if (width - left - 2 < 30 || usage.length + 2 > left) {
      lines.push(`  ${usage}`);
      lines.push(wrap(description, width, '      ', '      '));
    } else {
      lines.push(wrap(description, width, `  ${usage.padEnd(left)}`, ' '.repeat(left + 2)));
    }
  }
  return lines;
}

/** `keyguard help`, or one command's help (`keyguard check --help`), wrapped to the terminal's width. */
export function helpText(command: CommandName | undefined, io: Io): string {
  const width = terminalWidth(io.stdout, io.env);
  const out: string[] = [];
  if (command === undefined) {
    out.push(wrap(`keyguard ${VERSION}: keeps AWS credentials out of git.`, width), '', 'Usage:');
    out.push(...table(ORDER.flatMap((name) => HELP[name].usage), width));
    out.push('', wrap('Every command takes --help (-h) and --version (-v; on check, -v is --verbose). `keyguard <command> --help` lists its options.', width));
    out.push('', 'Options for check:', ...table(HELP.check.options!, width));
  } else {
    const help = HELP[command];
    out.push('Usage:', ...table(help.usage, width));
    if (help.options?.length) out.push('', 'Options:', ...table(help.options, width));
    for (const note of help.notes ?? []) out.push('', wrap(note, width));
  }
  out.push('', wrap(EXIT_CODES, width));
  return `${out.join('\n')}\n`;
}

/** The options each command's help names (for the test that holds them and the parser together). */
export function documentedOptions(command: CommandName): string[] {
  return [...HELP[command].usage, ...(HELP[command].options ?? [])].flatMap(([usage]) => usage.match(/--[a-z-]+/g) ?? []);
}
