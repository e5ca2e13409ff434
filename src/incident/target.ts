import { accountIdFromKeyId } from '../detect/account-id.js';
import { ACCESS_KEY_ID_SHAPE } from '../detect/anchors.js';
import { compromisedKeyPlan, type PlanStep } from '../report/plan.js';

/**
 * What `keyguard incident` is about: an exposed credential. An access key ID is one kind; others
 * (Amazon Bedrock API keys, service-specific credentials) are added as further members of
 * IncidentTarget, each with its own parser, plan and CloudTrail lookups below.
 */
export interface AccessKeyTarget {
  kind: 'access-key';
  keyId: string;
  /** ASIA: temporary credentials from STS, which cannot be deactivated, only revoked or outlived. */
  temporary: boolean;
  /** Decoded offline from the key ID; undefined for old-generation keys. */
  accountId: string | undefined;
}

export type IncidentTarget = AccessKeyTarget;

/**
 * One `cloudtrail lookup-events` attribute: how the collect script finds a credential's events.
 * AccessKeyId finds what a key (long-term or temporary) did; Username what an IAM user did with any
 * of its keys or in the console.
 */
export interface CloudTrailLookup {
  attribute: 'AccessKeyId' | 'Username';
  value: string;
}

/** IAM user names: what IAM allows, and so what may appear in a file name or a script. */
export const IAM_NAME = /^[\w+=,.@-]{1,128}$/;

export function isValidLookup(lookup: CloudTrailLookup): boolean {
  if (lookup.attribute === 'AccessKeyId') return ACCESS_KEY_ID_SHAPE.test(lookup.value);
  if (lookup.attribute === 'Username') return IAM_NAME.test(lookup.value);
  return false;
}

export function sameLookup(a: CloudTrailLookup, b: CloudTrailLookup): boolean {
  return a.attribute === b.attribute && a.value === b.value;
}

export function describeLookup(lookup: CloudTrailLookup): string {
  return lookup.attribute === 'AccessKeyId' ? `key ${lookup.value}` : `user ${lookup.value}`;
}

interface TargetKind {
  /** The target this text names, or undefined when it is not of this kind. */
  parse(text: string): IncidentTarget | undefined;
}

const ACCESS_KEY: TargetKind = {
  parse(text) {
    if (!ACCESS_KEY_ID_SHAPE.test(text)) return undefined;
    return { kind: 'access-key', keyId: text, temporary: text.startsWith('ASIA'), accountId: accountIdFromKeyId(text) };
  },
};

/** Every kind of target, tried in order. */
const TARGET_KINDS: TargetKind[] = [ACCESS_KEY];

export function parseTarget(text: string): IncidentTarget | undefined {
  for (const kind of TARGET_KINDS) {
    const target = kind.parse(text);
    if (target) return target;
  }
  return undefined;
}

/** How the target is named in commands and reports (in full: `keyguard incident` runs on the owner's terminal). */
export function targetLabel(target: IncidentTarget): string {
  return target.keyId;
}

/** The plan for the target, in the order to do the steps. */
export function planFor(target: IncidentTarget): PlanStep[] {
  return compromisedKeyPlan({ keyId: target.keyId, accountId: target.accountId, temporary: target.temporary });
}

/** The CloudTrail lookups that find what the target did. */
export function lookupsFor(target: IncidentTarget): CloudTrailLookup[] {
  return [{ attribute: 'AccessKeyId', value: target.keyId }];
}
