import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { PROJECT_ROOT, run, Sandbox, trackSandboxes } from '../support/sandbox.js';

/**
 * The GitHub Action as a runner runs it: action.yml's step (`sh $GITHUB_ACTION_PATH/ci/github-action.sh`)
 * in a shallow checkout like actions/checkout's, with the event payload file and the variables
 * GitHub sets, against an "origin" it can fetch from. Checks the SARIF file, the job summary and
 * the step outputs it writes.
 */

const track = trackSandboxes();

interface Story {
  origin: Sandbox;
  dev: Sandbox;
  /** The key committed on main before the pull request (not the pull request's to answer for). */
  oldKey: string;
  /** The key the pull request adds, and its secret. */
  newKey: string;
  newSecret: string;
  base: string;
  head: string;
  leakCommit: string;
}

/** origin: main (with an old key in its history), and topic, a pull request adding a key in its middle commit. */
function story(): Story {
  const origin = track(Sandbox.bare());
  origin.gitOk('config', 'uploadpack.allowAnySHA1InWant', 'true'); // as GitHub serves any reachable commit
  const dev = track(Sandbox.create());
  dev.gitOk('remote', 'add', 'origin', origin.dir);
  const oldKey = freshKeyId();
  dev.write('README.md', '# app\n').gitOk('add', '.');
  dev.gitOk('commit', '-m', 'init');
  dev.write('old/settings.ini', `aws_access_key_id = ${oldKey}\n`).gitOk('add', '.');
  dev.gitOk('commit', '-m', 'old settings');
  for (let i = 0; i < 5; i++) {
    dev.write('CHANGELOG.md', `${i}\n`).gitOk('add', '.');
    dev.gitOk('commit', '-m', `release ${i}`);
  }
  const base = dev.gitOk('rev-parse', 'HEAD').trim();
  dev.gitOk('checkout', '--quiet', '-b', 'topic');
  dev.write('src/app.ts', 'export const app = 1;\n').gitOk('add', '.');
  dev.gitOk('commit', '-m', 'app');
  const newKey = freshKeyId();
  const newSecret = freshSecret();
  dev.write('deploy/aws.env', `AWS_ACCESS_KEY_ID=${newKey}\nAWS_SECRET_ACCESS_KEY=${newSecret}\n`).gitOk('add', '.');
  dev.gitOk('commit', '-m', 'deploy');
  const leakCommit = dev.gitOk('rev-parse', 'HEAD').trim();
  dev.write('src/app.ts', 'export const app = 2;\n').gitOk('add', '.');
  dev.gitOk('commit', '-m', 'app 2');
  const head = dev.gitOk('rev-parse', 'HEAD').trim();
  dev.gitOk('push', '--quiet', 'origin', 'main', 'topic');
  return { origin, dev, oldKey, newKey, newSecret, base, head, leakCommit };
}

/** A checkout as actions/checkout makes it: one commit deep, detached at `commit`, origin set. */
function shallowCheckout(origin: Sandbox, commit: string): Sandbox {
  const work = track(Sandbox.create());
  work.gitOk('remote', 'add', 'origin', `file://${origin.dir}`);
  work.gitOk('fetch', '--quiet', '--no-tags', '--depth=1', 'origin', commit);
  work.gitOk('checkout', '--quiet', '--detach', commit);
  return work;
}

/** Runs the action's step in `work`, with GitHub's variables, the event payload and the inputs. */
function runAction(work: Sandbox, event: string, payload: object, inputs: Record<string, string> = {}) {
  const eventPath = join(work.dir, '..', `${work.dir.split('/').pop()}-event.json`);
  writeFileSync(eventPath, JSON.stringify(payload));
  const summary = work.path('.git', 'step-summary.md');
  const output = work.path('.git', 'step-output.txt');
  writeFileSync(summary, '');
  writeFileSync(output, '');
  const env = {
    ...work.env,
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_EVENT_NAME: event,
    GITHUB_EVENT_PATH: eventPath,
    GITHUB_WORKSPACE: work.dir,
    GITHUB_REPOSITORY: 'acme/app',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_SHA: (payload as { after?: string }).after ?? work.gitOk('rev-parse', 'HEAD').trim(),
    GITHUB_REF: event === 'pull_request' ? 'refs/pull/7/merge' : 'refs/heads/topic',
    GITHUB_STEP_SUMMARY: summary,
    GITHUB_OUTPUT: output,
    GITHUB_ACTION_PATH: PROJECT_ROOT,
    INPUT_RANGE: '',
    INPUT_FORMAT: 'sarif',
    INPUT_OUTPUT: '',
    INPUT_FAIL: 'true',
    INPUT_FETCH: 'true',
    ...inputs,
  };
  const result = run('sh', [join(PROJECT_ROOT, 'ci', 'github-action.sh')], work.dir, env);
  const outputs = Object.fromEntries(
    readFileSync(output, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(/=(.*)/s).slice(0, 2) as [string, string]),
  );
  return { ...result, summary: readFileSync(summary, 'utf8'), outputs };
}

const pullRequest = (s: Story) => ({
  pull_request: { number: 7, base: { sha: s.base, ref: 'main' }, head: { sha: s.head, ref: 'topic', label: 'dev:topic' } },
  repository: { default_branch: 'main' },
});

const redacted = (key: string) => `${key.slice(0, 4)}...${key.slice(-2)}`;

describe('the GitHub Action', () => {
  it('action.yml runs ci/github-action.sh with every input passed as INPUT_*', () => {
    const yml = readFileSync(join(PROJECT_ROOT, 'action.yml'), 'utf8');
    expect(yml).toContain('using: composite');
    expect(yml).toContain('run: sh "$GITHUB_ACTION_PATH/ci/github-action.sh"');
    for (const input of ['range', 'format', 'output', 'fail', 'fetch']) {
      expect(yml).toMatch(new RegExp(`^  ${input}:$`, 'm'));
      expect(yml).toContain(`INPUT_${input.toUpperCase()}: \${{ inputs.${input} }}`);
    }
  });

  it('pull_request: fetches what the shallow checkout lacks, scans only the commits the pull request adds, writes SARIF, summary, outputs', () => {
    const s = story();
    const work = shallowCheckout(s.origin, s.head);
    const result = runAction(work, 'pull_request', pullRequest(s));
    expect(result.status, result.stderr).toBe(1);
    expect(result.stderr).toContain('keyguard: scanning pull request #7 (main ← dev:topic)');

    const sarif = JSON.parse(readFileSync(work.path('keyguard.sarif'), 'utf8'));
    const results = sarif.runs[0].results as { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string } } }[]; properties: { commit: string } }[];
    expect(results.map((r) => [r.ruleId, r.locations[0]!.physicalLocation.artifactLocation.uri, r.properties.commit])).toEqual([
      ['KG1001', 'deploy/aws.env', s.leakCommit],
      ['KG1002', 'deploy/aws.env', s.leakCommit],
    ]);
    expect(sarif.runs[0].invocations[0].executionSuccessful).toBe(true);
    expect(sarif.runs[0].versionControlProvenance[0]).toMatchObject({ repositoryUri: 'https://github.com/acme/app', revisionId: s.head });

    // The summary: a table, redacted values only, the pull request's key and not main's old one.
    expect(result.summary).toContain('## keyguard: 2 AWS credentials found');
    expect(result.summary).toContain('| File | Line:column | Kind | Value (redacted) | Commit |');
    expect(result.summary).toContain(`| <code>deploy/aws.env</code> | 1:19 | access key ID (account `);
    expect(result.summary).toContain(`<code>${redacted(s.newKey)}</code>`);
    expect(result.summary).toContain(`<code>${s.leakCommit.slice(0, 12)}</code>`);
    expect(result.summary).toContain('Treat the key as compromised');
    for (const text of [result.summary, result.stderr, result.stdout, readFileSync(work.path('keyguard.sarif'), 'utf8')]) {
      for (const secret of [s.newKey, s.newSecret, s.oldKey]) expect(text).not.toContain(secret);
    }
    expect(result.summary).not.toContain(redacted(s.oldKey));
    expect(result.outputs).toEqual({ findings: '2', report: work.path('keyguard.sarif'), 'exit-code': '1' });
  });

  it('fail: false reports the key and lets the job pass; format json writes the JSON report', () => {
    const s = story();
    const work = shallowCheckout(s.origin, s.head);
    const result = runAction(work, 'pull_request', pullRequest(s), { INPUT_FAIL: 'false', INPUT_FORMAT: 'json' });
    expect(result.status, result.stderr).toBe(0);
    const report = JSON.parse(readFileSync(work.path('keyguard.json'), 'utf8'));
    expect(report.findings.map((f: { path: string }) => f.path)).toEqual(['deploy/aws.env', 'deploy/aws.env']);
    expect(result.outputs.findings).toBe('2');
  });

  it('a shallow checkout with fetch: false fails closed: exit 2, a failed SARIF run and a summary that says why', () => {
    const s = story();
    const work = shallowCheckout(s.origin, s.head);
    const result = runAction(work, 'pull_request', pullRequest(s), { INPUT_FETCH: 'false' });
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(/shallow|bad revision|unknown revision/);
    const sarif = JSON.parse(readFileSync(work.path('keyguard.sarif'), 'utf8'));
    expect(sarif.runs[0].invocations[0]).toMatchObject({ executionSuccessful: false, exitCode: 2 });
    expect(sarif.runs[0].invocations[0].toolExecutionNotifications[0].level).toBe('error');
    expect(result.summary).toContain('## keyguard: could not check this change');
    expect(result.outputs['exit-code']).toBe('2');
  });

  it('push of a new branch: its commits not on the default branch; push to a branch: before..after', () => {
    const s = story();
    const work = shallowCheckout(s.origin, s.head);
    const created = runAction(work, 'push', { ref: 'refs/heads/topic', before: '0'.repeat(40), after: s.head, created: true, repository: { default_branch: 'main' } });
    expect(created.status, created.stderr).toBe(1);
    expect(created.stderr).toContain('the commits not on main');
    expect(created.summary).toContain(redacted(s.newKey));
    expect(created.summary).not.toContain(redacted(s.oldKey));

    const after = shallowCheckout(s.origin, s.head);
    const clean = runAction(after, 'push', { ref: 'refs/heads/topic', before: s.leakCommit, after: s.head, repository: { default_branch: 'main' } });
    expect(clean.status, clean.stderr).toBe(0);
    expect(clean.summary).toContain('## keyguard: no AWS credentials found');
    expect(clean.summary).toContain('1 commit');
    const sarif = JSON.parse(readFileSync(after.path('keyguard.sarif'), 'utf8'));
    expect(sarif.runs[0].results).toEqual([]);
  });

  it('a push that deletes a branch scans nothing and passes', () => {
    const s = story();
    const work = shallowCheckout(s.origin, s.base);
    const result = runAction(work, 'push', { ref: 'refs/heads/topic', before: s.head, after: '0'.repeat(40), deleted: true });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain('nothing to scan');
  });

  it('run by hand (workflow_dispatch): the whole history, the old key included', () => {
    const s = story();
    const work = shallowCheckout(s.origin, s.head);
    const result = runAction(work, 'workflow_dispatch', { ref: 'refs/heads/topic' });
    expect(result.status, result.stderr).toBe(1);
    expect(result.summary).toContain(redacted(s.oldKey));
    expect(result.summary).toContain(redacted(s.newKey));
    expect(work.git('rev-parse', '--is-shallow-repository').stdout.trim()).toBe('false');
  });

  it('a file name cannot add markup to the summary', () => {
    const s = story();
    s.dev.gitOk('checkout', '--quiet', 'topic');
    s.dev.write('docs/<img src=x onerror=alert(1)>|x.md', `key ${freshKeyId()}\n`).gitOk('add', '.');
    s.dev.gitOk('commit', '-m', 'odd name');
    s.dev.gitOk('push', '--quiet', 'origin', 'topic');
    const head = s.dev.gitOk('rev-parse', 'HEAD').trim();
    const work = shallowCheckout(s.origin, head);
    const result = runAction(work, 'pull_request', { ...pullRequest(s), pull_request: { ...pullRequest(s).pull_request, head: { sha: head, ref: 'topic' } } });
    expect(result.status).toBe(1);
    expect(result.summary).toContain('<code>docs/&lt;img src=x onerror=alert(1)&gt;&#124;x.md</code>');
    expect(result.summary).not.toContain('<img');
  });
});
