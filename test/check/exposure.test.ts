import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freshBedrockApiKey, freshKeyId, freshSecret, freshSessionToken } from '../../src/fake-keys.js';
import { KEYGUARD_BIN, makeExecutable, run, Sandbox } from '../support/sandbox.js';

/**
 * How far a key travelled, built for real: the lookup's git processes never see a credential, a
 * partial clone is never fetched from, the record is incremental and safe, and a key in many commits
 * and branches reads as one key.
 */

const sandboxes: Sandbox[] = [];
const track = (sandbox: Sandbox) => {
  sandboxes.push(sandbox);
  return sandbox;
};
afterEach(() => {
  for (const sandbox of sandboxes.splice(0)) sandbox.remove();
});

const flat = (text: string) => text.replace(/\s+/g, ' ');
const REAL_GIT = spawnSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).stdout.trim();

/** A `git` first on PATH that records every argument and environment variable, then runs the real git. */
function stubGit(): { env: NodeJS.ProcessEnv; log: () => string; diffTreeInput: () => string; clear: () => void } {
  const dir = track(Sandbox.empty());
  const log = dir.path('calls.log');
  const diffTree = dir.path('diff-tree.stdin');
  writeFileSync(log, '');
  writeFileSync(diffTree, '');
  dir.write(
    'bin/git',
    [
      '#!/bin/sh',
      `{ printf 'ARGV'; for a in "$@"; do printf ' [%s]' "$a"; done; printf '\\n'; env | sed 's/^/ENV /'; } >> '${log}'`,
      `case " $* " in *" diff-tree "*) tee -a '${diffTree}' | '${REAL_GIT}' "$@"; exit $? ;; esac`,
      `exec '${REAL_GIT}' "$@"`,
      '',
    ].join('\n'),
  );
  makeExecutable(dir.path('bin/git'));
  return {
    env: { PATH: `${dir.path('bin')}:${process.env.PATH}` },
    log: () => readFileSync(log, 'utf8'),
    diffTreeInput: () => readFileSync(diffTree, 'utf8'),
    clear: () => {
      writeFileSync(log, '');
      writeFileSync(diffTree, '');
    },
  };
}

function withRemote(): { repo: Sandbox; remote: Sandbox } {
  const remote = track(Sandbox.bare());
  const repo = track(Sandbox.create());
  repo.gitOk('remote', 'add', 'origin', remote.dir);
  repo.write('README.md', 'notes\n').gitOk('add', '.');
  repo.gitOk('commit', '-m', 'init');
  repo.gitOk('push', '--quiet', '-u', 'origin', 'main');
  return { repo, remote };
}

function commits(repo: Sandbox, count: number, path = 'log.txt'): void {
  for (let i = 0; i < count; i++) {
    repo.write(path, `entry ${i}\n`).gitOk('add', path);
    repo.gitOk('commit', '--quiet', '--no-verify', '-m', `entry ${i}`);
  }
}

describe('no credential reaches git', () => {
  it('not in the arguments nor the environment of any git process: commit, push, --all, --history, baseline, incident', () => {
    const { repo } = withRemote();
    repo.installHook(undefined, ['pre-commit', 'commit-msg', 'pre-push']);
    const keyId = freshKeyId();
    let secret = freshSecret();
    while (!secret.includes('/')) secret = freshSecret();
    const token = freshSessionToken(400);
    const credentials = `[default]\naws_access_key_id = ${keyId}\naws_secret_access_key = ${secret}\naws_session_token = ${token}\n`;
    repo.write('notes/creds.ini', credentials);
    repo.write('deploy/env.json', `{"SecretAccessKey": "${secret.replace(/\//g, '\\/')}"}\n`);
    repo.write('deploy/url.txt', `https://x.invalid/?aws_secret_access_key=${encodeURIComponent(secret)}\n`);
    repo.write('k8s/secret.yaml', `data:\n  credentials: ${Buffer.from(credentials).toString('base64')}\n`);
    const stub = stubGit();
    const git = (...args: string[]) => run('git', args, repo.dir, { ...repo.env, ...stub.env });
    const keyguard = (...args: string[]) => repo.keyguard(args, { env: stub.env });

    git('add', '.');
    expect(git('commit', '-m', 'notes').status).not.toBe(0); // pre-commit: blocked, with the lookup
    expect(git('commit', '--no-verify', '-m', 'notes').status).toBe(0);
    const commit = repo.gitOk('rev-parse', 'HEAD').trim();
    expect(git('push', 'origin', 'main').status).not.toBe(0); // pre-push: blocked, with the lookup
    expect(git('push', '--no-verify', 'origin', 'main').status).toBe(0);
    for (const args of [['check', '--all'], ['check', '--history'], ['check', '--all', '--format', 'json'], ['check', '--history', '--format', 'sarif']]) {
      expect(keyguard(...args).status, args.join(' ')).toBe(1);
    }
    expect(keyguard('check', '--all').stderr).toContain('PUSHED');
    expect(keyguard('baseline').status).toBe(0);
    expect(keyguard('incident', 'notes/creds.ini:2').status).toBe(0);
    expect(keyguard('incident', 'notes/creds.ini:3', '--commit', commit).status).toBe(0);
    expect(keyguard('incident', keyId).status).toBe(0); // typed by the person: still never handed to git

    const calls = stub.log();
    expect(calls).toContain(' [diff-tree] [--stdin]'); // the lookup ran through the stub
    expect(calls).toContain(' [rev-list] [--header] [--stdin]');
    const forms = [keyId, secret, token, secret.replace(/\//g, '\\/'), encodeURIComponent(secret), token.slice(0, 60), secret.slice(0, 20)];
    for (const form of forms) expect(calls).not.toContain(form);
    expect(calls).not.toContain(Buffer.from(credentials).toString('base64').slice(0, 40));
  });
});

describe('offline', () => {
  it('a partial clone with a missing blob gets an answer with no fetch: what is here is searched, what is not is said', () => {
    const source = track(Sandbox.create());
    const oldKey = freshKeyId();
    const currentKey = freshKeyId();
    source.write('old.ini', `aws_access_key_id = ${oldKey}\n`).gitOk('add', '.');
    source.gitOk('commit', '-m', 'old key');
    source.gitOk('rm', '--quiet', 'old.ini');
    source.write('current.ini', `aws_access_key_id = ${currentKey}\n`).gitOk('add', '.');
    source.gitOk('commit', '-m', 'current key');
    const bare = track(Sandbox.bare());
    bare.gitOk('config', 'uploadpack.allowFilter', 'true');
    source.gitOk('push', '--quiet', bare.dir, 'main');

    const clone = track(Sandbox.empty());
    const cloned = run('git', ['clone', '--quiet', '--filter=blob:none', `file://${bare.dir}`, 'repo'], clone.dir, clone.env);
    expect(cloned.status, cloned.stderr).toBe(0);
    const repo = join(clone.dir, 'repo');
    const git = (...args: string[]) => run('git', args, repo, clone.env);
    // Every fetch from the remote goes through this upload-pack, which records it.
    const fetches = clone.path('fetches.log');
    writeFileSync(fetches, '');
    clone.write('upload-pack', `#!/bin/sh\necho "$@" >> '${fetches}'\nexec git-upload-pack "$@"\n`);
    makeExecutable(clone.path('upload-pack'));
    git('config', 'remote.origin.uploadpack', clone.path('upload-pack'));
    expect(git('fetch', '--quiet', 'origin').status).toBe(0);
    expect(readFileSync(fetches, 'utf8')).not.toBe(''); // the recorder works
    writeFileSync(fetches, '');

    const first = git('rev-list', '--max-parents=0', 'HEAD').stdout.trim();
    const oldBlob = git('rev-parse', `${first}:old.ini`).stdout.trim();
    const missing = () => git('rev-list', '--objects', '--missing=print', 'HEAD').stdout;
    expect(missing()).toContain(`?${oldBlob}`);

    writeFileSync(join(repo, 'again.ini'), `old = ${oldKey}\ncurrent = ${currentKey}\n`);
    git('add', 'again.ini');
    const result = run(process.execPath, [KEYGUARD_BIN, 'check', '--format', 'json'], repo, clone.env);
    expect(result.status, result.stderr).toBe(1);
    const findings = JSON.parse(result.stdout).findings as { exposure: string; filesNotSearched?: number; remoteRefs?: string[] }[];
    // The key in a blob that is here: found, pushed. The key only in the missing blob: a partial answer that says why.
    expect(findings[1]).toMatchObject({ exposure: 'pushed', remoteRefs: ['origin/main'] });
    expect(findings[0]).toMatchObject({ exposure: 'partial', filesNotSearched: 1 });
    expect(flat(result.stderr)).toContain('1 file not in this partial clone');
    expect(flat(result.stderr)).toContain('not in this partial clone, and keyguard never downloads anything');
    expect(readFileSync(fetches, 'utf8')).toBe(''); // no fetch happened
    expect(missing()).toContain(`?${oldBlob}`); // and the blob is still not here
    // Scanning the history needs the missing blob: keyguard stops with exit 2, and still fetches nothing.
    const history = run(process.execPath, [KEYGUARD_BIN, 'check', '--history'], repo, clone.env);
    expect(history.status).toBe(2);
    expect(readFileSync(fetches, 'utf8')).toBe('');
    expect(missing()).toContain(`?${oldBlob}`);
  });
});

describe('grouped by credential', () => {
  it('one key in 26 commits and 21 remote branches reads as one key, with one plan, wrapped to the width', () => {
    const { repo } = withRemote();
    const keyId = freshKeyId();
    const secret = freshSecret();
    repo.write('config/app.ini', `aws_access_key_id = ${keyId}\naws_secret_access_key = ${secret}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--quiet', '-m', 'app config');
    for (let i = 0; i < 25; i++) {
      repo.write(`deploy/env-${i}.sh`, `export AWS_ACCESS_KEY_ID=${keyId}\n`).gitOk('add', '.');
      repo.gitOk('commit', '--quiet', '-m', `deploy ${i}`);
    }
    const branches = Array.from({ length: 20 }, (_, i) => `main:refs/heads/release-${i}`);
    repo.gitOk('push', '--quiet', 'origin', 'main', ...branches);
    repo.gitOk('fetch', '--quiet', 'origin');

    const text = repo.keyguard(['check', '--history']);
    expect(text.status).toBe(1);
    expect(text.stderr).toContain('keyguard: found 1 AWS credential in the history (26 commits).');
    expect(text.stderr.match(/^access key ID AKIA\.\.\./gm)).toHaveLength(1);
    expect(flat(text.stderr)).toContain(`with its secret access key ${secret.slice(0, 4)}...`);
    expect(flat(text.stderr)).toContain('PUSHED: in origin/main and 20 more branches');
    expect(flat(text.stderr)).toMatch(/Found in 26 commits, 26 files: .* and 23 more places \(--verbose lists them\)/);
    expect(text.stderr.match(/The plan for /g)).toHaveLength(1);
    const wide = text.stderr.split('\n').filter((line) => line.length > 80 && !line.includes('https://') && !line.includes('`'));
    expect(wide).toEqual([]);

    const narrow = repo.keyguard(['check', '--history'], { env: { COLUMNS: '60' } });
    expect(narrow.stderr.split('\n').filter((line) => line.length > 60 && !line.includes('https://') && !line.includes('`'))).toEqual([]);

    const json = JSON.parse(repo.keyguard(['check', '--history', '--format', 'json']).stdout);
    expect(json.findings.length).toBeGreaterThanOrEqual(26);
    expect(json.credentials).toHaveLength(1);
    expect(json.credentials[0]).toMatchObject({ kind: 'access-key-id', exposure: 'pushed', remotes: [{ remote: 'origin' }] });
    expect(json.credentials[0].remoteRefs).toHaveLength(21);
    expect(json.credentials[0].remotes[0].refs[0]).toBe('origin/main');
    expect(json.credentials[0].fingerprints).toHaveLength(2); // the key ID and its secret
    expect(json.credentials[0].remediation.plan).toHaveLength(7);
  });
});

describe('the exposure record', () => {
  it('lives in the git directory, holds no value, and the next lookup walks only new commits', () => {
    const { repo } = withRemote();
    commits(repo, 30);
    const keyId = freshKeyId();
    const secret = freshSecret();
    repo.write('new.ini', `aws_access_key_id = ${keyId}\naws_secret_access_key = ${secret}\n`).gitOk('add', 'new.ini');
    expect(repo.findings().findings[0]).toMatchObject({ exposure: 'staged', commitsSearched: 31 });

    const dir = repo.path('.git', 'keyguard');
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const file of readdirSync(dir)) {
      expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600);
      const content = readFileSync(join(dir, file), 'utf8');
      for (const form of [keyId, secret, Buffer.from(keyId).toString('base64').slice(0, 24), keyId.slice(4)]) expect(content).not.toContain(form);
    }
    expect(repo.gitOk('status', '--porcelain').trim()).toBe('A  new.ini'); // nothing in the work tree

    const stub = stubGit();
    repo.gitOk('stash', '--quiet');
    commits(repo, 3, 'more.txt');
    repo.gitOk('stash', 'pop', '--quiet');
    expect(repo.findings([], { env: stub.env }).findings[0]).toMatchObject({ exposure: 'staged', commitsSearched: 34 });
    expect(stub.diffTreeInput().trim().split('\n')).toHaveLength(3);
    stub.clear();
    expect(repo.findings([], { env: stub.env }).findings[0]).toMatchObject({ exposure: 'staged', commitsSearched: 34 });
    expect(stub.log()).not.toContain('[diff-tree]'); // nothing new: nothing walked
  });

  it('rewritten history: a key in a commit that no longer exists is not reported as committed', () => {
    const { repo } = withRemote();
    const keyId = freshKeyId();
    repo.write('a.ini', `aws_access_key_id = ${keyId}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--quiet', '--no-verify', '-m', 'oops');
    const oops = repo.gitOk('rev-parse', 'HEAD').trim();
    expect(repo.findings(['--all']).findings[0]).toMatchObject({ exposure: 'committed', commits: [oops] });
    // Rewrite it away, as the report says to, and let git forget it.
    repo.write('a.ini', 'key = (from the environment)\n').gitOk('add', '.');
    repo.gitOk('commit', '--quiet', '--amend', '--no-edit', '--no-verify');
    repo.gitOk('reflog', 'expire', '--expire=now', '--all');
    repo.gitOk('gc', '--quiet', '--prune=now');
    repo.write('b.ini', `aws_access_key_id = ${keyId}\n`).gitOk('add', 'b.ini');
    expect(repo.findings().findings[0]).toMatchObject({ exposure: 'staged' });
    const record = JSON.parse(readFileSync(repo.path('.git', 'keyguard', 'exposure-record.json'), 'utf8'));
    expect(Object.keys(record.added)).not.toContain(oops);
  });

  it('several keyguard processes at once: each answers right, and the record stays whole', async () => {
    const { repo } = withRemote();
    commits(repo, 40);
    const pushedKey = freshKeyId();
    repo.write('p.ini', `aws_access_key_id = ${pushedKey}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--quiet', '--no-verify', '-m', 'p');
    repo.gitOk('push', '--quiet', 'origin', 'main');
    repo.write('q.ini', `a = ${pushedKey}\nb = ${freshKeyId()}\n`).gitOk('add', 'q.ini');
    const runs = await Promise.all(
      Array.from(
        { length: 4 },
        () =>
          new Promise<string>((resolve) => {
            const child = spawn(process.execPath, [KEYGUARD_BIN, 'check', '--format', 'json'], { cwd: repo.dir, env: repo.env });
            let out = '';
            child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
            child.on('close', () => resolve(out));
          }),
      ),
    );
    for (const out of runs) expect(JSON.parse(out).findings.map((f: { exposure: string }) => f.exposure)).toEqual(['pushed', 'staged']);
    const file = repo.path('.git', 'keyguard', 'exposure-record.json');
    expect(existsSync(file)).toBe(true);
    expect(() => JSON.parse(readFileSync(file, 'utf8'))).not.toThrow();
    expect(readdirSync(repo.path('.git', 'keyguard')).filter((name) => name.endsWith('.tmp'))).toEqual([]);
    expect(repo.findings().findings.map((f) => f.exposure)).toEqual(['pushed', 'staged']);
  });

  it('a key pushed base64-encoded is known to be pushed when it is staged in plain form', () => {
    const { repo } = withRemote();
    const keyId = freshKeyId();
    repo.write('k8s/secret.yaml', `data:\n  AWS_ACCESS_KEY_ID: ${Buffer.from(keyId).toString('base64')}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--quiet', '--no-verify', '-m', 'secret');
    repo.gitOk('push', '--quiet', 'origin', 'main');
    repo.write('local.env', `AWS_ACCESS_KEY_ID=${keyId}\n`).gitOk('add', 'local.env');
    expect(repo.findings().findings.find((f) => f.path === 'local.env')).toMatchObject({ exposure: 'pushed', remoteRefs: ['origin/main'] });
  });

  it('every kind and form the check reads is in the record: keys glued in binary files, UTF-16 without a mark, Bedrock API keys', () => {
    const { repo } = withRemote();
    const glued = freshKeyId();
    const wide = freshKeyId();
    const bedrock = freshBedrockApiKey();
    repo.write('app.db', Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(64), Buffer.from(`alice${glued}${freshSecret()}us-east-1`), Buffer.alloc(64)]));
    repo.write('notes.txt', Buffer.from(`${'中文说明'.repeat(2500)}\nkey ${wide}\n`, 'utf16le'));
    repo.write('.env', `AWS_BEARER_TOKEN_BEDROCK=${bedrock}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--quiet', '--no-verify', '-m', 'oops');
    repo.gitOk('push', '--quiet', 'origin', 'main');
    // The same values, staged again elsewhere in plain text: each is known to be pushed.
    repo.write('again.txt', `id ${glued}\nid ${wide}\nAWS_BEARER_TOKEN_BEDROCK=${bedrock}\n`).gitOk('add', 'again.txt');
    const again = repo.findings().findings.filter((f) => f.path === 'again.txt');
    expect(again.map((f) => [f.kind, f.exposure])).toEqual([
      ['access-key-id', 'pushed'],
      ['access-key-id', 'pushed'],
      ['bedrock-api-key', 'pushed'],
    ]);
  });
});
