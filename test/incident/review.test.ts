import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isoTime } from '../../src/incident/json-value.js';
import { HOME_REGION } from './scenario.js';
import { ACCOUNT, ATTACKER_IP, at, incidentStory, OWNER_IP, PLANTED, type Story } from './story.js';
import { flat, IncidentWorkspace } from './workspace.js';

/**
 * The whole incident as the person lives it: the collect script (round 1), the review, the
 * follow-up collect for the credentials the key made (round 2), the merged review, the undo script
 * (run against the stub), the JSON and the reply to AWS. The CloudTrail answers are in the format
 * AWS documents, in several regions, across pages.
 */

let story: Story;
let ws: IncidentWorkspace;
let round1Text: string;
let round2Script: string;
let text: string;
let undo: string;
let json: Record<string, any>;
let reply: string;

beforeAll(() => {
  story = incidentStory();
  ws = new IncidentWorkspace();
  const first = ws.collect(story.scenario, story.round1, ['incident', story.leaked, '--collect']);
  if (first.status !== 0) throw new Error(`round 1 failed: ${first.stderr}${first.stdout}`);
  const review1 = ws.keyguard(['incident', '--review', 'incident']);
  if (review1.status !== 0) throw new Error(`review 1 failed (${review1.status}): ${review1.stderr}${review1.stdout}`);
  round1Text = review1.stdout;
  // Round 2, from the review's own follow-up script.
  round2Script = ws.keyguard(['incident', '--review', 'incident', '--collect']).stdout;
  story.scenario.writeAnswers(ws.stub.dir, story.round2);
  const second = ws.runScript('collect-2.sh', round2Script, ['incident']);
  if (second.status !== 0) throw new Error(`round 2 failed: ${second.stderr}${second.stdout}`);
  const review2 = ws.keyguard(['incident', '--review', 'incident']);
  if (review2.status !== 0) throw new Error(`review 2 failed (${review2.status}): ${review2.stderr}`);
  text = review2.stdout;
  undo = ws.keyguard(['incident', '--review', 'incident', '--undo']).stdout;
  json = JSON.parse(ws.keyguard(['incident', '--review', 'incident', '--format', 'json']).stdout);
  reply = ws.keyguard(['incident', '--review', 'incident', '--reply']).stdout;
}, 120_000);

afterAll(() => ws?.remove());

/** The lines of a section of the text report, "1." to the next numbered title. */
function section(report: string, n: number): string {
  const start = report.indexOf(`\n${n}. `);
  const end = report.indexOf(`\n${n + 1}. `, start + 1);
  return report.slice(start, end < 0 ? undefined : end);
}

describe('round 1: what the leaked key did', () => {
  it('a timeline per region, oldest first, with the call, the address and the user agent; both pages read', () => {
    const timeline = section(round1Text, 1);
    expect(flat(round1Text)).toContain(`keyguard incident review: ${story.leaked} (AWS account ${ACCOUNT}), IAM user deploy-bot`);
    expect([...timeline.matchAll(/^ {3}([a-z0-9-]+): /gm)].map((m) => m[1])).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-1']);
    // eu-west-1 came in two pages: 40 DescribeRegions on page 1, the attack on page 2.
    expect(timeline).toContain('eu-west-1: 45 events');
    expect(flat(timeline)).toMatch(/DescribeRegions ×40 \(to \d\d:\d\d:\d\dZ\) from 198\.51\.100\.23, Boto3\/1\.34\.1/);
    expect(timeline).toContain('RequestSpotInstances');
    const stamps = [...section(round1Text, 1).split('eu-west-1:')[1]!.split('us-east-1:')[0]!.matchAll(/(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ) [A-Z]/g)].map((m) => m[1]);
    expect(stamps).toEqual([...stamps].sort());
    expect(flat(timeline)).toContain('RunInstances failed: Client.InstanceLimitExceeded');
    expect(flat(timeline)).toContain(`GetCallerIdentity from ${OWNER_IP}, aws-cli/2.15.0`);
  });

  it('the credentials it made, the resources by region, and what still exists', () => {
    const credentials = flat(section(round1Text, 2));
    expect(credentials).toContain('IAM user support-admin: CreateUser');
    expect(credentials).toContain(`access key ${story.derived} of user support-admin: CreateAccessKey, ${at(2.2).replace('T', ' ')}, by ${story.leaked}. STILL EXISTS (Active)`);
    expect(credentials).toContain('console password (login profile) of user support-admin');
    expect(credentials).toContain('policy arn:aws:iam::aws:policy/AdministratorAccess attached to user support-admin');
    expect(credentials).toContain(
      `temporary key ${story.roleSession} from AssumeRole of arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole (session botocore-session-1), expires ${isoTime(Date.parse(at(3 + 24 * 60)) / 1000)}`,
    );
    expect(credentials).toMatch(new RegExp(`temporary key ${story.roleSession} [^]*?STILL EXISTS \\(valid until`));
    expect(credentials).toMatch(new RegExp(`temporary key ${story.userSession} from GetSessionToken[^]*?gone \\(expired`));

    const resources = section(round1Text, 3);
    expect([...resources.matchAll(/^ {3}([a-z0-9-]+)$/gm)].map((m) => m[1])).toEqual(['ap-southeast-1', 'eu-west-1', 'us-east-1']);
    const eu = flat(resources.split('   eu-west-1\n')[1]!.split('   us-east-1\n')[0]!);
    for (const id of story.ids.euWest) expect(eu).toContain(`instance ${id} (p3.16xlarge): RunInstances`);
    expect(eu).toMatch(new RegExp(`instance ${story.ids.euTerminated} \\(p3\\.16xlarge\\): RunInstances, [^.]+\\. gone \\(terminated`));
    expect(eu).toContain(`Spot request ${story.ids.spotRequest}: RequestSpotInstances`);
    expect(eu).toContain(`key pair miner (${story.ids.keyPairId})`);
    expect(eu).toContain(`ingress rule on ${story.ids.groupId}: tcp 22 from 0.0.0.0/0`);
    expect(flat(resources)).toContain('Lambda function lambda-miner: CreateFunction20150331');
    expect(flat(section(round1Text, 4))).toContain('ap-southeast-1 CreateLaunchTemplate (ec2.amazonaws.com)');
  });

  it('names the next layer and prints the follow-up collect for it', () => {
    const next = flat(section(round1Text, 6));
    expect(next).toContain(`Not collected yet: user support-admin, key ${story.derived}, key ${story.roleSession}, key ${story.userSession}.`);
    expect(next).toContain('keyguard incident --review incident --collect > collect-2.sh');
    // The follow-up: round 2, every lookup so far and the new ones.
    expect(round2Script).toContain('out="$folder/round-2"');
    for (const lookup of story.round2) expect(round2Script).toContain(`AttributeKey=${lookup.attribute},AttributeValue=${lookup.value}`);
  });
});

describe('round 2 merged in', () => {
  it('reads both rounds, and counts an event found by two lookups once', () => {
    expect(text).toContain('From incident: 2 rounds');
    const northeast = json.timeline.find((t: { region: string }) => t.region === 'ap-northeast-1');
    expect(northeast.events).toHaveLength(1);
    expect(northeast.events[0].eventId).toBe(story.sharedEventIds[0]);
    expect(northeast.events[0].foundBy).toHaveLength(2);
    expect(northeast.events[0].foundBy).toEqual(
      expect.arrayContaining([
        { attribute: 'AccessKeyId', value: story.derived },
        { attribute: 'Username', value: 'support-admin' },
      ]),
    );
    expect(flat(section(text, 3))).toContain(`instance ${story.ids.apNortheast} (c5.18xlarge): RunInstances`);
    expect(flat(section(text, 3))).toContain(`by ${story.derived}. STILL EXISTS (running)`);
  });

  it('finds the third layer (a key the role session made) and asks for round 3', () => {
    expect(flat(section(text, 2))).toContain(`access key ${story.thirdLayer} of user ops: CreateAccessKey`);
    expect(flat(section(text, 6))).toContain(`Not collected yet: key ${story.thirdLayer}.`);
    expect(flat(section(text, 6))).toContain('collect-3.sh');
  });
});

describe('the undo script', () => {
  it('has every ID and region filled in, in an order that works', () => {
    const commands = undo.split('\n').filter((line) => line.startsWith('run '));
    const index = (fragment: string) => {
      const i = commands.findIndex((line) => line.includes(fragment));
      expect(i, fragment).toBeGreaterThanOrEqual(0);
      return i;
    };
    // First: cut the credentials off.
    expect(commands[0]).toBe(`run iam update-access-key --access-key-id=${story.leaked} --status Inactive --user-name=deploy-bot`);
    expect(index(`update-access-key --access-key-id=${story.derived} --status Inactive --user-name=support-admin`)).toBeLessThan(index('terminate-instances'));
    expect(index('delete-login-profile --user-name=support-admin')).toBeLessThan(index('terminate-instances'));
    expect(undo).toContain('run iam put-role-policy --role-name=OrganizationAccountAccessRole --policy-name=AWSRevokeOlderSessions --policy-document="$(revoke_policy)"');
    // GetSessionToken's credentials have expired: nothing to revoke.
    expect(undo).not.toContain('put-user-policy');
    // Per region: cancel the Spot request before terminating (its instance included), wait, then the group.
    const eu = (fragment: string) => index(`--region eu-west-1 ${fragment}`);
    expect(eu('--spot-instance-request-ids')).toBeLessThan(index(`terminate-instances --region eu-west-1`));
    expect(commands[index('terminate-instances --region eu-west-1')]).toBe(
      `run ec2 terminate-instances --region eu-west-1 --instance-ids ${[...story.ids.euWest, story.ids.spotInstance].join(' ')}`,
    );
    // Terminated already: only in the "already gone" list, in no command.
    expect(commands.join('\n')).not.toContain(story.ids.euTerminated);
    expect(undo).toContain(`#   instance ${story.ids.euTerminated} (p3.16xlarge) (eu-west-1): terminated`);
    expect(index(`revoke-security-group-ingress --region eu-west-1 --group-id=${story.ids.groupId} --security-group-rule-ids ${story.ids.ruleId}`)).toBeGreaterThan(0);
    expect(index(`delete-key-pair --region eu-west-1 --key-pair-id=${story.ids.keyPairId}`)).toBeGreaterThan(0);
    expect(index('wait instance-terminated --region eu-west-1')).toBeLessThan(index(`delete-security-group --region eu-west-1 --group-id=${story.ids.groupId}`));
    expect(commands).toContain(`run ec2 terminate-instances --region ap-northeast-1 --instance-ids ${story.ids.apNortheast}`);
    expect(commands).toContain(`run ec2 terminate-instances --region us-east-1 --instance-ids ${story.ids.usEast}`);
    expect(commands).toContain('run lambda delete-function --region ap-southeast-1 --function-name=lambda-miner');
    // IAM: the user it made goes after its key, password and policy.
    expect(index(`delete-access-key --access-key-id=${story.derived} --user-name=support-admin`)).toBeLessThan(index('delete-user --user-name=support-admin'));
    expect(index('detach-user-policy --user-name=support-admin --policy-arn=arn:aws:iam::aws:policy/AdministratorAccess')).toBeLessThan(index('delete-user --user-name=support-admin'));
    // An existing user (ops) loses the key made for it, not its account or password.
    expect(index(`delete-access-key --access-key-id=${story.thirdLayer} --user-name=ops`)).toBeGreaterThan(0);
    expect(undo).not.toMatch(/delete-user --user-name=ops|delete-login-profile --user-name=ops/);
    // Last: the exposed key.
    expect(commands[commands.length - 1]).toBe(`run iam delete-access-key --access-key-id=${story.leaked} --user-name=deploy-bot`);
  });

  it('runs: every command reaches aws with exactly its arguments, in order, and the revoke policy is dated now', () => {
    const before = ws.stub.calls().length;
    const result = ws.runScript('undo.sh', undo, [], { STUB_AWS_DEFAULT_OK: '1' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const calls = ws.stub.calls().slice(before).filter((call) => call[0] !== 'configure');
    const expected = undo
      .split('\n')
      .filter((line) => line.startsWith('run '))
      .map((line) => line.slice(4));
    expect(calls.map((call) => call.join(' ').replace(/--policy-document=\{.*\}$/, '--policy-document="$(revoke_policy)"'))).toEqual(expected);
    const put = calls.find((call) => call[1] === 'put-role-policy')!;
    const policy = JSON.parse(put[put.length - 1]!.slice('--policy-document='.length));
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Deny', Action: ['*'], Resource: ['*'] });
    const issued = Date.parse(policy.Statement[0].Condition.DateLessThan['aws:TokenIssueTime']);
    expect(Math.abs(issued - Date.now())).toBeLessThan(60_000);
    expect(result.stdout).toContain(`Ran ${expected.length} commands; 0 failed.`);
  });
});

describe('--format json', () => {
  it('gives the same review as data', () => {
    expect(json).toMatchObject({ keyguard: 'incident-review', format: 1, complete: true, problems: [], key: { keyId: story.leaked, accountId: ACCOUNT, owner: { userName: 'deploy-bot' } } });
    expect(json.rounds.map((r: { round: number }) => r.round)).toEqual([1, 2]);
    expect(json.regions).toEqual(['ap-northeast-1', 'ap-southeast-1', 'eu-west-1', 'us-east-1']);
    expect(json.timeline.map((t: { region: string }) => t.region)).toEqual(['ap-northeast-1', 'ap-southeast-1', 'eu-west-1', 'us-east-1']);
    const events = json.timeline.flatMap((t: { events: unknown[] }) => t.events);
    expect(events).toHaveLength(1 + 3 + 45 + 9 + 1);
    const run = events.find((e: { name: string; region: string }) => e.name === 'RunInstances' && e.region === 'eu-west-1');
    expect(run).toMatchObject({ sourceIp: ATTACKER_IP, accessKeyId: story.leaked, readOnly: false, errorCode: null });
    expect(run.userAgent).toMatch(/^Boto3\/1\.34\.1/);
    const temporary = json.credentials.filter((c: { kind: string }) => c.kind === 'temporary-credentials');
    expect(temporary.map((c: { keyId: string; via: string }) => [c.via, c.keyId])).toEqual([
      ['AssumeRole', story.roleSession],
      ['GetSessionToken', story.userSession],
    ]);
    expect(temporary[0].existence.state).toBe('exists');
    expect(temporary[1].existence.state).toBe('gone');
    const spot = json.resources.find((r: { kind: string }) => r.kind === 'spot-request');
    expect(spot).toMatchObject({ requestId: story.ids.spotRequest, region: 'eu-west-1', existence: { state: 'exists', detail: 'active', instanceId: story.ids.spotInstance } });
    expect(json.resources.filter((r: { kind: string }) => r.kind === 'instance').map((r: { instanceId: string }) => r.instanceId).sort()).toEqual(
      [story.ids.usEast, ...story.ids.euWest, story.ids.euTerminated, story.ids.apSoutheast, story.ids.apNortheast].sort(),
    );
    expect(json.otherChanges.map((e: { name: string }) => e.name)).toEqual(['CreateLaunchTemplate']);
    expect(json.undo.script).toBe(undo);
    expect(json.undo.sections[0].commands[0].args).toEqual(['iam', 'update-access-key', `--access-key-id=${story.leaked}`, '--status', 'Inactive', '--user-name=deploy-bot']);
    expect(json.nextLayer).toMatchObject({ round: 3, pending: [{ attribute: 'AccessKeyId', value: story.thirdLayer }] });
    expect(json.nextLayer.collectScript).toContain('out="$folder/round-3"');
    expect(json.supportReply).toBe(reply.trimEnd());
  });
});

describe('the draft reply to AWS support', () => {
  it('has the dates, what was created, and the prevention steps, with [...] for the person', () => {
    const body = flat(reply);
    expect(body).toContain(`Unauthorized use of access key ${story.leaked} in account ${ACCOUNT}`);
    expect(body).toContain('in 4 regions (ap-northeast-1, ap-southeast-1, eu-west-1, us-east-1)');
    expect(body).toMatch(/someone created: [^.]*7 EC2 instances \(ap-northeast-1, ap-southeast-1, eu-west-1, us-east-1\)/);
    expect(body).toContain('[date] Deactivated, then deleted, the exposed access key');
    expect(body).toContain('MFA is on for the root user');
    expect(body).toContain('billing alarm');
    expect(body).toContain('CloudTrail trail');
    expect(body).toContain('shared responsibility model');
    expect(body).toMatch(/still existed: run the undo script, collect again/);
  });
});

describe('what the review prints', () => {
  it('never a secret: a secret key or session token in a record stays out of the text, JSON, scripts and reply', () => {
    for (const output of [round1Text, text, undo, JSON.stringify(json), reply, round2Script]) {
      expect(output).not.toContain(PLANTED.secret);
      expect(output).not.toContain(PLANTED.sessionToken);
      expect(output).not.toContain(PLANTED.sessionToken.slice(0, 40));
    }
  });

  it('wraps prose to the terminal width (80 when unknown), never a command or script line', () => {
    for (const [width, report] of [
      [80, text],
      [60, ws.keyguard(['incident', '--review', 'incident'], { COLUMNS: '60' }).stdout],
    ] as const) {
      const scriptStart = report.indexOf('#!/bin/sh');
      const scriptEnd = report.indexOf('[ "$failed" -eq 0 ]');
      const prose = report.slice(0, scriptStart) + report.slice(scriptEnd + 20);
      for (const line of prose.split('\n')) {
        if (/^ {5}(keyguard|sh) /.test(line)) continue; // commands to copy, whole
        const longestWord = Math.max(...line.trim().split(' ').map((w) => w.length));
        if (line.length > width) expect(longestWord + line.search(/\S/) + 2, `${width}: ${line}`).toBeGreaterThan(width);
      }
    }
  });

  it('--since leaves out the owner\'s own earlier use of the key', () => {
    const since = ws.keyguard(['incident', '--review', 'incident', '--since', at(0)]);
    expect(since.status).toBe(0);
    expect(since.stdout).not.toContain(OWNER_IP);
    expect(flat(since.stdout)).toContain(`1 event before ${at(0)} (--since) are left out of this review.`);
    const sinceReply = ws.keyguard(['incident', '--review', 'incident', '--since', at(0), '--reply']).stdout;
    expect(sinceReply).toContain(`between ${at(0).slice(0, 10)} ${at(0).slice(11, 19)} UTC`);
    expect(ws.keyguard(['incident', '--review', 'incident', '--since', 'yesterday']).status).toBe(2);
  });

  it('the plan for a key points to --collect and --review', () => {
    const plan = ws.keyguard(['incident', story.leaked]);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain(`keyguard incident ${story.leaked} --collect > collect.sh`);
    expect(plan.stdout).toContain(`keyguard incident --review incident-${story.leaked}`);
  });

  it('usage errors: exit 2 with what to do', () => {
    const cases: [string[], string][] = [
      [['incident', '--review', 'incident', '--undo', '--reply'], 'give one of them'],
      [['incident', story.leaked, '--undo'], 'go with --review'],
      [['incident', '--review', 'nowhere'], 'no such folder'],
      [['incident', '--review', 'incident', '--format', 'sarif'], '--format must be one of text, json'],
      [['incident'], 'incident takes one access key ID'],
    ];
    for (const [args, message] of cases) {
      const result = ws.keyguard(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
    }
  });

  it('a key named on the command line that the folder was not collected for is flagged', () => {
    const other = ws.keyguard(['incident', story.thirdLayer, '--review', 'incident']);
    expect(flat(other.stdout)).toContain(`No round looked up ${story.thirdLayer}: this folder was collected for another key.`);
    expect(HOME_REGION).toBe('us-east-1');
  });
});
