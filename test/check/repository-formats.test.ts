import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId } from '../../src/fake-keys.js';
import { Sandbox } from '../support/sandbox.js';

/**
 * Repository formats: what each backend reads, and what the isomorphic-git backend refuses (exit 2,
 * the commit blocked) rather than read wrongly.
 */

let repo: Sandbox;
afterEach(() => repo?.remove());

function stageKey(sandbox: Sandbox): void {
  sandbox.write('a.txt', 'a\n').gitOk('add', '.');
  sandbox.gitOk('commit', '--no-verify', '-m', 'init');
  sandbox.write('leak.txt', `id = ${freshKeyId()}\n`).gitOk('add', '.');
}

describe('index versions', () => {
  it.each(['git', 'isomorphic-git'])('reads index version 3 (extended flags from git add -N) with the %s backend', (backend) => {
    repo = Sandbox.create({ env: { KEYGUARD_BACKEND: backend } });
    stageKey(repo);
    repo.write('later.txt', 'intent to add\n').gitOk('add', '-N', 'later.txt');
    repo.gitOk('update-index', '--index-version', '3');
    expect(readFileSync(repo.path('.git', 'index')).readUInt32BE(4)).toBe(3);
    const result = repo.findings();
    expect(result.findings.map((f) => f.path)).toEqual(['leak.txt']);
  });

  it.each(['git', 'isomorphic-git'])('reads an index without a checksum (index.skipHash) with the %s backend', (backend) => {
    repo = Sandbox.create({ env: { KEYGUARD_BACKEND: backend } });
    stageKey(repo);
    // What index.skipHash (git 2.40+) writes: a zero checksum. Written by hand so that any git version tests it.
    const indexPath = repo.path('.git', 'index');
    const index = readFileSync(indexPath);
    index.fill(0, index.length - 20);
    writeFileSync(indexPath, index);
    expect(repo.findings().findings.map((f) => f.path)).toEqual(['leak.txt']);
  });
});

describe('formats the isomorphic-git backend refuses, and the git backend reads', () => {
  it.each([
    ['SHA-256 object format', ['--object-format=sha256'], [] as string[][], /sha256 object format/],
    ['a split index', [], [['config', 'core.splitIndex', 'true'], ['update-index', '--split-index']], /split/],
    ['a sparse index', [], [['sparse-checkout', 'init', '--cone', '--sparse-index'], ['sparse-checkout', 'set', 'src']], /sparse/],
  ])('%s', (_name, init, setup, refusal) => {
    repo = Sandbox.create({ init });
    repo.write('src/x.txt', 'x\n').write('docs/y.txt', 'y\n').gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'init');
    for (const args of setup) repo.gitOk(...args);
    repo.write('src/leak.txt', `id = ${freshKeyId()}\n`).gitOk('add', 'src/leak.txt');

    const viaGit = repo.findings([], { env: { KEYGUARD_BACKEND: 'git' } });
    expect(viaGit.status).toBe(1);
    expect(viaGit.findings.map((f) => f.path)).toEqual(['src/leak.txt']);

    const viaIso = repo.keyguard(['hook', 'pre-commit'], { env: { KEYGUARD_BACKEND: 'isomorphic-git' } });
    expect(viaIso.status).toBe(2);
    expect(viaIso.stderr).toMatch(refusal);
    expect(viaIso.stderr).toContain('The commit is blocked');
  });
});

describe('the backend choice', () => {
  it('auto uses isomorphic-git when no git executable is on PATH', () => {
    repo = Sandbox.create();
    stageKey(repo);
    // keyguard runs with node's absolute path, so PATH only decides whether git can be found.
    const result = repo.findings(['--verbose'], { env: { PATH: '/nonexistent' } });
    expect(result.status).toBe(1);
    expect(result.findings.map((f) => f.path)).toEqual(['leak.txt']);
    expect(result.stderr).toContain('read with isomorphic-git');
  });

  it('--backend git without a git executable: exit 2, saying so', () => {
    repo = Sandbox.create();
    stageKey(repo);
    const result = repo.keyguard(['check', '--backend', 'git'], { env: { PATH: '/nonexistent' } });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('git is not installed');
  });
});

describe('large files', () => {
  it('a 40 MB staged file is scanned in pieces, and a key at its end is found at the right line', () => {
    repo = Sandbox.create();
    const line = 'lorem ipsum dolor sit amet, consectetur adipiscing elit\n';
    const lines = Math.ceil((40 * 1024 * 1024) / line.length);
    const id = freshKeyId();
    repo.write('big.log', `${line.repeat(lines)}key=${id}\n`).gitOk('add', '.');
    const result = repo.findings(['--verbose']);
    expect(result.findings.map((f) => [f.line, f.column])).toEqual([[lines + 1, 5]]);
    expect(result.stderr).toMatch(/scanned 1 file \(40\.\d MB\)/);
  });
});
