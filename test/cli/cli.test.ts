import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_OPTIONS, COMMANDS, type CommandName } from '../../src/cli.js';
import { documentedOptions } from '../../src/commands/help.js';
import { freshKeyId } from '../../src/fake-keys.js';
import { Sandbox } from '../support/sandbox.js';

/** One CLI, the same everywhere: errors, exit codes, help, version, suggestions, widths. */

let outside: Sandbox;
let repo: Sandbox;
beforeAll(() => {
  outside = Sandbox.empty();
  repo = Sandbox.create();
  repo.write('README.md', '# r\n').gitOk('add', '.');
  repo.gitOk('commit', '-m', 'init');
});
afterAll(() => {
  outside.remove();
  repo.remove();
});

const USER_COMMANDS = COMMANDS.filter((c) => c !== 'version' && c !== 'help');

describe('errors in JSON and SARIF', () => {
  it('--format json: an error is {"error": {...}} on stdout, exit 2', () => {
    const result = outside.keyguard(['check', '--format', 'json']);
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { kind: 'repository', message: 'this is not inside a git repository.', hint: expect.stringContaining('keyguard check --files'), exitCode: 2 },
    });
    const usage = repo.keyguard(['check', '--format=json', '--histroy']);
    expect(usage.status).toBe(2);
    expect(JSON.parse(usage.stdout).error).toMatchObject({ kind: 'usage', message: 'check has no option --histroy (did you mean --history?).' });
  });

  it('--format sarif: an error is a SARIF run whose invocation failed, with the message', () => {
    const result = outside.keyguard(['check', '--history', '--format', 'sarif']);
    expect(result.status).toBe(2);
    const sarif = JSON.parse(result.stdout);
    expect(sarif.version).toBe('2.1.0');
    expect(sarif.runs[0].results).toEqual([]);
    expect(sarif.runs[0].invocations[0]).toMatchObject({
      executionSuccessful: false,
      exitCode: 2,
      toolExecutionNotifications: [{ level: 'error', message: { text: expect.stringContaining('not inside a git repository') } }],
    });
  });

  it('a configuration error is a JSON document too, and run by hand it does not say a commit is blocked', () => {
    const configured = Sandbox.create();
    try {
      configured.write('keyguard.config.json', '{ "ignore": [] }\n').write('a.txt', 'a\n').gitOk('add', '.');
      const manual = configured.keyguard(['check', '--format', 'json']);
      expect(manual.status).toBe(2);
      expect(JSON.parse(manual.stdout).error.message).toBe('keyguard.config.json: unknown key "ignore".');
      expect(manual.stderr).not.toContain('commit is blocked');
      const hook = configured.keyguard(['hook', 'pre-commit']);
      expect(hook.status).toBe(2);
      expect(hook.stderr).toContain('The commit is blocked');
    } finally {
      configured.remove();
    }
  });

  it('incident --review --format json: a folder that cannot be read is a JSON error too', () => {
    const result = repo.keyguard(['incident', '--review', 'no-such-folder', '--format', 'json']);
    expect(result.status).toBe(2);
    expect(JSON.parse(result.stdout).error).toMatchObject({ kind: 'input', message: expect.stringContaining('no-such-folder') });
  });
});

describe('exit codes', () => {
  it.each([['check'], ['check', '--all'], ['check', '--history'], ['install'], ['uninstall'], ['doctor'], ['baseline'], ['ci']])(
    '`keyguard %s` outside a repository: exit 2 with one line',
    (...args) => {
      const result = outside.keyguard(args, { env: { GITHUB_ACTIONS: '', GITLAB_CI: '' } });
      expect(result.status, result.stderr).toBe(2);
      expect(result.stderr).toMatch(/^keyguard( doctor)?: .*not inside a git repository/);
      expect(result.stderr).not.toContain('commit is blocked');
    },
  );

  it('install --quiet still exits 0 outside a repository (npm install must not fail)', () => {
    expect(outside.keyguard(['install', '--quiet']).status).toBe(0);
  });

  it('incident with something that is not a key: exit 2', () => {
    expect(repo.keyguard(['incident', 'not-a-key']).status).toBe(2);
  });
});

describe('usage', () => {
  it.each([
    [['chekc'], 'unknown command "chekc" (did you mean check?).'],
    [['check', '--formt', 'json'], 'check has no option --formt (did you mean --format?).'],
    [['check', '--format', 'sarf'], '--format must be one of text, json, sarif (got "sarf") (did you mean sarif?).'],
    [['install', '--quite'], 'install has no option --quite (did you mean --quiet?).'],
    [['doctor', '--verbose'], 'doctor has no option --verbose.'],
    [['--format', 'json'], 'unknown option --format (options go after the command: keyguard check --format).'],
    [['incident', '--reveiw', 'x'], 'incident has no option --reveiw (did you mean --review?).'],
    [['check', '--format'], '--format needs one of text, json, sarif.'],
    [['help', 'chek'], 'there is no command "chek" (did you mean check?).'],
  ])('keyguard %j: one line and a suggestion, never node\'s parser text', (args, message) => {
    const result = repo.keyguard(args);
    expect(result.status).toBe(2);
    const [first, second, ...rest] = result.stderr.split('\n');
    expect(first).toBe(`keyguard: ${message}`);
    expect(second).toMatch(/^ {2}Run `keyguard .*` for (usage|its options)\.$/);
    expect(rest.join('')).toBe('');
    expect(result.stderr).not.toMatch(/ERR_PARSE_ARGS|To specify a positional argument/);
  });

  it.each(USER_COMMANDS)('keyguard %s --help / -h prints its usage; --version prints the version', (command) => {
    for (const flag of ['--help', '-h']) {
      const help = repo.keyguard([command, flag]);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain(`keyguard ${command}`);
      expect(help.stdout).toContain('--help, -h');
    }
    const version = repo.keyguard([command, '--version']);
    expect(version.status).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('-v is --version on every command but check, where it stays --verbose (as it always was)', () => {
    for (const command of USER_COMMANDS.filter((c) => c !== 'check')) expect(repo.keyguard([command, '-v']).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    for (const args of [['-v'], ['--version'], ['version']]) expect(repo.keyguard(args).stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
    const verbose = repo.keyguard(['check', '-v']);
    expect(verbose.status).toBe(0);
    expect(verbose.stderr).toContain('keyguard: no AWS credentials found; scanned');
  });

  it('every option a command accepts is in its help, and the help lists no option it does not accept', () => {
    for (const command of COMMANDS as CommandName[]) {
      const accepted = Object.keys(COMMAND_OPTIONS[command]).map((name) => `--${name}`);
      const documented = documentedOptions(command);
      const negatable = (name: string) => name.startsWith('--no-') && accepted.includes(`--${name.slice(5)}`);
      for (const option of documented) expect(accepted.includes(option) || negatable(option), `${command} ${option}`).toBe(true);
      for (const option of accepted) {
        if (option === '--color' || option === '--fail') continue; // documented as --no-color, --no-fail
        expect(documented, `${command} ${option}`).toContain(option);
      }
    }
  });
});

describe('text fits the terminal', () => {
  const widest = (text: string) => Math.max(...text.split('\n').map((line) => line.length));

  it('help wraps to COLUMNS, and to 80 when it is not known', () => {
    expect(widest(repo.keyguard(['help'], { env: { COLUMNS: '60' } }).stdout)).toBeLessThanOrEqual(60);
    expect(widest(repo.keyguard(['check', '--help'], { env: { COLUMNS: '50' } }).stdout)).toBeLessThanOrEqual(50);
    const unknown = repo.keyguard(['help'], { env: { COLUMNS: '' } }).stdout;
    expect(widest(unknown)).toBeLessThanOrEqual(80);
    expect(widest(unknown)).toBeGreaterThan(70);
  });

  it('incident wraps its prose to COLUMNS (commands and URLs stay whole, to be copied)', () => {
    const plan = repo.keyguard(['incident', freshKeyId()], { env: { COLUMNS: '60' } }).stdout;
    const prose = plan.split('\n#!/bin/sh')[0]!.split('\n').filter((line) => !/^ {5}\S/.test(line) && !/https?:\/\//.test(line));
    for (const line of prose) expect(line.length, line).toBeLessThanOrEqual(60);
  });
});
