import { randomBytes } from 'node:crypto';
import { freshSecret, freshSessionToken, keyIdForAccount } from '../../src/fake-keys.js';
import type { CloudTrailLookup } from '../../src/incident/target.js';
import { HOME_REGION, Scenario, type RecordInput } from './scenario.js';

/**
 * The incident the tests replay, shaped on a real one: a key pushed at 21:25, instances in Asia and
 * EU regions within minutes, an IAM user with its own key and console password to come back with,
 * temporary credentials from STS. Every key ID is generated here, at run time.
 */

export const ACCOUNT = '210987654321';
export const ATTACKER_IP = '198.51.100.23';
export const OWNER_IP = '192.0.2.10';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');

/**
 * The attack started three hours before the test runs (the collect script stamps the real time):
 * one temporary credential is still valid when collected, the other has expired.
 */
const START = Math.floor(Date.now() / 60_000) * 60_000 - 3 * 3600_000;
/** The time `minutes` after the attack started, ISO 8601. */
export const at = (minutes: number) => new Date(START + minutes * 60_000).toISOString().replace('.000Z', 'Z');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
/** As CloudTrail writes STS expirations: "Jul 18, 2023, 4:50:39 AM" (UTC). */
export function stsClock(minutes: number): string {
  const d = new Date(START + minutes * 60_000);
  const hour = d.getUTCHours() % 12 || 12;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()}, ${d.getUTCFullYear()}, ${hour}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${d.getUTCHours() < 12 ? 'AM' : 'PM'}`;
}
export const instanceId = () => `i-${hex(8).slice(0, 17)}`;

/** Secrets planted in records (AWS masks them in real ones): no output may contain them. */
export const PLANTED = { secret: freshSecret(), sessionToken: freshSessionToken() };

/** Builders for the records cloudtrail.md describes, with the fields AWS documents. */
export const record = {
  runInstances(region: string, time: string, keyId: string, instances: { id: string; type: string }[], extra: Partial<RecordInput> = {}): RecordInput {
    return {
      name: 'RunInstances',
      source: 'ec2.amazonaws.com',
      region,
      time,
      keyId,
      request: {
        instancesSet: { items: [{ imageId: 'ami-0abcdef1234567890', minCount: instances.length, maxCount: instances.length }] },
        instanceType: instances[0]?.type,
        keyName: 'miner',
        blockDeviceMapping: {},
        monitoring: { enabled: false },
        disableApiTermination: false,
      },
      response: {
        requestId: 'r-0',
        reservationId: `r-${hex(8)}`,
        ownerId: ACCOUNT,
        groupSet: {},
        instancesSet: {
          items: instances.map((instance, i) => ({
            instanceId: instance.id,
            imageId: 'ami-0abcdef1234567890',
            instanceState: { code: 0, name: 'pending' },
            privateDnsName: `ip-10-0-0-${i}.${region}.compute.internal`,
            keyName: 'miner',
            amiLaunchIndex: i,
            instanceType: instance.type,
            launchTime: Date.parse(time),
          })),
        },
      },
      ...extra,
    };
  },
  requestSpotInstances(region: string, time: string, keyId: string, requestIds: string[]): RecordInput {
    return {
      name: 'RequestSpotInstances',
      source: 'ec2.amazonaws.com',
      region,
      time,
      keyId,
      request: { instanceCount: requestIds.length, type: 'persistent', launchSpecification: { instanceType: 'p3.16xlarge' } },
      response: { requestId: 'r-1', spotInstanceRequestSet: { items: requestIds.map((id) => ({ spotInstanceRequestId: id, state: 'open' })) } },
    };
  },
  importKeyPair(region: string, time: string, keyId: string, keyName: string, keyPairId: string): RecordInput {
    return {
      name: 'ImportKeyPair',
      source: 'ec2.amazonaws.com',
      region,
      time,
      keyId,
      request: { keyName, publicKeyMaterial: '<sensitiveDataRemoved>' },
      response: { requestId: 'r-2', keyName, keyFingerprint: 'aa:bb:cc', keyPairId },
    };
  },
  createSecurityGroup(region: string, time: string, keyId: string, groupId: string, groupName: string): RecordInput {
    return {
      name: 'CreateSecurityGroup',
      source: 'ec2.amazonaws.com',
      region,
      time,
      keyId,
      request: { groupName, groupDescription: 'x', vpcId: 'vpc-0123' },
      response: { requestId: 'r-3', _return: true, groupId },
    };
  },
  authorizeIngress(region: string, time: string, keyId: string, groupId: string, ruleId: string | undefined, port: number, cidr: string): RecordInput {
    return {
      name: 'AuthorizeSecurityGroupIngress',
      source: 'ec2.amazonaws.com',
      region,
      time,
      keyId,
      request: {
        groupId,
        ipPermissions: { items: [{ ipProtocol: 'tcp', fromPort: port, toPort: port, groups: {}, ipRanges: { items: [{ cidrIp: cidr }] }, ipv6Ranges: {}, prefixListIds: {} }] },
      },
      response: {
        requestId: 'r-4',
        _return: true,
        ...(ruleId
          ? { securityGroupRuleSet: { items: [{ groupOwnerId: ACCOUNT, groupId, securityGroupRuleId: ruleId, isEgress: false, ipProtocol: 'tcp', fromPort: port, toPort: port, cidrIpv4: cidr }] } }
          : {}),
      },
    };
  },
  createFunction(region: string, time: string, keyId: string, functionName: string): RecordInput {
    return {
      name: 'CreateFunction20150331',
      source: 'lambda.amazonaws.com',
      region,
      time,
      keyId,
      request: { functionName, runtime: 'python3.12', role: `arn:aws:iam::${ACCOUNT}:role/lambda-exec`, handler: 'index.handler' },
      response: { functionName, functionArn: `arn:aws:lambda:${region}:${ACCOUNT}:function:${functionName}`, runtime: 'python3.12' },
    };
  },
  createUser(time: string, keyId: string, userName: string): RecordInput {
    return {
      name: 'CreateUser',
      source: 'iam.amazonaws.com',
      region: HOME_REGION,
      time,
      keyId,
      request: { userName },
      response: { user: { path: '/', userName, userId: 'AIDAEXAMPLEUSERID', arn: `arn:aws:iam::${ACCOUNT}:user/${userName}`, createDate: time } },
    };
  },
  attachUserPolicy(time: string, keyId: string, userName: string, policyArn: string): RecordInput {
    return { name: 'AttachUserPolicy', source: 'iam.amazonaws.com', region: HOME_REGION, time, keyId, request: { userName, policyArn } };
  },
  createAccessKey(time: string, keyId: string, userName: string, newKeyId: string): RecordInput {
    return {
      name: 'CreateAccessKey',
      source: 'iam.amazonaws.com',
      region: HOME_REGION,
      time,
      keyId,
      request: { userName },
      // AWS leaves the secret out of the record; it is here to prove keyguard never copies it out.
      response: { accessKey: { userName, accessKeyId: newKeyId, status: 'Active', createDate: time, secretAccessKey: PLANTED.secret } },
    };
  },
  createLoginProfile(time: string, keyId: string, userName: string): RecordInput {
    return {
      name: 'CreateLoginProfile',
      source: 'iam.amazonaws.com',
      region: HOME_REGION,
      time,
      keyId,
      request: { userName, passwordResetRequired: false },
      response: { loginProfile: { userName, createDate: time, passwordResetRequired: false } },
    };
  },
  assumeRole(time: string, keyId: string, roleArn: string, sessionName: string, newKeyId: string, expiration: string): RecordInput {
    return {
      name: 'AssumeRole',
      source: 'sts.amazonaws.com',
      region: HOME_REGION,
      time,
      keyId,
      request: { roleArn, roleSessionName: sessionName, durationSeconds: 3600 },
      response: {
        credentials: { accessKeyId: newKeyId, sessionToken: PLANTED.sessionToken, expiration },
        assumedRoleUser: { assumedRoleId: `AROAEXAMPLEROLEID:${sessionName}`, arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${roleArn.split('/').pop()}/${sessionName}` },
      },
    };
  },
  getSessionToken(time: string, keyId: string, newKeyId: string, expiration: string): RecordInput {
    return {
      name: 'GetSessionToken',
      source: 'sts.amazonaws.com',
      region: HOME_REGION,
      time,
      keyId,
      request: { durationSeconds: 129600 },
      response: { credentials: { accessKeyId: newKeyId, sessionToken: PLANTED.sessionToken, expiration } },
    };
  },
  plain(name: string, source: string, region: string, time: string, keyId: string, extra: Partial<RecordInput> = {}): RecordInput {
    return { name, source, region, time, keyId, ...extra };
  },
};

export interface Story {
  scenario: Scenario;
  leaked: string;
  derived: string;
  roleSession: string;
  userSession: string;
  thirdLayer: string;
  round1: CloudTrailLookup[];
  round2: CloudTrailLookup[];
  ids: {
    usEast: string;
    euWest: string[];
    euTerminated: string;
    apSoutheast: string;
    apNortheast: string;
    spotInstance: string;
    spotRequest: string;
    keyPairId: string;
    groupId: string;
    ruleId: string;
  };
  /** IDs of events found by two lookups (must be counted once). */
  sharedEventIds: string[];
}

/**
 * The story, in three layers: the leaked key (round 1), the key and sessions it made (round 2),
 * and a key the role session made (pending after round 2).
 */
export function incidentStory(regions = ['ap-northeast-1', 'ap-southeast-1', 'eu-west-1', 'us-east-1']): Story {
  const scenario = new Scenario(ACCOUNT, regions);
  const leaked = keyIdForAccount(ACCOUNT);
  const derived = keyIdForAccount(ACCOUNT);
  const roleSession = keyIdForAccount(ACCOUNT, 'ASIA');
  const userSession = keyIdForAccount(ACCOUNT, 'ASIA');
  const thirdLayer = keyIdForAccount(ACCOUNT);
  const ids = {
    usEast: instanceId(),
    euWest: [instanceId(), instanceId(), instanceId()],
    euTerminated: instanceId(),
    apSoutheast: instanceId(),
    apNortheast: instanceId(),
    spotInstance: instanceId(),
    spotRequest: `sir-${hex(4)}`,
    keyPairId: `key-${hex(8)}`,
    groupId: `sg-${hex(8)}`,
    ruleId: `sgr-${hex(8)}`,
  };
  const byLeaked: CloudTrailLookup = { attribute: 'AccessKeyId', value: leaked };
  const attacker = { ip: ATTACKER_IP, agent: 'Boto3/1.34.1 md/Botocore#1.34.1 ua/2.0 os/linux#5.15 lang/python#3.10' };

  // The owner's own use, weeks before: read-only, from the office.
  scenario.addEvents(byLeaked, 'us-east-1', [
    record.plain('GetCallerIdentity', 'sts.amazonaws.com', 'us-east-1', at(-19 * 24 * 60), leaked, { ip: OWNER_IP, agent: 'aws-cli/2.15.0' }),
    record.runInstances('us-east-1', at(6), leaked, [{ id: ids.usEast, type: 'c5.24xlarge' }], attacker),
    record.runInstances('us-east-1', at(6.5), leaked, [], { ...attacker, errorCode: 'Client.InstanceLimitExceeded', response: undefined }),
    record.createUser(at(2), leaked, 'support-admin'),
    record.attachUserPolicy(at(2.1), leaked, 'support-admin', 'arn:aws:iam::aws:policy/AdministratorAccess'),
    record.createAccessKey(at(2.2), leaked, 'support-admin', derived),
    record.createLoginProfile(at(2.3), leaked, 'support-admin'),
    record.assumeRole(at(3), leaked, `arn:aws:iam::${ACCOUNT}:role/OrganizationAccountAccessRole`, 'botocore-session-1', roleSession, stsClock(3 + 24 * 60)),
    record.getSessionToken(at(3.1), leaked, userSession, stsClock(63.1)),
  ].map((r) => ({ ...attacker, ...r, ip: r.ip ?? attacker.ip, agent: r.agent ?? attacker.agent })));

  // eu-west-1: enough calls for two pages (a loop of DescribeRegions, then the real work).
  const eu: RecordInput[] = [];
  for (let i = 0; i < 40; i++) eu.push(record.plain('DescribeRegions', 'ec2.amazonaws.com', 'eu-west-1', at(i / 60), leaked, { ...attacker, cli: 1 }));
  eu.push(
    { ...record.runInstances('eu-west-1', at(7), leaked, [...ids.euWest, ids.euTerminated].map((id) => ({ id, type: 'p3.16xlarge' }))), ...attacker },
    { ...record.requestSpotInstances('eu-west-1', at(7.5), leaked, [ids.spotRequest]), ...attacker },
    { ...record.importKeyPair('eu-west-1', at(5), leaked, 'miner', ids.keyPairId), ...attacker },
    { ...record.createSecurityGroup('eu-west-1', at(5.1), leaked, ids.groupId, 'open-ssh'), ...attacker },
    { ...record.authorizeIngress('eu-west-1', at(5.2), leaked, ids.groupId, ids.ruleId, 22, '0.0.0.0/0'), ...attacker },
  );
  scenario.addEvents(byLeaked, 'eu-west-1', eu, 2);

  scenario.addEvents(byLeaked, 'ap-southeast-1', [
    { ...record.runInstances('ap-southeast-1', at(8), leaked, [{ id: ids.apSoutheast, type: 'g4dn.12xlarge' }]), ...attacker },
    { ...record.createFunction('ap-southeast-1', at(8.5), leaked, 'lambda-miner'), ...attacker },
    { ...record.plain('CreateLaunchTemplate', 'ec2.amazonaws.com', 'ap-southeast-1', at(8.7), leaked), ...attacker },
  ]);

  // Round 2: the key it made, used from elsewhere; the role session makes a third-layer key.
  const byDerived: CloudTrailLookup = { attribute: 'AccessKeyId', value: derived };
  const byUser: CloudTrailLookup = { attribute: 'Username', value: 'support-admin' };
  const secondIdentity = { type: 'IAMUser', userName: 'support-admin' };
  const shared = scenario.addEvents(byDerived, 'ap-northeast-1', [
    { ...record.runInstances('ap-northeast-1', at(40), derived, [{ id: ids.apNortheast, type: 'c5.18xlarge' }]), identity: secondIdentity, ip: '203.0.113.200' },
  ]);
  scenario.addItems(byUser, 'ap-northeast-1', shared);
  scenario.addEvents({ attribute: 'AccessKeyId', value: roleSession }, 'us-east-1', [
    {
      ...record.createAccessKey(at(45), roleSession, 'ops', thirdLayer),
      identity: { type: 'AssumedRole', userName: 'OrganizationAccountAccessRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/OrganizationAccountAccessRole/botocore-session-1` },
      ip: ATTACKER_IP,
    },
  ]);

  // What exists when collecting: one EU instance already terminated (not listed), the rest running.
  scenario.inventory('us-east-1', 'instances', reservations([{ id: ids.usEast, type: 'c5.24xlarge', state: 'running' }]));
  scenario.inventory('eu-west-1', 'instances', reservations([...ids.euWest.map((id) => ({ id, type: 'p3.16xlarge', state: 'running' })), { id: ids.spotInstance, type: 'p3.16xlarge', state: 'running' }]));
  scenario.inventory('eu-west-1', 'spot-requests', { SpotInstanceRequests: [{ SpotInstanceRequestId: ids.spotRequest, State: 'active', InstanceId: ids.spotInstance }] });
  scenario.inventory('eu-west-1', 'key-pairs', { KeyPairs: [{ KeyPairId: ids.keyPairId, KeyName: 'miner', KeyType: 'rsa' }] });
  scenario.inventory('eu-west-1', 'security-groups', {
    SecurityGroups: [
      { GroupId: ids.groupId, GroupName: 'open-ssh', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] }] },
    ],
  });
  scenario.inventory('ap-southeast-1', 'instances', reservations([{ id: ids.apSoutheast, type: 'g4dn.12xlarge', state: 'running' }]));
  scenario.inventory('ap-southeast-1', 'lambda-functions', { Functions: [{ FunctionName: 'lambda-miner', Runtime: 'python3.12' }] });
  scenario.inventory('ap-northeast-1', 'instances', reservations([{ id: ids.apNortheast, type: 'c5.18xlarge', state: 'running' }]));
  scenario.users = [
    { name: 'deploy-bot', accessKeys: [{ keyId: leaked, status: 'Active' }], loginProfile: false, attached: [], inline: [], groups: [] },
    {
      name: 'support-admin',
      accessKeys: [{ keyId: derived, status: 'Active' }],
      loginProfile: true,
      attached: ['arn:aws:iam::aws:policy/AdministratorAccess'],
      inline: [],
      groups: [],
    },
    { name: 'ops', accessKeys: [{ keyId: thirdLayer, status: 'Active' }], loginProfile: true, attached: [], inline: [], groups: ['admins'] },
  ];
  scenario.roles = ['OrganizationAccountAccessRole'];

  return {
    scenario,
    leaked,
    derived,
    roleSession,
    userSession,
    thirdLayer,
    round1: [byLeaked],
    // What `--review --collect` asks for after round 1: everything so far, then the new layer.
    round2: [byLeaked, byDerived, { attribute: 'AccessKeyId', value: roleSession }, { attribute: 'AccessKeyId', value: userSession }, byUser],
    ids,
    sharedEventIds: shared.map((item) => String(item.EventId)),
  };
}

export function reservations(instances: { id: string; type: string; state: string }[]): Record<string, unknown> {
  return {
    Reservations: instances.map((instance) => ({
      ReservationId: `r-${hex(8)}`,
      OwnerId: ACCOUNT,
      Instances: [{ InstanceId: instance.id, InstanceType: instance.type, State: { Code: 16, Name: instance.state }, LaunchTime: '2026-03-01T21:32:10+00:00' }],
    })),
  };
}
