import type { IngressPermission } from './changes.js';
import { itemsOf, type CallData, type FolderData, type RoundData } from './folder.js';
import type { RegionalInventory, UserInventory } from './layout.js';
import { asArray, asObject, asString, stringAt, type JsonObject } from './json-value.js';

/**
 * What exists in the account, according to the newest round whose inventory file for it was read
 * completely. "unknown" when no round has a complete answer: a failed file never reads as "gone".
 */
export interface Existence {
  state: 'exists' | 'gone' | 'unknown';
  /** "running", "Active", "terminated or not listed", ... */
  detail?: string;
  /** When the inventory that says so was collected. */
  asOf?: string;
}

const UNKNOWN: Existence = { state: 'unknown', detail: 'no complete inventory file says' };

export interface UserDetails {
  accessKeys: { keyId: string; status: string | undefined }[];
  attachedPolicyArns: string[];
  inlinePolicyNames: string[];
  groupNames: string[];
  hasLoginProfile: boolean | undefined;
}

const collectedAt = (round: RoundData) => round.manifest?.finishedAt ?? round.manifest?.startedAt;
const complete = (call: CallData | undefined): call is CallData => call?.state === 'ok' || call?.state === 'absent';

export class Inventory {
  private readonly newestFirst: RoundData[];

  constructor(data: FolderData) {
    this.newestFirst = [...data.rounds].reverse();
  }

  /** The newest complete answer a round gives, and when that round was collected. */
  private newest(pick: (round: RoundData) => CallData | undefined): { call: CallData; asOf: string | undefined } | undefined {
    for (const round of this.newestFirst) {
      const call = pick(round);
      if (complete(call)) return { call, asOf: collectedAt(round) };
    }
    return undefined;
  }

  private regional(region: string, what: RegionalInventory) {
    return this.newest((round) => round.regional.get(region)?.[what]);
  }

  private found(asOf: string | undefined, detail?: string): Existence {
    return { state: 'exists', ...(detail ? { detail } : {}), asOf };
  }

  private gone(asOf: string | undefined, detail: string): Existence {
    return { state: 'gone', detail, asOf };
  }

  instance(region: string, instanceId: string): Existence {
    const answer = this.regional(region, 'instances');
    if (!answer) return UNKNOWN;
    const instance = itemsOf(answer.call, 'Reservations')
      .flatMap((reservation) => asArray(reservation.Instances).map(asObject))
      .find((item) => asString(item?.InstanceId) === instanceId);
    return instance ? this.found(answer.asOf, stringAt(instance, 'State', 'Name')) : this.gone(answer.asOf, 'terminated (not listed any more)');
  }

  /** A Spot request, with the instance it started (which cancelling the request does not stop). */
  spotRequest(region: string, requestId: string): Existence & { instanceId?: string } {
    const answer = this.regional(region, 'spot-requests');
    if (!answer) return UNKNOWN;
    const request = itemsOf(answer.call, 'SpotInstanceRequests').find((item) => asString(item.SpotInstanceRequestId) === requestId);
    if (!request) return this.gone(answer.asOf, 'not listed any more');
    const state = asString(request.State) ?? 'unknown state';
    const instanceId = asString(request.InstanceId);
    const existence = state === 'open' || state === 'active' ? this.found(answer.asOf, state) : this.gone(answer.asOf, state);
    return { ...existence, ...(instanceId ? { instanceId } : {}) };
  }

  lambdaFunction(region: string, functionName: string): Existence {
    const answer = this.regional(region, 'lambda-functions');
    if (!answer) return UNKNOWN;
    const found = itemsOf(answer.call, 'Functions').some((item) => asString(item.FunctionName) === functionName);
    return found ? this.found(answer.asOf) : this.gone(answer.asOf, 'deleted (not listed any more)');
  }

  keyPair(region: string, keyPairId: string | undefined, keyName: string | undefined): Existence & { keyPairId?: string } {
    const answer = this.regional(region, 'key-pairs');
    if (!answer) return UNKNOWN;
    const pair = itemsOf(answer.call, 'KeyPairs').find((item) =>
      keyPairId ? asString(item.KeyPairId) === keyPairId : asString(item.KeyName) === keyName,
    );
    if (!pair) return this.gone(answer.asOf, 'deleted (not listed any more)');
    const id = asString(pair.KeyPairId);
    return { ...this.found(answer.asOf), ...(id ? { keyPairId: id } : {}) };
  }

  private securityGroupItem(region: string, groupId: string): { group: JsonObject | undefined; asOf: string | undefined } | undefined {
    const answer = this.regional(region, 'security-groups');
    if (!answer) return undefined;
    return { group: itemsOf(answer.call, 'SecurityGroups').find((item) => asString(item.GroupId) === groupId), asOf: answer.asOf };
  }

  securityGroup(region: string, groupId: string): Existence {
    const answer = this.securityGroupItem(region, groupId);
    if (!answer) return UNKNOWN;
    return answer.group ? this.found(answer.asOf) : this.gone(answer.asOf, 'deleted (not listed any more)');
  }

  /** Whether the group still lets in any of these sources. */
  ingressRule(region: string, groupId: string, permissions: IngressPermission[]): Existence {
    const answer = this.securityGroupItem(region, groupId);
    if (!answer) return UNKNOWN;
    if (!answer.group) return this.gone(answer.asOf, 'its security group was deleted');
    const current = asArray(answer.group.IpPermissions).map(asObject).filter((p): p is JsonObject => p !== undefined);
    const open = permissions.some((wanted) => current.some((have) => allows(have, wanted)));
    return open ? this.found(answer.asOf, 'still open') : this.gone(answer.asOf, 'revoked');
  }

  private users() {
    return this.newest((round) => round.account.users);
  }

  /** The newest round that lists the users, for questions about one user's details. */
  private userRound(userName: string): { round: RoundData; asOf: string | undefined; listed: boolean } | undefined {
    for (const round of this.newestFirst) {
      if (!complete(round.account.users)) continue;
      return { round, asOf: collectedAt(round), listed: round.users.has(userName) };
    }
    return undefined;
  }

  private userCall(userName: string, what: UserInventory): { call: CallData | undefined; asOf: string | undefined; listed: boolean } | undefined {
    const found = this.userRound(userName);
    if (!found) return undefined;
    const call = found.round.users.get(userName)?.[what];
    return { call: complete(call) ? call : undefined, asOf: found.asOf, listed: found.listed };
  }

  user(userName: string): Existence {
    const answer = this.users();
    if (!answer) return UNKNOWN;
    const found = itemsOf(answer.call, 'Users').some((item) => asString(item.UserName) === userName);
    return found ? this.found(answer.asOf) : this.gone(answer.asOf, 'deleted (not listed any more)');
  }

  role(roleName: string): Existence {
    const answer = this.newest((round) => round.account.roles);
    if (!answer) return UNKNOWN;
    const found = itemsOf(answer.call, 'Roles').some((item) => asString(item.RoleName) === roleName);
    return found ? this.found(answer.asOf) : this.gone(answer.asOf, 'deleted (not listed any more)');
  }

  policy(policyArn: string): Existence {
    const answer = this.newest((round) => round.account.policies);
    if (!answer) return UNKNOWN;
    const found = itemsOf(answer.call, 'Policies').some((item) => asString(item.Arn) === policyArn);
    return found ? this.found(answer.asOf) : this.gone(answer.asOf, 'deleted (not listed any more)');
  }

  /** An access key anywhere in the account, with the user it belongs to. */
  accessKey(keyId: string): Existence & { userName?: string } {
    const found = this.newestFirst.find((round) => complete(round.account.users));
    if (!found) return UNKNOWN;
    let everyUserRead = true;
    for (const [userName, calls] of found.users) {
      if (!complete(calls['access-keys'])) everyUserRead = false;
      const key = itemsOf(calls['access-keys'], 'AccessKeyMetadata').find((item) => asString(item.AccessKeyId) === keyId);
      if (key) return { ...this.found(collectedAt(found), asString(key.Status)), userName };
    }
    // A root user's keys are listed by no IAM user: "not found" is only "gone" when every user was read.
    return everyUserRead ? this.gone(collectedAt(found), 'deleted (no user has it)') : UNKNOWN;
  }

  loginProfile(userName: string): Existence {
    const answer = this.userCall(userName, 'login-profile');
    if (!answer) return UNKNOWN;
    if (!answer.listed) return this.gone(answer.asOf, 'its user was deleted');
    if (!answer.call) return UNKNOWN;
    return answer.call.state === 'ok' ? this.found(answer.asOf) : this.gone(answer.asOf, 'deleted');
  }

  userPolicy(userName: string, policyArn: string | undefined, policyName: string | undefined): Existence {
    const answer = this.userCall(userName, policyArn ? 'attached-policies' : 'inline-policies');
    if (!answer) return UNKNOWN;
    if (!answer.listed) return this.gone(answer.asOf, 'its user was deleted');
    if (!answer.call) return UNKNOWN;
    const found = policyArn
      ? itemsOf(answer.call, 'AttachedPolicies').some((item) => asString(item.PolicyArn) === policyArn)
      : answer.call.pages.some((page) => asArray(page.body.PolicyNames).includes(policyName));
    return found ? this.found(answer.asOf) : this.gone(answer.asOf, policyArn ? 'detached' : 'deleted');
  }

  groupMembership(userName: string, groupName: string): Existence {
    const answer = this.userCall(userName, 'groups');
    if (!answer) return UNKNOWN;
    if (!answer.listed) return this.gone(answer.asOf, 'its user was deleted');
    if (!answer.call) return UNKNOWN;
    const found = itemsOf(answer.call, 'Groups').some((item) => asString(item.GroupName) === groupName);
    return found ? this.found(answer.asOf) : this.gone(answer.asOf, 'removed');
  }

  /** Everything IAM's delete-user needs gone first, as far as the newest inventory knows. */
  userDetails(userName: string): UserDetails | undefined {
    const found = this.userRound(userName);
    const calls = found?.round.users.get(userName);
    if (!calls) return undefined;
    const loginProfile = calls['login-profile'];
    return {
      accessKeys: itemsOf(calls['access-keys'], 'AccessKeyMetadata').flatMap((item) => {
        const keyId = asString(item.AccessKeyId);
        return keyId ? [{ keyId, status: asString(item.Status) }] : [];
      }),
      attachedPolicyArns: itemsOf(calls['attached-policies'], 'AttachedPolicies').flatMap((item) => asString(item.PolicyArn) ?? []),
      inlinePolicyNames: calls['inline-policies'].pages.flatMap((page) => asArray(page.body.PolicyNames).filter((name): name is string => typeof name === 'string')),
      groupNames: itemsOf(calls.groups, 'Groups').flatMap((item) => asString(item.GroupName) ?? []),
      hasLoginProfile: loginProfile.state === 'ok' ? true : loginProfile.state === 'absent' ? false : undefined,
    };
  }
}

/** Whether a current IpPermissions entry (describe-security-groups) lets in this source. */
function allows(have: JsonObject, wanted: IngressPermission): boolean {
  if (String(have.IpProtocol ?? '') !== wanted.protocol) return false;
  if (wanted.protocol !== '-1' && (have.FromPort !== wanted.fromPort || have.ToPort !== wanted.toPort)) return false;
  const has = (list: string, key: string, value: string | undefined) =>
    value !== undefined && asArray(have[list]).some((entry) => asString(asObject(entry)?.[key]) === value);
  return (
    has('IpRanges', 'CidrIp', wanted.cidrIpv4) ||
    has('Ipv6Ranges', 'CidrIpv6', wanted.cidrIpv6) ||
    has('UserIdGroupPairs', 'GroupId', wanted.sourceGroupId) ||
    has('PrefixListIds', 'PrefixListId', wanted.prefixListId)
  );
}
