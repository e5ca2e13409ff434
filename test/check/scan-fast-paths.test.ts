import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { Sandbox, trackSandboxes } from '../support/sandbox.js';

/**
 * `check --all` and `check --history` give the same answer with the scans' fast paths (worker
 * threads, loose-object listing) forced on and turned off: the same findings in the same order
 * with the same fields, the same coverage figures, the same exit code, and the same message when an
 * object cannot be read. The repository exercises every path a blob can take.
 */

const track = trackSandboxes();
const ON = { KEYGUARD_SCAN_FAST_PATHS: 'always', KEYGUARD_EXPOSURE_TIMEOUT_MS: '120000' };
const OFF = { KEYGUARD_SCAN_FAST_PATHS: '0', KEYGUARD_EXPOSURE_TIMEOUT_MS: '120000' };

const credentials = () => `aws_access_key_id = ${freshKeyId()}\naws_secret_access_key = ${freshSecret()}\n`;
const MB = 1024 * 1024;

/** Lines of ordinary code, about `bytes` long. */
function filler(bytes: number, seed: string): string {
  const line = `  const ${seed} = compute(${seed}, 42); // ordinary code\n`;
  return line.repeat(Math.ceil(bytes / line.length));
}

function everyPathRepository(): Sandbox {
  const repo = track(Sandbox.create());
  const commit = (message: string) => {
    repo.gitOk('add', '-A');
    repo.gitOk('commit', '--quiet', '--no-verify', '-m', message);
  };
  // Enough ordinary files that batches hold many blobs.
  for (let i = 0; i < 60; i++) repo.write(`src/m${i}.ts`, filler(2000 + i * 37, `v${i}`));
  repo.write('README.md', '# project\n');
  commit('start');

  repo.write('config/app.ini', `[aws]\n${credentials()}`); // plain text
  repo.write('data/cache.db', Buffer.concat([randomBytes(2000), Buffer.from([0, 0]), Buffer.from(credentials()), randomBytes(500)])); // binary
  repo.write('win/creds.txt', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(credentials(), 'utf16le')])); // UTF-16
  repo.write('k8s/secret.yaml', `data:\n  creds: ${Buffer.from(credentials()).toString('base64')}\n`); // base64
  repo.write('backup/creds.gz', gzipSync(credentials())); // a container
  // A Git LFS pointer whose content (in the local LFS store) holds a key.
  const content = Buffer.from(`backup\n${credentials()}`);
  const sha = createHash('sha256').update(content).digest('hex');
  mkdirSync(repo.path('.git', 'lfs', 'objects', sha.slice(0, 2), sha.slice(2, 4)), { recursive: true });
  writeFileSync(repo.path('.git', 'lfs', 'objects', sha.slice(0, 2), sha.slice(2, 4), sha), content);
  repo.write('assets/dump.bin', `version https://git-lfs.github.com/spec/v1\noid sha256:${sha}\nsize ${content.length}\n`);
  // A huge file (past the 8 MB piece, and past the 1 MB a worker takes): keys at a piece cut and at the end without a newline.
  const head = filler(8 * MB - 40, 'big');
  repo.write('logs/huge.log', `${head}id=${freshKeyId()}\n${filler(MB, 'more')}${freshKeyId()}`);
  commit('add everything');

  repo.gitOk('mv', 'config/app.ini', 'config/renamed.ini'); // a rename adds nothing
  repo.write('src/m1.ts', `${filler(2000, 'v1')}// ${freshKeyId()}\n`);
  commit('rename, and a key in a source file');

  repo.write('src/m1.ts', filler(2000, 'v1')); // the key added, then removed
  commit('remove the key');

  // A merge whose sides each add a key, and whose result adds one of its own.
  repo.gitOk('checkout', '--quiet', '-b', 'side');
  repo.write('side.txt', `side ${freshKeyId()}\n`);
  commit('side');
  repo.gitOk('checkout', '--quiet', '-');
  repo.write('main.txt', `main ${freshKeyId()}\n`);
  commit('main');
  repo.gitOk('merge', '--quiet', '--no-commit', 'side');
  repo.write('merge.txt', `merge ${freshKeyId()}\n`);
  commit('merge');
  return repo;
}

function checkBothWays(repo: Sandbox, scope: string) {
  const on = repo.keyguard(['check', scope, '--format', 'json'], { env: ON });
  const off = repo.keyguard(['check', scope, '--format', 'json'], { env: OFF });
  return { on, off };
}

describe('fast paths on and off give the same result', () => {
  it('--all and --history on a repository with every kind of blob', () => {
    const repo = everyPathRepository();
    for (const scope of ['--all', '--history']) {
      const { on, off } = checkBothWays(repo, scope);
      expect(off.status, off.stderr).toBe(1);
      expect(on.status).toBe(off.status);
      expect(on.stdout).toBe(off.stdout);
      const paths = new Set((JSON.parse(off.stdout) as { findings: { path: string }[] }).findings.map((f) => f.path));
      const expected = ['data/cache.db', 'win/creds.txt', 'k8s/secret.yaml', 'backup/creds.gz', 'assets/dump.bin', 'logs/huge.log', 'merge.txt', 'side.txt', 'main.txt'];
      expected.push(scope === '--all' ? 'config/renamed.ini' : 'config/app.ini');
      if (scope === '--history') expected.push('src/m1.ts');
      for (const path of expected) expect(paths, path).toContain(path);
    }
  });

  it('an unreadable object stops both ways with the same message (exit code 2)', () => {
    const repo = everyPathRepository();
    // Damage one loose object of a tracked file (the last commit's files are loose).
    const oid = repo.gitOk('rev-parse', 'HEAD:merge.txt').trim();
    const file = repo.path('.git', 'objects', oid.slice(0, 2), oid.slice(2));
    chmodSync(file, 0o644);
    writeFileSync(file, 'not a zlib stream');
    expect(readdirSync(join(repo.dir, '.git', 'objects', oid.slice(0, 2)))).toContain(oid.slice(2));
    for (const scope of ['--all', '--history']) {
      const { on, off } = checkBothWays(repo, scope);
      expect(off.status).toBe(2);
      expect(on.status).toBe(2);
      expect(on.stderr).toBe(off.stderr);
      expect(off.stderr).toContain(oid);
    }
  });
});
