import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { interleaved, median, peakRss } from './measure.js';
import { appendCommits } from './synthetic-repo.js';

/**
 * The server hook on a push of many new commits: a bare copy of the synthetic repository with
 * keyguard's pre-receive hook (`keyguard install --server`), another without it, and a clone that
 * pushes `commits` new commits (one to three files changed each) to both, interleaved; after each
 * run the pushed branch is deleted, so every run sends the same. GitHub Enterprise stops a
 * pre-receive hook after 5 s: the hook's own time is what must stay under that.
 */
export interface PreReceiveFigures {
  commits: number;
  /** `git push` of the new commits with keyguard's hook, and without any hook (medians). */
  pushWithHookMs: number;
  pushWithoutHookMs: number;
  /** keyguard pre-receive alone on the same push (git's input on stdin, the commits unreferenced): median, and the slowest run. */
  hookMs: number;
  hookMaxMs: number;
  hookRssMB: number;
}

function git(cwd: string, env: NodeJS.ProcessEnv, args: string[]): string {
  const result = spawnSync('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout.trim();
}

export async function measurePreReceive(bin: string, source: string, env: NodeJS.ProcessEnv, commits: number, runs: number): Promise<PreReceiveFigures> {
  const dir = mkdtempSync(join(tmpdir(), 'keyguard-bench-receive-'));
  try {
    const guarded = join(dir, 'guarded.git');
    const plain = join(dir, 'plain.git');
    const pusher = join(dir, 'pusher');
    git(dir, env, ['clone', '--quiet', '--bare', source, guarded]);
    git(dir, env, ['clone', '--quiet', '--bare', source, plain]);
    git(dir, env, ['clone', '--quiet', '--no-checkout', source, pusher]);
    await appendCommits(pusher, { branch: 'topic', from: 'origin/main', count: commits, seed: 4242 });
    const tip = git(pusher, env, ['rev-parse', 'topic']);
    const install = spawnSync(process.execPath, [bin, 'install', '--server', guarded], { env, encoding: 'utf8' });
    if (install.status !== 0) throw new Error(`keyguard install --server failed: ${install.stderr}`);

    const deleteTopic = (server: string) => () => {
      spawnSync('git', ['update-ref', '-d', 'refs/heads/topic'], { cwd: server, env });
    };
    const push = (label: string, server: string) => ({
      label,
      command: 'git',
      args: ['push', '--quiet', server, 'topic'],
      options: { cwd: pusher, env },
      before: deleteTopic(server),
    });
    const pushes = interleaved([push('with', guarded), push('without', plain)], runs);

    // The hook alone: what git gives it, run against the server where the commits are, unreferenced.
    deleteTopic(guarded)();
    const input = `${'0'.repeat(40)} ${tip} refs/heads/topic\n`;
    const hookEnv = { ...env, GIT_DIR: guarded };
    const times: number[] = [];
    for (let i = 0; i <= runs; i++) {
      const start = process.hrtime.bigint();
      const run = spawnSync(process.execPath, [bin, 'pre-receive'], { cwd: guarded, env: hookEnv, input, encoding: 'utf8' });
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (run.status !== 0) throw new Error(`keyguard pre-receive: exit code ${run.status}: ${run.stderr}`);
      if (i > 0) times.push(ms); // the first run warms the caches
    }
    const hookRssMB = peakRss(bin, ['pre-receive'], { cwd: guarded, env: hookEnv, input, stdio: ['pipe', 'ignore', 'ignore'] });
    return {
      commits,
      pushWithHookMs: pushes.get('with')!,
      pushWithoutHookMs: pushes.get('without')!,
      hookMs: median(times),
      hookMaxMs: Math.max(...times),
      hookRssMB,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
