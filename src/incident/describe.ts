import type { Change, IngressPermission } from './changes.js';

/** A change in a few words, for reports and comments. */
export function describeChange(change: Change): string {
  switch (change.kind) {
    case 'access-key':
      return `access key ${change.keyId}${change.userName ? ` of user ${change.userName}` : ''}`;
    case 'login-profile':
      return `console password (login profile) of user ${change.userName}`;
    case 'user':
      return `IAM user ${change.userName}`;
    case 'role':
      return `role ${change.roleName}`;
    case 'policy':
      return `policy ${change.policyArn}`;
    case 'user-policy':
      return change.policyArn ? `policy ${change.policyArn} attached to user ${change.userName}` : `inline policy ${change.policyName} of user ${change.userName}`;
    case 'role-policy':
      return change.policyArn ? `policy ${change.policyArn} attached to role ${change.roleName}` : `inline policy ${change.policyName} of role ${change.roleName}`;
    case 'group-membership':
      return `user ${change.userName} added to group ${change.groupName}`;
    case 'temporary-credentials': {
      const via = change.via === 'AssumeRole' ? `AssumeRole of ${change.roleArn ?? 'a role'}${change.sessionName ? ` (session ${change.sessionName})` : ''}` : change.via;
      return `temporary key ${change.keyId ?? '(not recorded)'} from ${via}${change.expiration ? `, expires ${change.expiration}` : ''}`;
    }
    case 'instance':
      return `instance ${change.instanceId}${change.instanceType ? ` (${change.instanceType})` : ''}`;
    case 'spot-request':
      return `Spot request ${change.requestId}`;
    case 'lambda-function':
      return `Lambda function ${change.functionName}`;
    case 'key-pair':
      return `key pair ${change.keyName ?? change.keyPairId}${change.keyName && change.keyPairId ? ` (${change.keyPairId})` : ''}`;
    case 'security-group':
      return `security group ${change.groupId}${change.groupName ? ` (${change.groupName})` : ''}`;
    case 'ingress-rule':
      return `ingress rule on ${change.groupId}: ${change.permissions.map(describePermission).join(', ') || change.ruleIds.join(', ')}`;
  }
}

export function describePermission(p: IngressPermission): string {
  const ports = p.protocol === '-1' ? 'all traffic' : `${p.protocol} ${p.fromPort === p.toPort ? p.fromPort : `${p.fromPort}-${p.toPort}`}`;
  return `${ports} from ${p.cidrIpv4 ?? p.cidrIpv6 ?? p.sourceGroupId ?? p.prefixListId}`;
}
