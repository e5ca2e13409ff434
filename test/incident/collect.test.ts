import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { READ_ONLY_OPERATION } from '../../src/incident/collect-script.js';
import { keyIdForAccount } from '../../src/fake-keys.js';
import { run } from '../support/sandbox.js';
import { answerKey, HOME_REGION, Scenario } from './scenario.js';
import { ACCOUNT, incidentStory, record, at } from './story.js';
import { flat, IncidentWorkspace } from './workspace.js';

/**
 * The collect script, run as the person runs it (sh collect.sh <folder>) against a stub `aws` first
 * on PATH that answers from fixtures and records every call.
 */

const ALL_REGIONS = [
  'ap-northeast-1', 'ap-northeast-2', 'ap-northeast-3', 'ap-south-1', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1', 'eu-central-1',
  'eu-north-1', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'sa-east-1', 'us-east-1', 'us-east-2', 'us-west-1', 'us-west-2',
];

const workspaces: IncidentWorkspace[] = [];
afterEach(() => {
  for (const workspace of workspaces.splice(0)) workspace.remove();
});
function workspace(): IncidentWorkspace {
  const created = new IncidentWorkspace();
  workspaces.push(created);
  return created;
}

/** The operation of a recorded call (`lookup-events`), and the value of an option. */
const op = (call: string[]) => `${call[0]} ${call[1]}`;
const option = (call: string[], name: string) => {
  const i = call.indexOf(name);
  return i >= 0 ? call[i + 1] : call.find((arg) => arg.startsWith(`${name}=`))?.slice(name.length + 1);
};

describe('keyguard incident <key> --collect', () => {
  it('reads only, with --output json and no --query, in every enabled region, every page, and writes the raw answers', () => {
    const story = incidentStory(ALL_REGIONS);
    // A region with three pages of events, to see the script follow NextToken twice.
    story.scenario.addEvents(story.round1[0]!, 'sa-east-1', Array.from({ length: 9 }, (_, i) => record.plain('DescribeImages', 'ec2.amazonaws.com', 'sa-east-1', at(20 + i), story.leaked)), 3);
    const ws = workspace();
    const result = ws.collect(story.scenario, story.round1, ['incident', story.leaked, '--collect']);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const calls = ws.stub.calls();

    // Read-only calls only; `aws configure get` reads a local file (the exposed-key check).
    for (const call of calls) {
      if (call[0] === 'configure') {
        expect([['configure', 'get', 'aws_access_key_id'], ['configure', 'get', 'region']]).toContainEqual(call);
        continue;
      }
      expect(call[1]).toMatch(READ_ONLY_OPERATION);
      expect(option(call, '--output')).toBe('json');
      expect(call.join(' ')).not.toMatch(/--query|--no-paginate/);
    }
    expect(calls.every((call) => call[0] === 'configure' || ['sts', 'ec2', 'cloudtrail', 'lambda', 'iam'].includes(call[0]!))).toBe(true);

    // Every enabled region: the key's events and each inventory, exactly once per page.
    for (const region of ALL_REGIONS) {
      const here = calls.filter((call) => option(call, '--region') === region);
      const ops = here.map(op);
      for (const expected of ['cloudtrail lookup-events', 'ec2 describe-instances', 'ec2 describe-spot-instance-requests', 'lambda list-functions', 'ec2 describe-key-pairs', 'ec2 describe-security-groups']) {
        expect(ops, `${region}: ${expected}`).toContain(expected);
      }
      const lookups = here.filter((call) => call[1] === 'lookup-events');
      expect(lookups.every((call) => option(call, '--lookup-attributes') === `AttributeKey=AccessKeyId,AttributeValue=${story.leaked}`)).toBe(true);
      const pages = region === 'eu-west-1' ? 2 : region === 'sa-east-1' ? 3 : 1;
      expect(lookups, region).toHaveLength(pages);
      // Page 1 without a token, each next page with the token the previous one gave.
      expect(option(lookups[0]!, '--starting-token')).toBeUndefined();
      for (let page = 2; page <= pages; page++) {
        const previous = JSON.parse(readFileSync(ws.path('incident', 'round-1', region, `cloudtrail-AccessKeyId-${story.leaked}.${page - 1}.json`), 'utf8'));
        expect(option(lookups[page - 1]!, '--starting-token')).toBe(previous.NextToken);
      }
    }
    expect(calls.filter((call) => op(call) === 'ec2 describe-instances').every((call) => option(call, '--filters') === 'Name=instance-state-name,Values=pending,running,stopping,stopped')).toBe(true);
    // IAM: the users, then each user's keys, login profile, policies and groups.
    for (const user of ['deploy-bot', 'support-admin', 'ops']) {
      const mine = calls.filter((call) => option(call, '--user-name') === user);
      expect(mine.every((call) => option(call, '--region') === HOME_REGION)).toBe(true);
      const ops = mine.map(op);
      expect(ops.sort()).toEqual(['iam get-login-profile', 'iam list-access-keys', 'iam list-attached-user-policies', 'iam list-groups-for-user', 'iam list-user-policies']);
    }
    expect(calls.filter((call) => call[0] === 'iam' && option(call, '--user-name') === undefined).map(op).sort()).toEqual(['iam list-policies', 'iam list-roles', 'iam list-users']);
    expect(calls.filter((call) => call[0] === 'sts').map(op)).toEqual(['sts get-caller-identity']);
    expect(calls.filter((call) => op(call) === 'ec2 describe-regions')).toHaveLength(1);

    // The files: one per page, raw JSON as the CLI printed it; "none" for a user without a login profile.
    const round = ws.path('incident', 'round-1');
    expect(readdirSync(round).sort()).toEqual([...ALL_REGIONS, 'iam', 'identity.json', 'regions.json', 'round.json'].sort());
    expect(readdirSync(ws.path('incident', 'round-1', 'sa-east-1')).sort()).toEqual([
      `cloudtrail-AccessKeyId-${story.leaked}.1.json`,
      `cloudtrail-AccessKeyId-${story.leaked}.2.json`,
      `cloudtrail-AccessKeyId-${story.leaked}.3.json`,
      'instances.1.json',
      'key-pairs.json',
      'lambda-functions.1.json',
      'security-groups.1.json',
      'spot-requests.1.json',
    ]);
    const page = JSON.parse(readFileSync(ws.path('incident', 'round-1', 'eu-west-1', `cloudtrail-AccessKeyId-${story.leaked}.1.json`), 'utf8'));
    expect(typeof page.Events[0].CloudTrailEvent).toBe('string');
    expect(existsSync(ws.path('incident', 'round-1', 'iam', 'users', 'deploy-bot.login-profile.absent'))).toBe(true);
    expect(existsSync(ws.path('incident', 'round-1', 'iam', 'users', 'support-admin.login-profile.json'))).toBe(true);
    const manifest = JSON.parse(readFileSync(ws.path('incident', 'round-1', 'round.json'), 'utf8'));
    expect(manifest).toMatchObject({ keyguard: 'keyguard-incident-collect', round: 1, lookups: [{ attribute: 'AccessKeyId', value: story.leaked }], failedCalls: 0 });
    expect(manifest.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // It says what it wrote, and what to run next.
    expect(result.stdout).toContain(`wrote incident/round-1/sa-east-1/cloudtrail-AccessKeyId-${story.leaked}.3.json`);
    expect(result.stdout).toContain('Next: keyguard incident --review incident');
    // The key ID is in the script (that is its purpose); keyguard itself ran no aws.
    const review = ws.keyguard(['incident', '--review', 'incident']);
    expect(review.status).toBe(0);
    expect(ws.stub.calls()).toHaveLength(calls.length);
  });

  it('a failed region and a failed page are recorded as .error files, the run goes on, and the review names them', () => {
    const story = incidentStory();
    story.scenario
      .fail({ service: 'ec2', op: 'describe-instances', region: 'ap-southeast-1' }, 254, 'An error occurred (UnauthorizedOperation) when calling the DescribeInstances operation: You are not authorized to perform this operation.')
      .fail({ service: 'cloudtrail', op: 'lookup-events', region: 'ap-northeast-1', lookup: `AttributeKey=AccessKeyId,AttributeValue=${story.leaked}` }, 255, 'Could not connect to the endpoint URL: "https://cloudtrail.ap-northeast-1.amazonaws.com/"');
    const ws = workspace();
    const result = ws.collect(story.scenario, story.round1, ['incident', story.leaked, '--collect']);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('FAILED: aws ec2 describe-instances, see incident/round-1/ap-southeast-1/instances.1.error');
    expect(result.stdout).toContain('2 calls FAILED');
    expect(readFileSync(ws.path('incident', 'round-1', 'ap-southeast-1', 'instances.1.error'), 'utf8')).toContain('UnauthorizedOperation');
    // The other regions were still collected.
    expect(existsSync(ws.path('incident', 'round-1', 'eu-west-1', `cloudtrail-AccessKeyId-${story.leaked}.2.json`))).toBe(true);
    expect(JSON.parse(readFileSync(ws.path('incident', 'round-1', 'round.json'), 'utf8')).failedCalls).toBe(2);

    const review = ws.keyguard(['incident', '--review', 'incident']);
    expect(review.status).toBe(2);
    const text = flat(review.stdout);
    expect(text).toContain('INCOMPLETE: 2 problems');
    expect(text).toContain('round-1/ap-southeast-1/instances.1.error: the call failed: An error occurred (UnauthorizedOperation)');
    expect(text).toContain(`round-1/ap-northeast-1/cloudtrail-AccessKeyId-${story.leaked}.1.error: the call failed: Could not connect to the endpoint URL`);
    // What the failed inventory would have said is unknown, not "gone": the instance stays in the undo script.
    expect(text).toMatch(new RegExp(`instance ${story.ids.apSoutheast} \\(g4dn.12xlarge\\): RunInstances, [^.]+\\. unknown`));
    expect(ws.keyguard(['incident', '--review', 'incident', '--undo']).stdout).toContain(`--instance-ids ${story.ids.apSoutheast}`);
  });

  it('a page whose NextToken it cannot read is recorded as a failure, not taken as the last page', () => {
    const scenario = new Scenario(ACCOUNT, [HOME_REGION]);
    const keyId = keyIdForAccount(ACCOUNT);
    const ws = workspace();
    scenario.writeAnswers(ws.stub.dir, [{ attribute: 'AccessKeyId', value: keyId }]);
    const key = answerKey({ service: 'cloudtrail', op: 'lookup-events', region: HOME_REGION, lookup: `AttributeKey=AccessKeyId,AttributeValue=${keyId}` });
    writeFileSync(join(ws.stub.dir, 'answers', `${key}.json`), `${JSON.stringify({ Events: [], NextToken: 'a"b' }, null, 4)}\n`);
    const result = ws.runScript('collect.sh', ws.keyguard(['incident', keyId, '--collect']).stdout, ['incident']);
    expect(result.status).toBe(1);
    expect(readFileSync(ws.path('incident', 'round-1', HOME_REGION, `cloudtrail-AccessKeyId-${keyId}.2.error`), 'utf8')).toContain('cannot read the NextToken');
    const review = ws.keyguard(['incident', '--review', 'incident']);
    expect(review.status).toBe(2);
    expect(flat(review.stdout)).toContain(`cloudtrail-AccessKeyId-${keyId}.2.error: the call failed: cannot read the NextToken`);
  });

  it('refuses to overwrite a round, and refuses to run with the exposed key configured', () => {
    const story = incidentStory([HOME_REGION]);
    const ws = workspace();
    expect(ws.collect(story.scenario, story.round1, ['incident', story.leaked, '--collect']).status).toBe(0);
    const again = ws.collect(story.scenario, story.round1, ['incident', story.leaked, '--collect']);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('incident/round-1 already exists');

    const withKey = ws.runScript('c.sh', ws.keyguard(['incident', story.leaked, '--collect']).stdout, ['other'], { AWS_ACCESS_KEY_ID: story.leaked });
    expect(withKey.status).toBe(2);
    expect(withKey.stderr).toContain('an exposed key');
    expect(existsSync(ws.path('other'))).toBe(false);

    const usage = ws.runScript('c.sh', ws.keyguard(['incident', story.leaked, '--collect']).stdout, []);
    expect(usage.status).toBe(2);
    expect(usage.stderr).toContain('usage: sh c.sh <folder>');
  });

  it('stops early, saying why, when the credentials do not work', () => {
    const story = incidentStory([HOME_REGION]);
    story.scenario.fail({ service: 'sts', op: 'get-caller-identity', region: HOME_REGION }, 255, 'Unable to locate credentials. You can configure credentials by running "aws configure".');
    const ws = workspace();
    const result = ws.collect(story.scenario, story.round1, ['incident', story.leaked, '--collect']);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('Check your AWS CLI credentials');
    expect(ws.stub.calls().map(op)).toEqual(['configure get', 'sts get-caller-identity']);
    const review = ws.keyguard(['incident', '--review', 'incident']);
    expect(review.status).toBe(2);
    expect(flat(review.stdout)).toContain('round-1/identity.error: the call failed: Unable to locate credentials');
    expect(flat(review.stdout)).toContain('round-1/round.json: has no finishedAt');
  });

  it('is POSIX sh: dash and bash -o posix both accept it', () => {
    const keyId = keyIdForAccount(ACCOUNT);
    const ws = workspace();
    const script = ws.keyguard(['incident', keyId, '--collect']).stdout;
    expect(script.startsWith('#!/bin/sh\n')).toBe(true);
    expect(run('dash', ['-n'], ws.box.dir, ws.box.env, script).status).toBe(0);
    expect(run('bash', ['--posix', '-n'], ws.box.dir, ws.box.env, script).status).toBe(0);
    // The key is in the script as a plain word, nowhere else than where it is used.
    expect(script.match(new RegExp(keyId, 'g'))!.length).toBeGreaterThanOrEqual(3);
  });

  it('with no region configured anywhere, the global calls name us-east-1 (AWS CLI v1 needs one); it runs under bash --posix too', () => {
    const story = incidentStory(['eu-west-1', HOME_REGION]);
    const ws = workspace();
    story.scenario.writeAnswers(ws.stub.dir, story.round1);
    const script = ws.keyguard(['incident', story.leaked, '--collect']).stdout;
    writeFileSync(ws.path('collect.sh'), script);
    const result = run('bash', ['--posix', 'collect.sh', 'incident'], ws.box.dir, { ...ws.box.env, ...ws.env, AWS_REGION: '', AWS_DEFAULT_REGION: '' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const calls = ws.stub.calls();
    expect(calls).toContainEqual(['configure', 'get', 'region']);
    const global = calls.filter((call) => call[0] === 'iam' || call[0] === 'sts' || op(call) === 'ec2 describe-regions');
    expect(global.length).toBeGreaterThan(10);
    expect(global.every((call) => option(call, '--region') === HOME_REGION)).toBe(true);

    // The undo script: IAM commands run with AWS_DEFAULT_REGION set the same way.
    const undo = ws.keyguard(['incident', '--review', 'incident', '--undo']).stdout;
    writeFileSync(ws.path('undo.sh'), `${undo.replace('#!/bin/sh', '#!/bin/sh\nexport -p >exported.txt; trap \'export -p >exported.txt\' EXIT')}`);
    const undone = run('sh', ['undo.sh'], ws.box.dir, { ...ws.box.env, ...ws.env, AWS_REGION: '', AWS_DEFAULT_REGION: '', STUB_AWS_DEFAULT_OK: '1' });
    expect(undone.status).toBe(0);
    expect(readFileSync(ws.path('exported.txt'), 'utf8')).toMatch(/AWS_DEFAULT_REGION=.?us-east-1/);
  });
});
