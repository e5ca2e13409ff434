import type { TrailEvent } from './events.js';
import { asString, at, isoTime, itemsAt, stringAt, type JsonObject } from './json-value.js';

/**
 * What a successful CloudTrail event created or obtained, read from its request and response
 * (the fields cloudtrail.md lists). One extractor per event name: a new kind of event is one more
 * entry in EXTRACTORS. Only identifiers are read, never secrets (AWS masks them in records anyway).
 */

/** One source an ingress rule lets in. */
export interface IngressPermission {
  protocol: string;
  fromPort: number | undefined;
  toPort: number | undefined;
  cidrIpv4?: string;
  cidrIpv6?: string;
  sourceGroupId?: string;
  prefixListId?: string;
}

export type Change =
  | { kind: 'access-key'; keyId: string; userName: string | undefined }
  | { kind: 'login-profile'; userName: string }
  | { kind: 'user'; userName: string; arn: string | undefined }
  | { kind: 'role'; roleName: string; arn: string | undefined }
  | { kind: 'policy'; policyArn: string; policyName: string | undefined }
  | { kind: 'user-policy'; userName: string; policyArn?: string; policyName?: string }
  | { kind: 'role-policy'; roleName: string; policyArn?: string; policyName?: string }
  | { kind: 'group-membership'; userName: string; groupName: string }
  | {
      kind: 'temporary-credentials';
      via: 'AssumeRole' | 'GetSessionToken' | 'GetFederationToken';
      keyId: string | undefined;
      expiration: string | undefined;
      roleArn?: string;
      sessionName?: string;
      /** The ARN the credentials act as (assumed role, federated user). */
      actsAs?: string;
      /** Who asked: the IAM user (GetSessionToken, GetFederationToken), or "root". */
      issuer?: { type: string | undefined; userName: string | undefined };
    }
  | { kind: 'instance'; instanceId: string; instanceType: string | undefined; keyName: string | undefined }
  | { kind: 'spot-request'; requestId: string }
  | { kind: 'lambda-function'; functionName: string }
  | { kind: 'key-pair'; keyName: string | undefined; keyPairId: string | undefined }
  | { kind: 'security-group'; groupId: string; groupName: string | undefined }
  | { kind: 'ingress-rule'; groupId: string; ruleIds: string[]; permissions: IngressPermission[] };

export type ChangeKind = Change['kind'];

/** Credentials and permissions (IAM, STS) as opposed to resources (EC2, Lambda). */
export const CREDENTIAL_KINDS: ReadonlySet<ChangeKind> = new Set([
  'access-key',
  'login-profile',
  'user',
  'role',
  'policy',
  'user-policy',
  'role-policy',
  'group-membership',
  'temporary-credentials',
]);

type Extractor = (event: TrailEvent) => Change[];

const request = (event: TrailEvent, ...keys: string[]) => stringAt(event.request, ...keys);
const response = (event: TrailEvent, ...keys: string[]) => stringAt(event.response, ...keys);
/** The user an IAM call acts on: the one named, else the caller itself. */
const targetUser = (event: TrailEvent, named: string | undefined) => named ?? (event.identity.type === 'IAMUser' ? event.identity.userName : undefined);

function port(value: unknown): number | undefined {
  const number = typeof value === 'string' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) ? number : undefined;
}

/** `ipPermissions` as CloudTrail records it, one entry per source. */
export function ingressPermissions(requestParameters: JsonObject): IngressPermission[] {
  const entries = itemsAt(requestParameters, 'ipPermissions');
  // The old form of the call: one protocol, port range and CIDR at the top level.
  if (entries.length === 0 && asString(requestParameters.ipProtocol)) entries.push({ ...requestParameters, ipRanges: { items: [{ cidrIp: requestParameters.cidrIp }] } });
  const out: IngressPermission[] = [];
  for (const entry of entries) {
    const base = { protocol: String(entry.ipProtocol ?? '-1'), fromPort: port(entry.fromPort), toPort: port(entry.toPort) };
    for (const range of itemsAt(entry, 'ipRanges')) if (asString(range.cidrIp)) out.push({ ...base, cidrIpv4: asString(range.cidrIp) });
    for (const range of itemsAt(entry, 'ipv6Ranges')) if (asString(range.cidrIpv6)) out.push({ ...base, cidrIpv6: asString(range.cidrIpv6) });
    for (const group of itemsAt(entry, 'groups')) if (asString(group.groupId)) out.push({ ...base, sourceGroupId: asString(group.groupId) });
    for (const list of itemsAt(entry, 'prefixListIds')) if (asString(list.prefixListId)) out.push({ ...base, prefixListId: asString(list.prefixListId) });
  }
  return out;
}

function temporary(via: 'AssumeRole' | 'GetSessionToken' | 'GetFederationToken'): Extractor {
  return (event) => [
    {
      kind: 'temporary-credentials',
      via,
      keyId: response(event, 'credentials', 'accessKeyId'),
      expiration: isoTime(at(event.response, 'credentials', 'expiration')),
      ...(via === 'AssumeRole'
        ? { roleArn: request(event, 'roleArn'), sessionName: request(event, 'roleSessionName'), actsAs: response(event, 'assumedRoleUser', 'arn') }
        : { actsAs: response(event, 'federatedUser', 'arn'), issuer: { type: event.identity.type, userName: event.identity.userName } }),
    },
  ];
}

const some = <T>(value: T | undefined): T[] => (value === undefined ? [] : [value]);

const EXTRACTORS: Record<string, Extractor> = {
  RunInstances: (event) =>
    itemsAt(event.response, 'instancesSet').flatMap((item) =>
      some(asString(item.instanceId)).map((instanceId) => ({
        kind: 'instance' as const,
        instanceId,
        instanceType: asString(item.instanceType) ?? request(event, 'instanceType'),
        keyName: asString(item.keyName) ?? request(event, 'keyName'),
      })),
    ),
  RequestSpotInstances: (event) =>
    itemsAt(event.response, 'spotInstanceRequestSet').flatMap((item) =>
      some(asString(item.spotInstanceRequestId)).map((requestId) => ({ kind: 'spot-request' as const, requestId })),
    ),
  CreateFunction20150331: (event) => some(response(event, 'functionName') ?? request(event, 'functionName')).map((functionName) => ({ kind: 'lambda-function', functionName })),
  CreateKeyPair: (event) => keyPair(event),
  ImportKeyPair: (event) => keyPair(event),
  CreateSecurityGroup: (event) =>
    some(response(event, 'groupId')).map((groupId) => ({ kind: 'security-group', groupId, groupName: request(event, 'groupName') })),
  AuthorizeSecurityGroupIngress: (event) => {
    const rules = itemsAt(event.response, 'securityGroupRuleSet');
    const groupId = request(event, 'groupId') ?? asString(rules[0]?.groupId);
    if (!groupId) return [];
    const ruleIds = rules.map((rule) => asString(rule.securityGroupRuleId)).filter((id): id is string => id !== undefined);
    return [{ kind: 'ingress-rule', groupId, ruleIds, permissions: ingressPermissions(event.request) }];
  },
  CreateUser: (event) =>
    some(response(event, 'user', 'userName') ?? request(event, 'userName')).map((userName) => ({ kind: 'user', userName, arn: response(event, 'user', 'arn') })),
  CreateAccessKey: (event) =>
    some(response(event, 'accessKey', 'accessKeyId')).map((keyId) => ({
      kind: 'access-key',
      keyId,
      userName: response(event, 'accessKey', 'userName') ?? targetUser(event, request(event, 'userName')),
    })),
  CreateLoginProfile: (event) =>
    some(targetUser(event, request(event, 'userName') ?? response(event, 'loginProfile', 'userName'))).map((userName) => ({ kind: 'login-profile', userName })),
  CreateRole: (event) =>
    some(response(event, 'role', 'roleName') ?? request(event, 'roleName')).map((roleName) => ({ kind: 'role', roleName, arn: response(event, 'role', 'arn') })),
  CreatePolicy: (event) =>
    some(response(event, 'policy', 'arn')).map((policyArn) => ({ kind: 'policy', policyArn, policyName: response(event, 'policy', 'policyName') ?? request(event, 'policyName') })),
  AttachUserPolicy: (event) =>
    some(request(event, 'userName')).flatMap((userName) => some(request(event, 'policyArn')).map((policyArn) => ({ kind: 'user-policy', userName, policyArn }))),
  PutUserPolicy: (event) =>
    some(request(event, 'userName')).flatMap((userName) => some(request(event, 'policyName')).map((policyName) => ({ kind: 'user-policy', userName, policyName }))),
  AttachRolePolicy: (event) =>
    some(request(event, 'roleName')).flatMap((roleName) => some(request(event, 'policyArn')).map((policyArn) => ({ kind: 'role-policy', roleName, policyArn }))),
  PutRolePolicy: (event) =>
    some(request(event, 'roleName')).flatMap((roleName) => some(request(event, 'policyName')).map((policyName) => ({ kind: 'role-policy', roleName, policyName }))),
  AddUserToGroup: (event) =>
    some(request(event, 'userName')).flatMap((userName) => some(request(event, 'groupName')).map((groupName) => ({ kind: 'group-membership', userName, groupName }))),
  AssumeRole: temporary('AssumeRole'),
  GetSessionToken: temporary('GetSessionToken'),
  GetFederationToken: temporary('GetFederationToken'),
};
// Lambda's API version is part of the event name; the unversioned name is accepted too.
EXTRACTORS.CreateFunction = EXTRACTORS.CreateFunction20150331!;

function keyPair(event: TrailEvent): Change[] {
  const keyName = response(event, 'keyName') ?? request(event, 'keyName');
  const keyPairId = response(event, 'keyPairId');
  return keyName || keyPairId ? [{ kind: 'key-pair', keyName, keyPairId }] : [];
}

/** Whether keyguard knows what this kind of event creates. */
export function isUnderstood(event: TrailEvent): boolean {
  return Object.hasOwn(EXTRACTORS, event.name);
}

/** What the event created or obtained; nothing for a failed call or one keyguard does not read. */
export function changesOf(event: TrailEvent): Change[] {
  if (event.errorCode) return [];
  const extractor = Object.hasOwn(EXTRACTORS, event.name) ? EXTRACTORS[event.name] : undefined;
  return extractor ? extractor(event) : [];
}

export const arnName = (arn: string | undefined): string | undefined => arn?.split('/').pop() || undefined;
