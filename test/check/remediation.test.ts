import { afterEach, describe, expect, it } from 'vitest';
import { freshSecret, keyIdForAccount } from '../../src/fake-keys.js';
import { Sandbox, run } from '../support/sandbox.js';

/**
 * Each situation built for real: staged only, committed locally, committed and pushed to a local bare
 * remote. The report must name the situation and the steps for it, with the key redacted and the
 * account decoded.
 */

const ACCOUNT = '210987654321';
const sandboxes: Sandbox[] = [];
afterEach(() => {
  for (const sandbox of sandboxes.splice(0)) sandbox.remove();
});

function repositoryWithRemote(): { repo: Sandbox; keyId: string } {
  const remote = Sandbox.bare();
  sandboxes.push(remote);
  const repo = Sandbox.create();
  sandboxes.push(repo);
  repo.gitOk('remote', 'add', 'origin', remote.dir);
  repo.write('README.md', 'notes\n').gitOk('add', '.');
  repo.gitOk('commit', '-m', 'init');
  repo.gitOk('push', '--quiet', 'origin', 'HEAD:main');
  repo.gitOk('fetch', '--quiet', 'origin');
  const keyId = keyIdForAccount(ACCOUNT);
  repo.write('notes/day3.md', `# Day 3\naws_access_key_id = ${keyId}\naws_secret_access_key = ${freshSecret()}\n`);
  return { repo, keyId };
}

/** The report's text with line wrapping undone, so that assertions do not depend on where lines break. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

function json(repo: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}) {
  const result = repo.keyguard(['check', '--format', 'json', ...args], { env });
  return { ...result, stderr: flat(result.stderr), report: JSON.parse(result.stdout) };
}

describe('remediation fits the situation', () => {
  it('staged only: still private, no rotation needed', () => {
    const { repo, keyId } = repositoryWithRemote();
    repo.gitOk('add', '.');
    const { status, stderr, report } = json(repo, []);
    expect(status).toBe(1);
    expect(report.findings[0]).toMatchObject({ kind: 'access-key-id', accountId: ACCOUNT, exposure: 'staged' });
    expect(report.remediation.situation).toBe('staged');
    expect(report.remediation.plan).toBeUndefined();
    expect(stderr).toContain('not in any commit yet');
    expect(stderr).toContain('git add -- notes/day3.md');
    expect(stderr).toContain('No rotation is needed if the key never left this machine');
    expect(stderr + JSON.stringify(report)).not.toContain(keyId);
  });

  it('odd file names: shown escaped, never raw to the terminal, and the `git add` it prints works as given', () => {
    const repo = Sandbox.create();
    sandboxes.push(repo);
    const names = ['esc\x1b[31mred.ini', 'new\nline.ini', '--', "it's.ini", '-n'];
    for (const name of names) repo.write(name, `aws_access_key_id = ${keyIdForAccount(ACCOUNT)}\n`);
    repo.gitOk('add', '--', ...names);
    const result = repo.keyguard(['check']);
    expect(result.status).toBe(1);
    expect(result.stderr).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f]/); // no control character but newlines
    expect(result.stderr).toContain('"esc\\x1b[31mred.ini"');
    expect(result.stderr).toContain('"new\\nline.ini"');
    const hint = /git add -- [^`]*/.exec(result.stderr)?.[0];
    expect(hint).toBeDefined();
    // Fix the files, then run the printed command as a person would, in bash.
    for (const name of names) repo.write(name, 'fixed\n');
    expect(run('bash', ['-c', hint!], repo.dir, repo.env).status).toBe(0);
    expect(repo.gitOk('diff', '--name-only').trim()).toBe('');
    expect(repo.keyguard(['check']).status).toBe(0);
  });

  it('committed locally, not pushed: rewrite local history, with the commit ids', () => {
    const { repo, keyId } = repositoryWithRemote();
    repo.gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'notes');
    const commit = repo.gitOk('rev-parse', 'HEAD').trim();
    const { stderr, report } = json(repo, ['--all']);
    expect(report.findings[0]).toMatchObject({ exposure: 'committed', commits: [commit], accountId: ACCOUNT });
    expect(stderr).toContain(`in local commit ${commit.slice(0, 12)}, not pushed`);
    expect(stderr).toContain('git commit --amend --no-edit');
    expect(stderr).toContain(`git rebase -i ${commit.slice(0, 12)}^`);
    expect(stderr).not.toContain('Treat the key as compromised');
    expect(stderr + JSON.stringify(report)).not.toContain(keyId);
  });

  it('pushed: compromised now, with the full plan in order, account filled in, key redacted', () => {
    const { repo, keyId } = repositoryWithRemote();
    repo.gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'notes');
    repo.gitOk('push', '--quiet', '--no-verify', 'origin', 'HEAD:main');
    const commit = repo.gitOk('rev-parse', 'HEAD').trim();
    const { stderr, report } = json(repo, ['--all']);
    expect(report.findings[0]).toMatchObject({ exposure: 'pushed', commits: [commit], remoteRefs: ['origin/main'], remotes: [{ remote: 'origin', refs: ['origin/main'] }] });
    expect(report.remediation.situation).toBe('pushed');
    expect(report.remediation.plan.map((step: { title: string }) => step.title)).toEqual([
      'Deactivate the exposed key now, then replace it',
      'Review CloudTrail in every region for what the key did',
      'Find and delete resources you did not create, in every region',
      'Change the passwords; delete IAM users you did not create',
      'Turn on MFA and set alarms',
      'Answer AWS within 24 hours',
      'Purge the key from git history',
    ]);
    for (const step of report.remediation.plan) expect(step.links.length).toBeGreaterThan(0);
    expect(stderr).toContain('PUSHED: in origin/main');
    expect(stderr).toContain('Treat the key as compromised now');
    expect(stderr).toContain(`account ${ACCOUNT}`);
    expect(stderr).toContain('keyguard incident notes/day3.md:2');
    expect(stderr).toContain('https://repost.aws/knowledge-center/potential-account-compromise');
    expect(stderr + JSON.stringify(report)).not.toContain(keyId);

    // History findings are placed by their commit.
    const history = json(repo, ['--history']);
    expect(history.report.findings[0]).toMatchObject({ commit, exposure: 'pushed', remoteRefs: ['origin/main'] });
    // SARIF carries the situation in the result's message.
    const sarif = JSON.parse(repo.keyguard(['check', '--all', '--format', 'sarif']).stdout);
    expect(sarif.runs[0].results[0].message.text).toMatch(/PUSHED: in origin\/main.*Treat it as compromised/);
  });

  it('a secret pushed without its key ID: the plan is about "the key whose secret was exposed", never "deactivate <secret>"', () => {
    const { repo } = repositoryWithRemote();
    const secret = freshSecret();
    repo.write('notes/day3.md', `aws_secret_access_key = ${secret}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'notes');
    repo.gitOk('push', '--quiet', '--no-verify', 'origin', 'HEAD:main');
    const { stderr, report } = json(repo, ['--all']);
    expect(report.remediation.situation).toBe('pushed');
    expect(stderr).toContain('The plan for the key whose secret was exposed');
    expect(stderr).toContain('The access key ID that goes with the exposed secret is not in these files');
    expect(stderr).not.toMatch(/Deactivate \S{4}\.\.\.\S{4}/);
    expect(stderr).not.toContain('keyguard incident notes/day3.md');
    expect(stderr + JSON.stringify(report)).not.toContain(secret);
  });

  it('a key pushed in plain form and staged again encoded (%2F) is known to be pushed', () => {
    const { repo } = repositoryWithRemote();
    let secret = freshSecret();
    while (!secret.includes('/')) secret = freshSecret();
    repo.write('config.ini', `aws_secret_access_key = ${secret}\n`).gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'config');
    repo.gitOk('push', '--quiet', '--no-verify', 'origin', 'HEAD:main');
    repo.write('deploy.sh', `curl "https://example.com/?aws_secret_access_key=${secret.replace(/\//g, '%2F')}"\n`).gitOk('add', 'deploy.sh');
    const { report } = json(repo, []);
    expect(report.findings.map((f: { path: string; exposure: string }) => [f.path, f.exposure])).toEqual([['deploy.sh', 'pushed']]);
  });

  it('partial: with no time to search, it says how much was searched and how to finish; the next run answers exactly', () => {
    const { repo } = repositoryWithRemote();
    repo.gitOk('add', '.');
    const { report, stderr } = json(repo, [], { KEYGUARD_EXPOSURE_TIMEOUT_MS: '0' });
    expect(report.findings[0]).toMatchObject({ exposure: 'partial', commitsSearched: 0, commitsInHistory: 1 });
    expect(report.remediation.situation).toBe('partial');
    expect(report.remediation.plan).toBeUndefined();
    expect(stderr).toContain('in no commit among the newest 0 of 1 commit; the rest not searched yet');
    expect(stderr).toContain('git add -- notes/day3.md'); // the staged plan
    expect(stderr).toContain('To search the rest now: `KEYGUARD_EXPOSURE_TIMEOUT_MS=600000 keyguard check`');
    expect(stderr).not.toContain('Treat the key as compromised');
    // The search goes on where it stopped: the next run has time, and answers exactly.
    expect(json(repo, []).report.findings[0]).toMatchObject({ exposure: 'staged', commitsSearched: 1 });
  });

  it('the pre-push report says the key is in a commit and how to rewrite it', () => {
    const { repo } = repositoryWithRemote();
    repo.gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'notes');
    const local = repo.gitOk('rev-parse', 'HEAD').trim();
    const result = repo.keyguard(['hook', 'pre-push', 'origin', 'unused'], { input: `refs/heads/main ${local} refs/heads/main ${'0'.repeat(40)}\n` });
    expect(result.status).toBe(1);
    const stderr = flat(result.stderr);
    expect(stderr).toContain('keyguard: push blocked');
    expect(stderr).toContain(`in local commit ${local.slice(0, 12)}, not pushed`);
    expect(stderr).toContain('Deleting them in a new commit is not enough');
  });
});

describe('keyguard incident', () => {
  it('prints the plan for one key with the key and its account in every command, and a script', () => {
    const repo = Sandbox.empty();
    sandboxes.push(repo);
    const keyId = keyIdForAccount(ACCOUNT);
    const result = repo.keyguard(['incident', keyId]);
    expect(result.status).toBe(0);
    // Commands are printed whole, one per line.
    expect(result.stdout).toContain(`keyguard incident: ${keyId} (AWS account ${ACCOUNT})`);
    expect(result.stdout).toContain(`aws iam update-access-key --access-key-id ${keyId} --status Inactive`);
    expect(result.stdout).toContain(`AttributeKey=AccessKeyId,AttributeValue=${keyId}`);
    expect(result.stdout).toContain('within 24 hours');
    expect(result.stdout).toMatch(/#!\/bin\/sh[^]*aws ec2 describe-regions[^]*aws cloudtrail lookup-events[^]*aws ec2 describe-instances/);
    const titles = [...result.stdout.matchAll(/^(\d)\. ([^.]+)\./gm)].map((m) => [m[1], m[2]]);
    expect(titles.map(([n]) => n)).toEqual(['1', '2', '3', '4', '5', '6', '7']);

    const script = repo.keyguard(['incident', keyId, '--script']);
    expect(script.stdout.startsWith('#!/bin/sh\n')).toBe(true);
    expect(run('sh', ['-n'], repo.dir, repo.env, script.stdout).status).toBe(0); // valid shell
  });

  it('a temporary (ASIA) key gets the revoke-sessions first step', () => {
    const repo = Sandbox.empty();
    sandboxes.push(repo);
    const result = repo.keyguard(['incident', keyIdForAccount(ACCOUNT, 'ASIA')]);
    expect(result.stdout).toContain('Cut the temporary credentials off now');
    expect(result.stdout).toContain('Revoke active sessions');
  });

  it('reads the key from where keyguard reported it (path:line), in the working tree or in a commit', () => {
    const { repo, keyId } = repositoryWithRemote();
    expect(repo.keyguard(['incident', 'notes/day3.md:2']).stdout).toContain(keyId);
    repo.gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'notes');
    const commit = repo.gitOk('rev-parse', 'HEAD').trim();
    repo.write('notes/day3.md', '# Day 3\n(key removed)\n');
    expect(repo.keyguard(['incident', 'notes/day3.md:2', '--commit', commit.slice(0, 12)]).stdout).toContain(keyId);
    const missing = repo.keyguard(['incident', 'notes/day3.md:2']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('there is no access key ID at notes/day3.md:2');
  });

  it('reads a UTF-16 file (what PowerShell writes) as the check did, in the working tree and in a commit', () => {
    const { repo, keyId } = repositoryWithRemote();
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`$env:AWS_ACCESS_KEY_ID = "${keyId}"\r\n`, 'utf16le')]);
    repo.write('setup.ps1', utf16).gitOk('add', 'setup.ps1');
    const reported = repo.findings().findings.find((f) => f.path === 'setup.ps1')!;
    expect(repo.keyguard(['incident', `setup.ps1:${reported.line}:${reported.column}`]).stdout).toContain(`keyguard incident: ${keyId}`);
    repo.gitOk('commit', '--no-verify', '-m', 'setup');
    const commit = repo.gitOk('rev-parse', 'HEAD').trim();
    expect(repo.keyguard(['incident', `setup.ps1:${reported.line}`, '--commit', commit]).stdout).toContain(`keyguard incident: ${keyId}`);
  });

  it('refuses what is not a key ID or a location', () => {
    const repo = Sandbox.empty();
    sandboxes.push(repo);
    const result = repo.keyguard(['incident', 'hello']);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('is not an access key ID');
  });
});

describe('the smaller things', () => {
  it('commit-msg: the plan also says what to do if the key was pasted elsewhere', () => {
    const repo = Sandbox.create();
    sandboxes.push(repo);
    repo.installHook(undefined, ['commit-msg']);
    repo.write('a.txt', 'a\n').gitOk('add', '.');
    const result = repo.git('commit', '-m', `deploy with ${keyIdForAccount(ACCOUNT)}`);
    expect(result.status).not.toBe(0);
    expect(flat(result.stderr)).toContain('Write the commit message again without the credential');
    expect(flat(result.stderr)).toContain('if you also pasted it somewhere (chat, e-mail, a ticket), deactivate and replace it');
  });

  it('incident accepts the line the check reported for a secret access key: the plan is for the key ID beside it', () => {
    const { repo, keyId } = repositoryWithRemote(); // line 2: key ID, line 3: its secret
    repo.gitOk('add', '.');
    const secretLine = repo.findings().findings.find((f) => f.kind === 'secret-access-key')!;
    expect(secretLine.line).toBe(3);
    const result = repo.keyguard(['incident', `notes/day3.md:${secretLine.line}`]);
    expect(result.status).toBe(0);
    expect(result.stdout).toContain(`keyguard incident: ${keyId}`);
    // A secret alone: how to find its key ID, in one line.
    repo.write('alone.ini', `aws_secret_access_key = ${freshSecret()}\n`);
    const alone = repo.keyguard(['incident', 'alone.ini:1']);
    expect(alone.status).toBe(2);
    expect(alone.stderr).toContain('alone.ini:1 holds a secret access key without its access key ID');
  });

  it.each([
    ['a branch without upstream, with a remote branch', true, /`keyguard check --history origin\/main\.\.HEAD`/],
    ['no remote at all', false, /`keyguard check --history` \(the whole history/],
  ])('the command to check before pushing works on %s', (_name, withRemote, suggestion) => {
    const made = withRemote ? repositoryWithRemote() : undefined;
    const repo = made?.repo ?? Sandbox.create();
    if (!made) {
      sandboxes.push(repo);
      repo.write('notes/day3.md', `aws_access_key_id = ${keyIdForAccount(ACCOUNT)}\n`);
    }
    repo.gitOk('checkout', '--quiet', '-b', 'topic');
    repo.gitOk('add', '.');
    repo.gitOk('commit', '--no-verify', '-m', 'notes');
    const { stderr } = json(repo, ['--all']);
    expect(stderr).toMatch(suggestion);
    const command = /`(keyguard check --history[^`]*)`/.exec(stderr)![1]!.split(' ').slice(1);
    const result = repo.keyguard(command);
    expect(result.status, result.stderr).toBe(1); // it runs, and finds the key in the commit to rewrite
  });

  it('--no-verify: what the report says it would lead to is true with and without the pre-push hook', () => {
    const repo = Sandbox.create();
    sandboxes.push(repo);
    repo.installHook(undefined, ['pre-commit']);
    repo.write('a.ini', `aws_access_key_id = ${keyIdForAccount(ACCOUNT)}\n`).gitOk('add', '.');
    expect(flat(repo.git('commit', '-m', 'a').stderr)).toContain('Bypassing this check with --no-verify would publish the key with your next push');
    repo.installHook(undefined, ['pre-commit', 'pre-push']);
    const guarded = flat(repo.git('commit', '-m', 'a').stderr);
    expect(guarded).toContain('Committing with --no-verify would put the key in your history: the pre-push hook would then stop the push');
    expect(guarded).not.toContain('would publish the key');
  });
});
