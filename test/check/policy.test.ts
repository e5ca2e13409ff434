import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { progressOn } from '../../src/commands/check.js';
import { Sandbox } from '../support/sandbox.js';

/** Configuration, allowlists and the baseline, through the real CLI on real repositories. */

let repo: Sandbox;
afterEach(() => repo?.remove());

const config = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

describe('ignorePaths', () => {
  it('skips matching files, dot files and nested folders included, and counts them', () => {
    repo = Sandbox.create();
    repo.write('keyguard.config.json', config({ ignorePaths: ['**/fixtures/**', '.github/**'] }));
    repo.write('test/fixtures/deep/keys.txt', `k=${freshKeyId()}\n`);
    repo.write('.github/workflows/deploy.yml', `env:\n  AWS_ACCESS_KEY_ID: ${freshKeyId()}\n`);
    repo.write('src/app.ts', `const k = "${freshKeyId()}";\n`);
    repo.gitOk('add', '.');
    const result = repo.findings(['--verbose']);
    expect(result.findings.map((f) => f.path)).toEqual(['src/app.ts']);
    expect(result.stderr).toContain('skipped 2 files in ignorePaths');
  });

  it('a file renamed out of an ignored folder is scanned whole: its keys were never checked', () => {
    repo = Sandbox.create();
    repo.write('keyguard.config.json', config({ ignorePaths: ['fixtures/**'] }));
    repo.write('fixtures/keys.ini', `aws_access_key_id = ${freshKeyId()}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'fixtures');
    mkdirSync(repo.path('config'));
    repo.gitOk('mv', 'fixtures/keys.ini', 'config/keys.ini');
    const staged = repo.findings();
    expect(staged.findings.map((f) => f.path)).toEqual(['config/keys.ini']);
    repo.gitOk('commit', '--no-verify', '-m', 'moved');
    expect(repo.findings(['--history']).findings.map((f) => f.path)).toEqual(['config/keys.ini']);
  });

  it.each([
    [['**'], '"**" matches every file'],
    [['**/*'], '"**/*" matches every file'],
    [['**/**'], '"**/**" matches every file'],
    [['*', '*/**'], 'patterns together match every file'],
    [['!src/**'], 'is a negation'],
  ])('refuses %j: it would ignore every file (exit 2)', (patterns, message) => {
    repo = Sandbox.create();
    repo.write('keyguard.config.json', config({ ignorePaths: patterns }));
    const result = repo.keyguard(['check']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
  });
});

describe('allow', () => {
  it('inline keyguard:allow, in any comment syntax, is not reported but is listed as allowed', () => {
    repo = Sandbox.create();
    const id = freshKeyId();
    repo.write('docs/setup.md', `<!-- keyguard:allow --> ${id}\n`).write('x.py', `KEY = "${freshKeyId()}"  # keyguard:allow (test account)\n`);
    repo.write('y.js', `const k = "${freshKeyId()}"; // not allowed\n`).gitOk('add', '.');
    const result = repo.keyguard(['check', '--format', 'json', '--verbose']);
    const report = JSON.parse(result.stdout);
    expect(report.findings.map((f: { path: string }) => f.path)).toEqual(['y.js']);
    expect(report.allowed.map((f: { path: string; reason: string }) => [f.path, f.reason])).toEqual([
      ['docs/setup.md', 'inline'],
      ['x.py', 'inline'],
    ]);
    expect(result.stderr).toMatch(/allowed {2}docs\/setup\.md:1:\d+ {2}access key ID .*keyguard:allow on the line/);
  });

  it('by fingerprint, from keyguard.config.json or package.json', () => {
    repo = Sandbox.create();
    const secret = freshSecret();
    repo.write('a.ini', `aws_access_key_id = ${freshKeyId()}\naws_secret_access_key = ${secret}\n`).gitOk('add', '.');
    const before = repo.findings();
    const fingerprints = before.findings.map((f) => f.fingerprint);

    repo.write('keyguard.config.json', config({ allow: fingerprints }));
    expect(repo.findings()).toMatchObject({ status: 0, findings: [] });

    rmSync(repo.path('keyguard.config.json'));
    repo.write('package.json', config({ name: 'p', keyguard: { allow: [fingerprints[0]] } })).gitOk('add', 'package.json');
    expect(repo.findings().findings.map((f) => f.kind)).toEqual(['secret-access-key']);
  });

  it.each([
    ['an access key ID', () => freshKeyId(), 'lists an access key ID'],
    ['a secret access key', () => freshSecret(), 'which is not a fingerprint'],
  ])('%s written in clear in "allow" is refused, and not printed in full: use its fingerprint', (_name, value, message) => {
    repo = Sandbox.create();
    const literal = value();
    repo.write('keyguard.config.json', config({ allow: [literal] }));
    const result = repo.keyguard(['check']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toContain(literal);
  });
});

describe('invalid configuration: exit 2, naming the key', () => {
  it.each([
    ['an unknown key', { ignorePath: ['x'] }, 'unknown key "ignorePath"'],
    ['a wrong type', { ignorePaths: 'fixtures/**' }, '"ignorePaths" must be a list'],
    ['a wrong item type', { allow: [42] }, '"allow" must be a list'],
    ['not an object', ['x'], 'must be a JSON object'],
  ])('%s', (_name, value, message) => {
    repo = Sandbox.create();
    repo.write('keyguard.config.json', config(value));
    const result = repo.keyguard(['check']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(message);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('two configurations (keyguard.config.json and package.json "keyguard")', () => {
    repo = Sandbox.create();
    repo.write('keyguard.config.json', config({ ignorePaths: ['a/**'] }));
    repo.write('package.json', config({ name: 'p', keyguard: { ignorePaths: ['b/**'] } }));
    const result = repo.keyguard(['check']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('both keyguard.config.json and a "keyguard" key in package.json');
  });

  it('invalid JSON', () => {
    repo = Sandbox.create();
    repo.write('keyguard.config.json', '{ "allow": [ }');
    const result = repo.keyguard(['check']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('keyguard.config.json: not valid JSON');
  });
});

describe('baseline', () => {
  it('round trip: adopt, then only new leaks block; a baselined key in another file is new', () => {
    repo = Sandbox.create();
    const oldId = freshKeyId();
    const oldSecret = freshSecret();
    repo.write('legacy/config.ini', `# old\naws_access_key_id = ${oldId}\naws_secret_access_key = ${oldSecret}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'legacy');
    repo.write('gone.txt', `k=${freshKeyId()}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'added');
    repo.gitOk('rm', '--quiet', 'gone.txt');
    repo.gitOk('commit', '--no-verify', '-m', 'removed, but still in history');

    const adopt = repo.keyguard(['baseline']);
    expect(adopt.status, adopt.stderr).toBe(0);
    expect(adopt.stdout).toContain('3 credentials in 2 files');
    const file = readFileSync(repo.path('.keyguard-baseline.json'), 'utf8');
    for (const clear of [oldId, oldSecret, oldId.slice(4)]) expect(file).not.toContain(clear);
    expect(file).not.toMatch(/"line"|"column"|"date"|"time"/);
    expect(repo.findings(['--all'])).toMatchObject({ status: 0, findings: [] });
    expect(repo.findings(['--history'])).toMatchObject({ status: 0, findings: [] });
    expect(repo.keyguard(['baseline']).stdout).toContain('3 credentials'); // stable: same file again
    expect(readFileSync(repo.path('.keyguard-baseline.json'), 'utf8')).toBe(file);

    // Moved within its file: still quiet.
    repo.write('legacy/config.ini', `aws_access_key_id = ${oldId}\naws_secret_access_key = ${oldSecret}\n# moved\n`).gitOk('add', '.');
    expect(repo.findings()).toMatchObject({ status: 0, findings: [] });
    // A different secret on the same line as a baselined one is reported.
    const newSecret = freshSecret();
    repo.write('legacy/config.ini', `aws_access_key_id = ${oldId}\naws_secret_access_key = ${newSecret}\n`).gitOk('add', '.');
    expect(repo.findings().findings.map((f) => f.kind)).toEqual(['secret-access-key']);
    repo.gitOk('checkout', 'HEAD', '--', 'legacy/config.ini');
    // The baselined key copied into another file: reported.
    repo.write('new/place.ini', `aws_access_key_id = ${oldId}\n`).gitOk('add', 'new/place.ini');
    const copied = repo.findings();
    expect(copied.status).toBe(1);
    expect(copied.findings.map((f) => f.path)).toEqual(['new/place.ini']);
    // A brand-new key blocks as ever.
    repo.write('fresh.env', `AWS_ACCESS_KEY_ID=${freshKeyId()}\n`).gitOk('add', 'fresh.env');
    expect(repo.findings().findings.map((f) => f.path).sort()).toEqual(['fresh.env', 'new/place.ini']);
  });
});

describe('history', () => {
  it('finds a key added and later removed, with the commit that introduced it', () => {
    repo = Sandbox.create();
    repo.write('a.txt', 'a\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'one');
    repo.write('keys.txt', `k = ${freshKeyId()}\n`).gitOk('add', '.');
    repo.gitOk('commit', '-m', 'two');
    const introduced = repo.gitOk('rev-parse', 'HEAD').trim();
    repo.write('keys.txt', `k = ${readFileSync(repo.path('keys.txt'), 'utf8').slice(4).trim()}\nmore\n`).gitOk('add', '.');
    repo.gitOk('commit', '-m', 'three: the key line is unchanged');
    repo.gitOk('rm', '--quiet', 'keys.txt');
    repo.gitOk('commit', '-m', 'four: removed');
    expect(repo.findings(['--all']).findings).toEqual([]);
    const history = repo.findings(['--history']);
    expect(history.status).toBe(1);
    expect(history.findings.map((f) => [f.path, f.commit])).toEqual([['keys.txt', introduced]]);
  });

  it('a range: only the commits it selects', () => {
    repo = Sandbox.create();
    repo.write('a.txt', `k = ${freshKeyId()}\n`).gitOk('add', '.');
    repo.gitOk('commit', '-m', 'on main, before the branch');
    repo.gitOk('checkout', '--quiet', '-b', 'feature');
    repo.write('b.txt', `k = ${freshKeyId()}\n`).gitOk('add', '.');
    repo.gitOk('commit', '-m', 'on the branch');
    expect(repo.findings(['--history']).findings.map((f) => f.path)).toEqual(['a.txt', 'b.txt']);
    expect(repo.findings(['--history', 'main..feature']).findings.map((f) => f.path)).toEqual(['b.txt']);
    expect(repo.keyguard(['check', '--history', '--output=x']).status).toBe(2);
  });

  it('a merge commit reports only what none of its parents had', () => {
    repo = Sandbox.create();
    repo.write('base.txt', 'base\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'base');
    repo.gitOk('checkout', '--quiet', '-b', 'side');
    repo.write('side.txt', `k = ${freshKeyId()}\n`).gitOk('add', '.');
    repo.gitOk('commit', '-m', 'side adds a key');
    const sideCommit = repo.gitOk('rev-parse', 'HEAD').trim();
    repo.gitOk('checkout', '--quiet', 'main');
    repo.write('main.txt', 'main\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'main');
    repo.gitOk('merge', '--quiet', '--no-edit', 'side');
    const history = repo.findings(['--history']);
    expect(history.findings.map((f) => [f.path, f.commit])).toEqual([['side.txt', sideCommit]]);
  });

  it('shows progress on a terminal only', () => {
    const written: string[] = [];
    const tty = { isTTY: true, write: (text: string) => written.push(text) };
    const progress = progressOn({ cwd: '.', env: {}, stdout: tty, stderr: tty });
    progress.update(5, 10);
    progress.update(10, 10);
    progress.done();
    expect(written.join('')).toContain('10/10 commits');
    const quiet: string[] = [];
    const pipe = { isTTY: false, write: (text: string) => quiet.push(text) };
    const none = progressOn({ cwd: '.', env: {}, stdout: pipe, stderr: pipe });
    none.update(1, 2);
    none.done();
    expect(quiet).toEqual([]);
  });
});
