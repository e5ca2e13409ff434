import { afterEach } from 'vitest';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Real git in temporary folders, isolated from the machine's git configuration and from any hook environment. */

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const KEYGUARD_BIN = join(PROJECT_ROOT, 'bin', 'keyguard.js');
export const KEYGUARD_LAUNCHER = join(PROJECT_ROOT, 'hooks', 'keyguard.sh');

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

const scratch = mkdtempSync(join(tmpdir(), 'keyguard-test-config-'));
const globalConfig = join(scratch, 'gitconfig');
writeFileSync(
  globalConfig,
  [
    '[init]',
    '\tdefaultBranch = main',
    '[commit]',
    '\tgpgSign = false',
    '[advice]',
    '\tdetachedHead = false',
    '[protocol "file"]',
    '\tallow = always',
    '',
  ].join('\n'),
);

/**
 * The test process's environment without anything that would point git elsewhere: tests may run
 * inside a hook (which exports GIT_DIR, GIT_INDEX_FILE), and a developer's global config may set
 * core.hooksPath; a CI machine's CI=true would make the postinstall skip. Identity is fixed so that
 * commits work on a fresh CI machine.
 */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^(GIT_|KEYGUARD_|HUSKY|NO_COLOR|FORCE_COLOR|INIT_CWD|npm_)/.test(name)) continue;
    // A CI machine sets CI=true (and may set NODE_ENV), which rightly makes the postinstall skip:
    // tests that want that say so themselves.
    if (name === 'CI' || name === 'NODE_ENV') continue;
    env[name] = value;
  }
  return {
    ...env,
    // husky sources $XDG_CONFIG_HOME/husky/init.sh before every hook: not the developer's own.
    XDG_CONFIG_HOME: join(scratch, 'xdg'),
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: globalConfig,
    GIT_AUTHOR_NAME: 'Test Author',
    GIT_AUTHOR_EMAIL: 'author@example.invalid',
    GIT_COMMITTER_NAME: 'Test Author',
    GIT_COMMITTER_EMAIL: 'author@example.invalid',
    ...extra,
  };
}

function asResult(result: SpawnSyncReturns<string>): RunResult {
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, input?: string): RunResult {
  return asResult(spawnSync(command, args, { cwd, env, encoding: 'utf8', input, maxBuffer: 256 * 1024 * 1024 }));
}

export class Sandbox {
  readonly env: NodeJS.ProcessEnv;

  private constructor(
    readonly dir: string,
    extraEnv: NodeJS.ProcessEnv,
  ) {
    this.env = cleanEnv(extraEnv);
  }

  /** A fresh repository (`git init`) in a new temporary folder. */
  static create(options: { env?: NodeJS.ProcessEnv; init?: string[] } = {}): Sandbox {
    const dir = mkdtempSync(join(tmpdir(), 'keyguard-test-'));
    const sandbox = new Sandbox(dir, options.env ?? {});
    sandbox.gitOk('init', '--quiet', ...(options.init ?? []));
    return sandbox;
  }

  /** A folder without a repository. */
  static empty(options: { env?: NodeJS.ProcessEnv } = {}): Sandbox {
    return new Sandbox(mkdtempSync(join(tmpdir(), 'keyguard-test-')), options.env ?? {});
  }

  /** A bare repository: a remote to push to. */
  static bare(): Sandbox {
    const sandbox = Sandbox.empty();
    const init = run('git', ['init', '--quiet', '--bare', sandbox.dir], sandbox.dir, sandbox.env);
    if (init.status !== 0) throw new Error(`git init --bare failed:\n${init.stderr}`);
    return sandbox;
  }

  path(...parts: string[]): string {
    return join(this.dir, ...parts);
  }

  write(path: string, content: string | Buffer): this {
    const full = this.path(path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    return this;
  }

  git(...args: string[]): RunResult {
    return run('git', args, this.dir, this.env);
  }

  gitIn(cwd: string, ...args: string[]): RunResult {
    return run('git', args, cwd, this.env);
  }

  /** Runs git and fails the test with git's own words when it fails. */
  gitOk(...args: string[]): string {
    const result = this.git(...args);
    if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed (${result.status}):\n${result.stderr}${result.stdout}`);
    return result.stdout;
  }

  /** Writes .git/hooks/<name> running keyguard through its hook launcher, as installed hooks do. */
  installHook(hooksDir = this.path('.git', 'hooks'), names: string[] = ['pre-commit']): this {
    mkdirSync(hooksDir, { recursive: true });
    for (const name of names) {
      const hook = join(hooksDir, name);
      writeFileSync(hook, `#!/bin/sh\nexec sh "${KEYGUARD_LAUNCHER}" ${name} "$@"\n`);
      chmodSync(hook, 0o755);
    }
    return this;
  }

  keyguard(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string } = {}): RunResult {
    return run(process.execPath, [KEYGUARD_BIN, ...args], options.cwd ?? this.dir, { ...this.env, ...options.env }, options.input);
  }

  /** `keyguard check --format json` parsed. */
  findings(args: string[] = [], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { status: number | null; findings: JsonFinding[]; stderr: string } {
    const result = this.keyguard(['check', '--format', 'json', ...args], options);
    const parsed = result.stdout ? (JSON.parse(result.stdout) as { findings: JsonFinding[] }) : { findings: [] };
    return { status: result.status, findings: parsed.findings, stderr: result.stderr };
  }

  npm(...args: string[]): RunResult {
    return run('npm', ['--no-audit', '--no-fund', ...args], this.dir, this.env);
  }

  npx(...args: string[]): RunResult {
    return run('npx', ['--no-install', ...args], this.dir, this.env);
  }

  hasCommits(): boolean {
    return this.git('rev-parse', '--verify', '--quiet', 'HEAD').status === 0;
  }

  commitCount(): number {
    const result = this.git('rev-list', '--count', 'HEAD');
    return result.status === 0 ? Number(result.stdout.trim()) : 0;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface JsonFinding {
  path: string;
  line: number;
  column: number;
  kind: 'access-key-id' | 'secret-access-key' | 'session-token';
  redacted: string;
  fingerprint: string;
  accountId?: string;
  encoding?: string;
  commit?: string;
  exposure?: 'staged' | 'partial' | 'committed' | 'pushed' | 'unknown';
  commits?: string[];
  remoteRefs?: string[];
  remotes?: { remote: string; refs: string[] }[];
  commitsSearched?: number;
  commitsInHistory?: number;
  filesNotSearched?: number;
  exposureNote?: string;
}

export function makeExecutable(path: string): void {
  chmodSync(path, 0o755);
}

/**
 * Sandboxes removed after each test of the file that calls this (at its top level):
 * `const track = trackSandboxes();` then `const repo = track(Sandbox.create());`.
 */
export function trackSandboxes(): <T extends Sandbox>(sandbox: T) => T {
  const sandboxes: Sandbox[] = [];
  afterEach(() => {
    for (const sandbox of sandboxes.splice(0)) sandbox.remove();
  });
  return (sandbox) => {
    sandboxes.push(sandbox);
    return sandbox;
  };
}
