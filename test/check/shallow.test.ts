import { describe, expect, it } from 'vitest';
import { freshKeyId } from '../../src/fake-keys.js';
import { Sandbox, trackSandboxes } from '../support/sandbox.js';

/**
 * Shallow clones fail closed: history that was never fetched cannot be scanned, and a scan that
 * reaches the shallow boundary must not look complete.
 */

const track = trackSandboxes();

/** An origin whose first commit holds a key, then 5 clean commits; and a `--depth` clone of it. */
function shallowClone(depth: number): { clone: Sandbox; commits: string[] } {
  const origin = track(Sandbox.create());
  origin.write('keys.ini', `aws_access_key_id = ${freshKeyId()}\n`).gitOk('add', '.');
  origin.gitOk('commit', '-m', 'first');
  for (let i = 0; i < 5; i++) {
    origin.write('n.txt', `${i}\n`).gitOk('add', '.');
    origin.gitOk('commit', '-m', `c${i}`);
  }
  const clone = track(Sandbox.empty());
  clone.gitOk('clone', '--quiet', `--depth=${depth}`, `file://${origin.dir}`, '.');
  return { clone, commits: origin.gitOk('rev-list', '--reverse', 'HEAD').trim().split('\n') };
}

describe('check --history in a shallow clone', () => {
  it('a --depth 1 clone: exit 2 with the fix, in text and in JSON', () => {
    const { clone } = shallowClone(1);
    const result = clone.keyguard(['check', '--history']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('this is a shallow clone, and the history to scan (HEAD) goes back past what was fetched');
    expect(result.stderr).toContain('fetch-depth: 0');
    expect(result.stderr).toContain('git fetch --deepen');
    expect(result.stderr).toContain('--allow-shallow');
    const json = clone.keyguard(['check', '--history', '--format', 'json']);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout).error.message).toContain('shallow clone');
  });

  it('--allow-shallow scans what is there (the boundary commit as a whole tree) and says what was not', () => {
    const { clone } = shallowClone(2);
    const boundary = clone.gitOk('rev-parse', 'HEAD~1').trim();
    const result = clone.keyguard(['check', '--history', '--allow-shallow', '--format', 'json']);
    expect(result.stderr).toContain('keyguard: shallow clone: scanned the 2 commits that are here; older history was not fetched and not checked.');
    // The key came in before the boundary: its tree still holds it, so it is found there.
    expect(result.status).toBe(1);
    expect(JSON.parse(result.stdout).findings.map((f: { path: string; commit: string }) => [f.path, f.commit])).toEqual([['keys.ini', boundary]]);
    expect(clone.keyguard(['check', '--allow-shallow']).status).toBe(2); // it goes with --history
  });

  it('a range inside what was fetched is scanned as in a full clone; one that reaches the boundary is not', () => {
    const { clone, commits } = shallowClone(3);
    const inside = clone.keyguard(['check', '--history', `${commits[4]}..HEAD`]);
    expect(inside.status, inside.stderr).toBe(0);
    const reaching = clone.keyguard(['check', '--history', 'HEAD~2..HEAD']);
    expect(reaching.status, reaching.stderr).toBe(0);
    expect(clone.keyguard(['check', '--history', 'HEAD~3']).status).toBe(2);
  });

  it('after git fetch --unshallow, the key in the first commit is found', () => {
    const { clone } = shallowClone(1);
    clone.gitOk('fetch', '--quiet', '--unshallow');
    const result = clone.findings(['--history']);
    expect(result.status).toBe(1);
    expect(result.findings.map((f) => f.path)).toEqual(['keys.ini']);
  });
});
