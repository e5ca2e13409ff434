import { describe, expect, it } from 'vitest';
import { freshKeyId } from '../../src/fake-keys.js';
import { Sandbox, trackSandboxes } from '../support/sandbox.js';

/** check --files with folders (untracked files too), and configurations below the top level (a monorepo's packages). */

const track = trackSandboxes();

const line = () => `aws_access_key_id = ${freshKeyId()}\n`;

describe('check --files <folder>', () => {
  it('scans the tracked files below it (staged version) and the untracked ones git does not ignore', () => {
    const repo = track(Sandbox.create());
    repo.write('.gitignore', 'app/*.log\n').write('app/tracked.ini', 'clean\n').gitOk('add', '.');
    repo.gitOk('commit', '-m', 'init');
    repo.write('app/new/untracked.ini', line()).write('app/debug.log', line()).write('other/outside.ini', line());
    const result = repo.findings(['--files', 'app']);
    expect(result.status).toBe(1);
    expect(result.findings.map((f) => f.path)).toEqual(['app/new/untracked.ini']);
    // The whole repository, from a subfolder: every untracked file not ignored.
    const all = repo.findings(['--files', '..'], { cwd: repo.path('other') });
    expect(all.findings.map((f) => f.path).sort()).toEqual(['app/new/untracked.ini', 'other/outside.ini']);
    // Named explicitly, an ignored file is scanned: the user asked for it.
    expect(repo.findings(['--files', 'app/debug.log']).findings.map((f) => f.path)).toEqual(['app/debug.log']);
  });

  it('an untracked folder with no tracked files, and a folder outside any repository, are scanned', () => {
    const repo = track(Sandbox.create());
    repo.write('drafts/a/notes.md', line());
    expect(repo.findings(['--files', 'drafts']).findings.map((f) => f.path)).toEqual(['drafts/a/notes.md']);
    const folder = track(Sandbox.empty());
    folder.write('export/deep/keys.txt', line()).write('export/.git/config', line());
    const outside = folder.findings(['--files', 'export']);
    expect(outside.status).toBe(1);
    expect(outside.findings.map((f) => f.path)).toEqual([folder.path('export', 'deep', 'keys.txt')]);
  });
});

describe('a configuration below the top level', () => {
  it('applies to its folder: ignorePaths relative to it, allow for its files only', () => {
    const repo = track(Sandbox.create());
    repo.write('packages/api/keyguard.config.json', '{ "ignorePaths": ["fixtures/**"] }\n');
    repo.write('packages/api/fixtures/sample.ini', line());
    repo.write('packages/web/fixtures/sample.ini', line());
    repo.gitOk('add', '.');
    const result = repo.findings();
    expect(result.status).toBe(1);
    expect(result.findings.map((f) => f.path)).toEqual(['packages/web/fixtures/sample.ini']);

    // An allow in the web package's package.json covers that key in web's files, not the same key elsewhere.
    const webKey = repo.gitOk('show', ':packages/web/fixtures/sample.ini');
    repo.write('packages/web/package.json', JSON.stringify({ name: 'web', keyguard: { allow: [result.findings[0]!.fingerprint] } }));
    repo.write('packages/api/copy.ini', webKey).gitOk('add', '.');
    const allowed = repo.findings();
    expect(allowed.findings.map((f) => f.path)).toEqual(['packages/api/copy.ini']);
  });

  it('a nested configuration with a mistake is an error naming its file (exit 2), as at the top level', () => {
    const repo = track(Sandbox.create());
    repo.write('packages/api/keyguard.config.json', '{ "ignorPaths": [] }\n').write('packages/api/a.txt', 'a\n').gitOk('add', '.');
    const result = repo.keyguard(['check']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('packages/api/keyguard.config.json: unknown key "ignorPaths".');
    repo.write('packages/api/keyguard.config.json', '{ "ignorePaths": ["**"] }\n').gitOk('add', '.');
    expect(repo.keyguard(['check']).stderr).toContain('matches every file');
  });

  it('a broken package.json below the top level (a fixture) configures nothing and stops nothing', () => {
    const repo = track(Sandbox.create());
    repo.write('test/fixtures/broken/package.json', '{ "name": ').write('test/fixtures/broken/keys.ini', line()).gitOk('add', '.');
    const result = repo.findings();
    expect(result.status).toBe(1);
    expect(result.findings.map((f) => f.path)).toEqual(['test/fixtures/broken/keys.ini']);
  });
});
