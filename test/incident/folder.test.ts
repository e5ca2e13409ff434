import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { keyIdForAccount } from '../../src/fake-keys.js';
import { HOME_REGION, Scenario } from './scenario.js';
import { ACCOUNT, at, incidentStory, instanceId, record, stsClock, type Story } from './story.js';
import { flat, IncidentWorkspace } from './workspace.js';

/**
 * Folders the collect script would not leave behind, or would leave only when something went
 * wrong: every missing, failed, malformed or cut-off file is named, the review goes on with what
 * it could read, and the exit code is 2.
 */

const workspaces: IncidentWorkspace[] = [];
afterEach(() => {
  for (const workspace of workspaces.splice(0)) workspace.remove();
});

function folderFor(story: Story = incidentStory()): { ws: IncidentWorkspace; story: Story; round: string; file: (...parts: string[]) => string } {
  const ws = new IncidentWorkspace();
  workspaces.push(ws);
  const round = story.scenario.writeRound(ws.path('incident'), 1, story.round1);
  return { ws, story, round, file: (...parts) => join(round, ...parts) };
}

function review(ws: IncidentWorkspace, args: string[] = []) {
  const result = ws.keyguard(['incident', '--review', 'incident', ...args]);
  return { ...result, text: flat(result.stdout) };
}

describe('keyguard incident --review: what cannot be read is named, never skipped', () => {
  it('a folder written whole reviews with exit 0', () => {
    const { ws } = folderFor();
    const result = review(ws);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.text).not.toContain('INCOMPLETE');
  });

  it('a page cut off (its NextToken promises a next page that is not there)', () => {
    const { ws, story, file } = folderFor();
    unlinkSync(file('eu-west-1', `cloudtrail-AccessKeyId-${story.leaked}.2.json`));
    const result = review(ws);
    expect(result.status).toBe(2);
    expect(result.text).toContain(`INCOMPLETE: 1 problem`);
    expect(result.text).toContain(
      `round-1/eu-west-1/cloudtrail-AccessKeyId-${story.leaked}.2.json: is missing, though page 1 says there are more (NextToken): the answer is cut short.`,
    );
    // Page 1 (23 of the 45 events) is still read.
    expect(result.text).toContain('DescribeRegions ×23');
    const json = JSON.parse(ws.keyguard(['incident', '--review', 'incident', '--format', 'json']).stdout);
    expect(json.complete).toBe(false);
    expect(json.problems).toEqual([{ file: `round-1/eu-west-1/cloudtrail-AccessKeyId-${story.leaked}.2.json`, problem: expect.stringContaining('cut short') }]);
  });

  it('malformed files: JSON cut in the middle, binary junk, empty, not an AWS answer', () => {
    const { ws, story, file } = folderFor();
    const events = file('us-east-1', `cloudtrail-AccessKeyId-${story.leaked}.1.json`);
    writeFileSync(events, readFileSync(events, 'utf8').slice(0, 700));
    writeFileSync(file('ap-southeast-1', 'instances.1.json'), randomBytes(4096));
    writeFileSync(file('eu-west-1', 'key-pairs.json'), '');
    writeFileSync(file('ap-northeast-1', `cloudtrail-AccessKeyId-${story.leaked}.1.json`), '{"Reservations": []}\n');
    writeFileSync(file('ap-northeast-1', 'lambda-functions.1.json'), '[1, 2, 3]\n');
    const result = review(ws);
    expect(result.status).toBe(2);
    expect(result.text).toContain('INCOMPLETE: 5 problems');
    expect(result.text).toContain(`round-1/us-east-1/cloudtrail-AccessKeyId-${story.leaked}.1.json: is not valid JSON at character 700 of 700: a cut-off or edited file`);
    // The junk is not quoted back (V8's message would quote it).
    expect(result.text).toMatch(/round-1\/ap-southeast-1\/instances\.1\.json: is not valid JSON (at character \d+ of \d+|\(\d+ characters\)): a cut-off/);
    expect(result.text).toContain('round-1/eu-west-1/key-pairs.json: is empty');
    expect(result.text).toContain(`round-1/ap-northeast-1/cloudtrail-AccessKeyId-${story.leaked}.1.json: has no Events list: not a cloudtrail lookup-events answer.`);
    expect(result.text).toContain('round-1/ap-northeast-1/lambda-functions.1.json: is not a JSON object');
    // The instance whose inventory is junk is "unknown", and stays in the undo script.
    expect(result.text).toMatch(new RegExp(`instance ${story.ids.apSoutheast} \\(g4dn.12xlarge\\): RunInstances, [^.]+\\. unknown`));
    // Nothing from the junk reaches the terminal raw.
    expect(result.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
  });

  it('an event whose CloudTrailEvent is not JSON is shown from its summary fields, and named', () => {
    const { ws, story, file } = folderFor();
    const path = file('ap-southeast-1', `cloudtrail-AccessKeyId-${story.leaked}.1.json`);
    const page = JSON.parse(readFileSync(path, 'utf8'));
    page.Events[0].CloudTrailEvent = '{"eventName": "RunInstances", "responseElements": {"instancesSet": ';
    writeFileSync(path, JSON.stringify(page, null, 4));
    const result = review(ws);
    expect(result.status).toBe(2);
    expect(result.text).toContain(
      `round-1/ap-southeast-1/cloudtrail-AccessKeyId-${story.leaked}.1.json: RunInstances (${page.Events[0].EventId}): its CloudTrailEvent is not a JSON record; it is shown from its summary fields only, and what it created is not known.`,
    );
    expect(section(result.stdout, 1)).toContain('RunInstances');
    // What it created is not known: it is not made up.
    expect(result.text).not.toContain(story.ids.apSoutheast);
  });

  it('an interrupted run (no finishedAt, files missing) and a region that is not there at all', () => {
    const story = incidentStory();
    const ws = new IncidentWorkspace();
    workspaces.push(ws);
    const round = story.scenario.writeRound(ws.path('incident'), 1, story.round1, { finished: false });
    rmSync(join(round, 'ap-northeast-1'), { recursive: true });
    rmSync(join(round, 'iam', 'users.1.json'));
    const result = review(ws);
    expect(result.status).toBe(2);
    expect(result.text).toContain('round-1/round.json: has no finishedAt: the collect script did not finish');
    for (const missing of [`cloudtrail-AccessKeyId-${story.leaked}.1.json`, 'instances.1.json', 'spot-requests.1.json', 'lambda-functions.1.json', 'key-pairs.json', 'security-groups.1.json']) {
      expect(result.text).toContain(`round-1/ap-northeast-1/${missing}: is missing: the collect script did not get that far.`);
    }
    expect(result.text).toContain('round-1/iam/users.1.json: is missing');
    // Without the user list, the users and keys it made are "unknown", not "gone".
    expect(result.text).toMatch(/IAM user support-admin: CreateUser, [^.]+\. unknown/);
  });

  it('no manifest: the key must be named; a manifest of another round is refused', () => {
    const { ws, story, file } = folderFor();
    rmSync(file('round.json'));
    const unnamed = review(ws);
    expect(unnamed.status).toBe(2);
    expect(unnamed.stderr).toContain('cannot tell which key incident is about');
    expect(unnamed.stderr).toContain('keyguard incident <key ID> --review incident');
    const named = ws.keyguard(['incident', story.leaked, '--review', 'incident']);
    expect(named.status).toBe(2);
    expect(flat(named.stdout)).toContain('round-1/round.json: is missing');

    mkdirSync(ws.path('incident', 'round-2'));
    writeFileSync(ws.path('incident', 'round-2', 'round.json'), JSON.stringify({ keyguard: 'keyguard-incident-collect', format: 1, round: 1, lookups: [], startedAt: '2026-03-02T08:00:00Z' }));
    expect(flat(ws.keyguard(['incident', story.leaked, '--review', 'incident']).stdout)).toContain('round-2/round.json: is not a keyguard collect manifest for round 2');
  });

  it('not a collected folder: exit 2 and what to run', () => {
    const ws = new IncidentWorkspace();
    workspaces.push(ws);
    mkdirSync(ws.path('empty'));
    writeFileSync(ws.path('file.txt'), 'x');
    const empty = ws.keyguard(['incident', '--review', 'empty']);
    expect(empty.status).toBe(2);
    expect(empty.stderr).toContain('empty holds no collected round (round-1/): run the collect script first');
    expect(ws.keyguard(['incident', '--review', 'file.txt']).stderr).toContain('is not a folder');
  });

  it('--undo and --reply on an incomplete folder: printed, with a warning on stderr and exit 2', () => {
    const { ws, file } = folderFor();
    writeFileSync(file('eu-west-1', 'instances.1.error'), 'aws ec2 describe-instances failed (exit status 254):\n\nAn error occurred (RequestExpired) when calling the DescribeInstances operation: Request has expired.\n');
    rmSync(file('eu-west-1', 'instances.1.json'));
    for (const flag of ['--undo', '--reply']) {
      const result = ws.keyguard(['incident', '--review', 'incident', flag]);
      expect(result.status).toBe(2);
      expect(result.stderr).toContain('incident is incomplete (1 problem');
      expect(result.stdout.length).toBeGreaterThan(200);
    }
    expect(flat(review(ws).stdout)).toContain('round-1/eu-west-1/instances.1.error: the call failed: An error occurred (RequestExpired)');
  });

  it('what still exists comes from the newest round that read it completely', () => {
    const story = incidentStory();
    const ws = new IncidentWorkspace();
    workspaces.push(ws);
    story.scenario.writeRound(ws.path('incident'), 1, story.round1, { finishedAt: '2026-03-02T08:05:00Z' });
    // Round 2: the EU instances were terminated, but its us-east-1 inventory failed.
    story.scenario.inventory('eu-west-1', 'instances', { Reservations: [] });
    story.scenario.fail({ service: 'ec2', op: 'describe-instances', region: 'us-east-1' }, 254, 'An error occurred (Throttling)');
    story.scenario.writeRound(ws.path('incident'), 2, story.round1, { finishedAt: '2026-03-02T09:30:00Z' });
    const json = JSON.parse(ws.keyguard(['incident', '--review', 'incident', '--format', 'json']).stdout);
    const instance = (id: string) => json.resources.find((r: { instanceId?: string }) => r.instanceId === id).existence;
    expect(instance(story.ids.euWest[0]!)).toMatchObject({ state: 'gone', asOf: '2026-03-02T09:30:00Z' });
    expect(instance(story.ids.usEast)).toMatchObject({ state: 'exists', detail: 'running', asOf: '2026-03-02T08:05:00Z' });
    expect(json.problems.map((p: { file: string }) => p.file)).toEqual(['round-2/us-east-1/instances.1.error']);
  });
});

function section(report: string, n: number): string {
  const start = report.indexOf(`\n${n}. `);
  return report.slice(start, report.indexOf(`\n${n + 1}. `, start + 1));
}

describe('whose key it was', () => {
  it('a root user key: no --user-name, and the review says the key is still active', () => {
    const leaked = keyIdForAccount(ACCOUNT);
    const scenario = new Scenario(ACCOUNT, [HOME_REGION]);
    scenario.addEvents({ attribute: 'AccessKeyId', value: leaked }, HOME_REGION, [
      { ...record.getSessionToken(at(1), leaked, keyIdForAccount(ACCOUNT, 'ASIA'), stsClock(24 * 60)), identity: { type: 'Root' } },
      { ...record.runInstances(HOME_REGION, at(2), leaked, [{ id: instanceId(), type: 'c5.large' }]), identity: { type: 'Root' } },
    ]);
    const ws = new IncidentWorkspace();
    workspaces.push(ws);
    scenario.writeRound(ws.path('incident'), 1, [{ attribute: 'AccessKeyId', value: leaked }]);
    const text = flat(ws.keyguard(['incident', '--review', 'incident']).stdout);
    expect(text).toContain(`keyguard incident review: ${leaked} (AWS account ${ACCOUNT}), a ROOT USER key`);
    const undo = ws.keyguard(['incident', '--review', 'incident', '--undo']).stdout;
    expect(undo).toContain('# the exposed key, a root user key: run this signed in as the root user');
    expect(undo).toContain(`run iam update-access-key --access-key-id=${leaked} --status Inactive\n`);
    expect(undo).toContain(`run iam delete-access-key --access-key-id=${leaked}\n`);
    expect(undo).toContain("# not run: credentials a root user obtained cannot be revoked: they stop working when they expire");
  });

  it('an IAM user key still Active is said at the top; a temporary (ASIA) key: its role\'s sessions are revoked', () => {
    const story = incidentStory([HOME_REGION]);
    const { ws } = folderFor(story);
    expect(flat(ws.keyguard(['incident', '--review', 'incident']).stdout)).toContain('The exposed key is still ACTIVE (collected');

    const temporary = keyIdForAccount(ACCOUNT, 'ASIA');
    const scenario = new Scenario(ACCOUNT, [HOME_REGION]);
    const role = { type: 'AssumedRole', userName: 'ci-deploy', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/ci-deploy/build-42` };
    scenario.addEvents({ attribute: 'AccessKeyId', value: temporary }, HOME_REGION, [{ ...record.createUser(at(1), temporary, 'backdoor'), identity: role }]);
    const other = new IncidentWorkspace();
    workspaces.push(other);
    scenario.writeRound(other.path('incident'), 1, [{ attribute: 'AccessKeyId', value: temporary }]);
    const undo = other.keyguard(['incident', '--review', 'incident', '--undo']).stdout;
    const commands = undo.split('\n').filter((line) => line.startsWith('run '));
    expect(commands[0]).toBe('run iam put-role-policy --role-name=ci-deploy --policy-name=AWSRevokeOlderSessions --policy-document="$(revoke_policy)"');
    expect(undo).not.toContain(`delete-access-key --access-key-id=${temporary}`);
  });
});
