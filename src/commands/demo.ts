import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { redact } from '../detect/identity.js';
import { freshKeyId, freshSecret } from '../fake-keys.js';
import { packageRoot } from '../package-root.js';
import { styleFor } from '../report/style.js';
import { EXIT_CLEAN, EXIT_ERROR, type ExitCode, type Io } from './io.js';

function lectureNotes(keyId: string, secret: string): string {
  return [
    '# Cloud computing, lecture 3',
    '',
    'Set up the AWS CLI for the lab, then start an instance:',
    '',
    '```sh',
    '$ aws configure',
    `AWS Access Key ID [None]: ${keyId}`,
    `AWS Secret Access Key [None]: ${secret}`,
    'Default region name [None]: eu-west-1',
    '$ aws ec2 run-instances --image-id ami-0abcdef1234567890 --instance-type t3.micro',
    '```',
    '',
  ].join('\n');
}

/**
 * `keyguard demo`: a throwaway repository, a file with a freshly generated fake key pair, staged,
 * and a real `git commit` with keyguard as its pre-commit hook. The commit must be blocked.
 */
export async function demo(io: Io): Promise<ExitCode> {
  const style = styleFor(io.stderr, io.env);
  const say = (text = '') => io.stderr.write(`${text}\n`);
  const repo = mkdtempSync(join(tmpdir(), 'keyguard-demo-'));
  // The user's global git configuration must not change the outcome (a global core.hooksPath
  // would skip our hook), nor should a hook environment we may have been started from.
  const env: NodeJS.ProcessEnv = { ...io.env, GIT_CONFIG_NOSYSTEM: '1' };
  for (const name of ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_PREFIX', 'GIT_COMMON_DIR']) delete env[name];
  const git = (args: string[], inherit = false) =>
    spawnSync(
      'git',
      ['-c', `core.hooksPath=${join(repo, '.git', 'hooks')}`, '-c', 'user.name=keyguard demo', '-c', 'user.email=demo@keyguard.invalid', '-c', 'commit.gpgSign=false', ...args],
      { cwd: repo, env, stdio: inherit ? ['ignore', 'inherit', 'inherit'] : 'pipe', encoding: 'utf8' },
    );
  try {
    say(style.bold('keyguard demo: a commit with an AWS key pair in it, blocked before it exists'));
    say();
    if (git(['init', '--quiet']).status !== 0) {
      say('keyguard: the demo needs git, and `git init` failed here.');
      return EXIT_ERROR;
    }
    const hook = join(repo, '.git', 'hooks', 'pre-commit');
    mkdirSync(dirname(hook), { recursive: true });
    // The same launcher the installed hooks run, with this node first on PATH.
    const launcher = join(packageRoot(), 'hooks', 'keyguard.sh');
    writeFileSync(hook, `#!/bin/sh\nPATH="${dirname(process.execPath)}:$PATH" exec sh "${launcher}" pre-commit "$@"\n`);
    chmodSync(hook, 0o755);

    const keyId = freshKeyId();
    const secret = freshSecret();
    mkdirSync(join(repo, 'notes'));
    writeFileSync(join(repo, 'notes', 'lecture-3.md'), lectureNotes(keyId, secret));
    git(['add', 'notes/lecture-3.md']);
    say(`  1. Made a throwaway repository with keyguard as its pre-commit hook: ${repo}`);
    say(`  2. Wrote notes/lecture-3.md with a freshly generated fake key pair (${redact(keyId)} / ${redact(secret)}) and staged it.`);
    say('  3. Ran: git commit -m "Add lecture notes"');
    say();
    say(style.dim('---- what git commit printed ----'));
    const commit = git(['commit', '--quiet', '-m', 'Add lecture notes'], true);
    say(style.dim('---------------------------------'));
    const committed = git(['rev-parse', '--verify', '--quiet', 'HEAD']).status === 0;
    say();
    if (committed || commit.status === 0) {
      say(style.red('The commit went through: keyguard did not block it. Please report this.'));
      return EXIT_ERROR;
    }
    say(style.green(`git commit exited with ${commit.status}: the commit was blocked, and the repository has no commit.`));
    return EXIT_CLEAN;
  } finally {
    rmSync(repo, { recursive: true, force: true });
    say(style.dim('Removed the throwaway repository.'));
  }
}
