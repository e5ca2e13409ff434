import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { peakRss } from './measure.js';

/**
 * A huge modified file: a file of `megabytes` MB already committed with a key in it, and a change
 * that adds a second key at its end. keyguard reads the new version (to scan it) and the old one (to
 * tell the added key from the one already committed) in pieces: its peak memory must stay bounded
 * whatever the file's size, and the answer must be the one a small file gets (only the new key).
 */
export interface HugeFileFigures {
  megabytes: number;
  checkMs: number;
  peakRssMB: number;
  findings: number;
}

function git(repo: string, env: NodeJS.ProcessEnv, args: string[]): string {
  const result = spawnSync('git', args, { cwd: repo, env, encoding: 'utf8', maxBuffer: 1 << 26 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** Writes `megabytes` MB of log lines, with `insert` after the first 1,000 lines. */
function writeLog(path: string, megabytes: number, insert: string, tail: string): void {
  const line = '2026-11-30T12:00:00Z INFO request handled in 12 ms: GET /api/v1/orders?page=3 200\n';
  const block = line.repeat(Math.floor((1024 * 1024) / line.length));
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, line.repeat(1000) + insert);
    for (let i = 0; i < megabytes; i++) writeSync(fd, block);
    writeSync(fd, tail);
  } finally {
    closeSync(fd);
  }
}

export function measureHugeFile(bin: string, env: NodeJS.ProcessEnv, megabytes: number, keys: { oldKey: string; newKey: string }): HugeFileFigures {
  const repo = mkdtempSync(join(tmpdir(), 'keyguard-bench-huge-'));
  try {
    git(repo, env, ['init', '--quiet']);
    const file = join(repo, 'huge.log');
    writeLog(file, megabytes, `backup key ${keys.oldKey}\n`, '');
    git(repo, env, ['add', 'huge.log']);
    git(repo, env, ['-c', 'core.hooksPath=/dev/null', 'commit', '--quiet', '-m', 'huge file']);
    writeLog(file, megabytes, `backup key ${keys.oldKey}\n`, `new key ${keys.newKey}\n`);
    git(repo, env, ['add', 'huge.log']);
    const start = process.hrtime.bigint();
    const run = spawnSync(process.execPath, [bin, 'check', '--format', 'json'], { cwd: repo, env, encoding: 'utf8', maxBuffer: 1 << 26 });
    const checkMs = Number(process.hrtime.bigint() - start) / 1e6;
    if (run.status !== 1) throw new Error(`keyguard check on the huge file: exit code ${run.status}: ${run.stderr}`);
    const findings = (JSON.parse(run.stdout) as { findings: unknown[] }).findings.length;
    const peakRssMB = peakRss(bin, ['check'], { cwd: repo, env }, [1]);
    return { megabytes, checkMs, peakRssMB, findings };
  } finally {
    rmSync(repo, { recursive: true, force: true });
  }
}
