import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshKeyId } from '../../src/fake-keys.js';
import { projectWithKeyguard } from '../support/package.js';
import { KEYGUARD_BIN, PROJECT_ROOT, run, Sandbox, trackSandboxes } from '../support/sandbox.js';

/**
 * The GitLab CI job template (ci/gitlab-ci.yml) and the shell recipe for any other CI
 * (ci/keyguard-ci.sh), each run the way its CI runs it: the template's script lines, in a clone
 * like the runner's, with the variables GitLab sets; the recipe with a Jenkins-style base and head.
 */

const track = trackSandboxes();

/** The `script:` lines of the template's job, as GitLab runs them (one shell, in order). */
function templateScript(): string[] {
  const yml = readFileSync(join(PROJECT_ROOT, 'ci', 'gitlab-ci.yml'), 'utf8');
  const block = /^ {2}script:\n((?: {4}- .*\n)+)/m.exec(yml);
  if (!block) throw new Error('no script: in ci/gitlab-ci.yml');
  return block[1]!.split('\n').filter(Boolean).map((line) => line.replace(/^ {4}- /, ''));
}

function templateVariables(): Record<string, string> {
  const yml = readFileSync(join(PROJECT_ROOT, 'ci', 'gitlab-ci.yml'), 'utf8');
  const block = /^ {2}variables:\n((?: {4}\w+: .*\n)+)/m.exec(yml);
  return Object.fromEntries((block?.[1] ?? '').split('\n').filter(Boolean).map((line) => {
    const [, name, value] = /^ {4}(\w+): "?([^"#]*?)"?\s*(?:#.*)?$/.exec(line)!;
    return [name!, value!];
  }));
}

/**
 * A project with keyguard as a devDependency (from the packed tarball, as users will install it
 * until it is published), pushed to an origin with main and a merge request branch adding a key.
 */
function project() {
  const dev = track(projectWithKeyguard());
  const origin = track(Sandbox.bare());
  dev.gitOk('remote', 'add', 'origin', origin.dir);
  dev.gitOk('add', '.');
  dev.gitOk('commit', '--no-verify', '-m', 'init');
  const base = dev.gitOk('rev-parse', 'HEAD').trim();
  dev.gitOk('checkout', '--quiet', '-b', 'feature');
  const key = freshKeyId();
  dev.write('config/aws.ini', `aws_access_key_id = ${key}\n`).gitOk('add', 'config');
  dev.gitOk('commit', '--no-verify', '-m', 'aws settings');
  const head = dev.gitOk('rev-parse', 'HEAD').trim();
  dev.gitOk('push', '--quiet', '--no-verify', 'origin', 'main', 'feature');
  return { dev, origin, base, head, key };
}

/** A runner's clone: GIT_DEPTH deep (0: whole), at `commit`, with node_modules installed by the job's own `npm ci`. */
function runnerClone(origin: Sandbox, commit: string, depth: string): Sandbox {
  const work = track(Sandbox.create());
  work.gitOk('remote', 'add', 'origin', `file://${origin.dir}`);
  work.gitOk('fetch', '--quiet', '--no-tags', ...(depth === '0' ? [] : [`--depth=${depth}`]), 'origin', commit);
  work.gitOk('checkout', '--quiet', '--detach', commit);
  return work;
}

describe('the GitLab CI job template', () => {
  it('a merge request pipeline: the job fails on the key the merge request adds, and keeps the JSON report', () => {
    const { origin, base, head, key } = project();
    const variables = templateVariables();
    expect(variables.GIT_DEPTH).toBe('0');
    const work = runnerClone(origin, head, variables.GIT_DEPTH!);
    const env = {
      ...work.env,
      ...variables,
      CI: 'true',
      GITLAB_CI: 'true',
      CI_PIPELINE_SOURCE: 'merge_request_event',
      CI_COMMIT_SHA: head,
      CI_COMMIT_REF_NAME: 'feature',
      CI_COMMIT_BEFORE_SHA: '0'.repeat(40),
      CI_DEFAULT_BRANCH: 'main',
      CI_MERGE_REQUEST_IID: '12',
      CI_MERGE_REQUEST_DIFF_BASE_SHA: base,
      CI_MERGE_REQUEST_TARGET_BRANCH_NAME: 'main',
      CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature',
      CI_PROJECT_URL: 'https://gitlab.example.com/acme/app',
    };
    const script = templateScript();
    expect(script[0]).toMatch(/^npm ci/);
    const result = run('sh', ['-e', '-c', script.join('\n')], work.dir, env);
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain('keyguard: scanning merge request !12 (main ← feature)');
    const report = JSON.parse(readFileSync(work.path('keyguard.json'), 'utf8'));
    expect(report.findings).toEqual([expect.objectContaining({ path: 'config/aws.ini', kind: 'access-key-id', commit: head, exposure: 'pushed' })]);
    expect(result.stderr + result.stdout + JSON.stringify(report)).not.toContain(key);
  }, 240_000);

  it('a branch pipeline on a shallow clone (GitLab\'s default depth) fetches what it needs; a clean push passes', () => {
    const { dev, origin, head } = project();
    dev.write('src/app.ts', 'export {};\n').gitOk('add', 'src');
    dev.gitOk('commit', '--no-verify', '-m', 'app');
    dev.gitOk('push', '--quiet', '--no-verify', 'origin', 'feature');
    const after = dev.gitOk('rev-parse', 'HEAD').trim();
    const work = runnerClone(origin, after, '1');
    const env = {
      ...work.env,
      CI: 'true',
      GITLAB_CI: 'true',
      CI_PIPELINE_SOURCE: 'push',
      CI_COMMIT_SHA: after,
      CI_COMMIT_BEFORE_SHA: head,
      CI_COMMIT_BRANCH: 'feature',
      CI_COMMIT_REF_NAME: 'feature',
      CI_DEFAULT_BRANCH: 'main',
    };
    const result = run('sh', ['-e', '-c', templateScript().join('\n')], work.dir, env);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain(`keyguard: scanning push to feature: ${head.slice(0, 12)}..${after.slice(0, 12)}`);
    expect(result.stderr).toContain('no AWS credentials found');
  }, 240_000);
});

describe('the shell recipe for any other CI', () => {
  it('a Jenkins-style job: KEYGUARD_BASE..KEYGUARD_HEAD in a shallow clone is fetched and scanned', () => {
    const origin = track(Sandbox.bare());
    origin.gitOk('config', 'uploadpack.allowAnySHA1InWant', 'true');
    const dev = track(Sandbox.create());
    dev.gitOk('remote', 'add', 'origin', origin.dir);
    dev.write('README.md', '# app\n').gitOk('add', '.');
    dev.gitOk('commit', '-m', 'init');
    const base = dev.gitOk('rev-parse', 'HEAD').trim();
    dev.write('notes.md', `key ${freshKeyId()}\n`).gitOk('add', '.');
    dev.gitOk('commit', '-m', 'notes');
    const head = dev.gitOk('rev-parse', 'HEAD').trim();
    dev.gitOk('push', '--quiet', 'origin', 'main');
    const work = runnerClone(origin, head, '1');
    const env = { ...work.env, CI: 'true', KEYGUARD: KEYGUARD_BIN, KEYGUARD_BASE: base, KEYGUARD_HEAD: head };
    const result = run('sh', [join(PROJECT_ROOT, 'ci', 'keyguard-ci.sh'), '--format', 'json'], work.dir, env);
    expect(result.status, result.stderr).toBe(1);
    expect(JSON.parse(readFileSync(work.path('keyguard.json'), 'utf8')).findings[0].path).toBe('notes.md');

    // Without fetching, the same job stops (exit 2) and says what to do.
    const unfetched = runnerClone(origin, head, '1');
    const stopped = run('sh', [join(PROJECT_ROOT, 'ci', 'keyguard-ci.sh')], unfetched.dir, { ...env, KEYGUARD_FETCH: '0' });
    expect(stopped.status).toBe(2);
    expect(stopped.stderr).toContain('fetch-depth: 0');
    expect(JSON.parse(readFileSync(unfetched.path('keyguard.sarif'), 'utf8')).runs[0].invocations[0].executionSuccessful).toBe(false);
  });

  it('keyguard missing: exit 2 with what to do', () => {
    const work = track(Sandbox.create());
    const result = run('sh', [join(PROJECT_ROOT, 'ci', 'keyguard-ci.sh')], work.dir, { ...work.env, PATH: '/usr/bin:/bin' });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('keyguard is not installed here');
  });
});
