import type { CloudTrailLookup } from './target.js';

/**
 * The incident folder, as the collect script writes it and `--review` reads it. One description
 * serves both, so that the two can never disagree on a file name:
 *
 *   <folder>/round-<n>/round.json               what the round looked up, when it started and finished
 *   <folder>/round-<n>/identity.json            sts get-caller-identity (who collected)
 *   <folder>/round-<n>/regions.json             ec2 describe-regions (the enabled regions)
 *   <folder>/round-<n>/iam/users.<page>.json    and roles, local policies; per user: iam/users/<name>.<what>
 *   <folder>/round-<n>/<region>/cloudtrail-<attribute>-<value>.<page>.json
 *   <folder>/round-<n>/<region>/instances.<page>.json, spot-requests, lambda-functions, key-pairs, security-groups
 *
 * A call that failed leaves `<file>.error` (aws's exit status and message) instead of `<file>.json`;
 * a login profile that does not exist leaves `<file>.absent`. Paged calls are paged by hand
 * (`--max-items`, `--starting-token`), one file per page, so that a page that failed is named and the
 * pages before it are kept.
 */

export const ROUND_DIR = /^round-([1-9][0-9]{0,5})$/;
export const roundDir = (round: number): string => `round-${round}`;
export const MANIFEST = 'round.json';
/** The manifest's marker, so that a folder of other JSON is not mistaken for a collected one. */
export const MANIFEST_MARKER = 'keyguard-incident-collect';
export const FORMAT_VERSION = 1;
/** Items per page: the CLI fetches as many API pages as it needs to fill one. */
export const PAGE_SIZE = 1000;

export interface CallSpec {
  /** The file name, relative to the round folder, without page number and extension. */
  file: string;
  paged: boolean;
  /** The AWS CLI arguments after `aws` (the script adds --region and --output json). */
  args: string[];
  /** An error that means "there is none" rather than a failure (get-login-profile: NoSuchEntity). */
  absentWhen?: string;
}

export const IDENTITY: CallSpec = { file: 'identity', paged: false, args: ['sts', 'get-caller-identity'] };
export const REGIONS: CallSpec = { file: 'regions', paged: false, args: ['ec2', 'describe-regions'] };

export type AccountInventory = 'users' | 'roles' | 'policies';
export const ACCOUNT_INVENTORY: Record<AccountInventory, CallSpec> = {
  users: { file: 'iam/users', paged: true, args: ['iam', 'list-users'] },
  roles: { file: 'iam/roles', paged: true, args: ['iam', 'list-roles'] },
  policies: { file: 'iam/policies', paged: true, args: ['iam', 'list-policies', '--scope', 'Local'] },
};

export type UserInventory = 'access-keys' | 'login-profile' | 'attached-policies' | 'inline-policies' | 'groups';
/** Per IAM user; the script appends `--user-name=<name>`. */
export const USER_INVENTORY: Record<UserInventory, Omit<CallSpec, 'file'>> = {
  'access-keys': { paged: true, args: ['iam', 'list-access-keys'] },
  'login-profile': { paged: false, args: ['iam', 'get-login-profile'], absentWhen: 'NoSuchEntity' },
  'attached-policies': { paged: true, args: ['iam', 'list-attached-user-policies'] },
  'inline-policies': { paged: true, args: ['iam', 'list-user-policies'] },
  groups: { paged: true, args: ['iam', 'list-groups-for-user'] },
};
export const userFile = (userName: string, what: UserInventory): string => `iam/users/${userName}.${what}`;

export type RegionalInventory = 'instances' | 'spot-requests' | 'lambda-functions' | 'key-pairs' | 'security-groups';
/** Per region; the script adds `--region <region>`. Instances: the ones not terminated. */
export const REGIONAL_INVENTORY: Record<RegionalInventory, Omit<CallSpec, 'file'>> = {
  instances: { paged: true, args: ['ec2', 'describe-instances', '--filters', 'Name=instance-state-name,Values=pending,running,stopping,stopped'] },
  'spot-requests': { paged: true, args: ['ec2', 'describe-spot-instance-requests'] },
  'lambda-functions': { paged: true, args: ['lambda', 'list-functions'] },
  'key-pairs': { paged: false, args: ['ec2', 'describe-key-pairs'] },
  'security-groups': { paged: true, args: ['ec2', 'describe-security-groups'] },
};
export const regionalFile = (region: string, what: RegionalInventory): string => `${region}/${what}`;

export const lookupFile = (region: string, lookup: CloudTrailLookup): string => `${region}/cloudtrail-${lookup.attribute}-${lookup.value}`;
export const lookupArgs = (lookup: CloudTrailLookup): string[] => [
  'cloudtrail',
  'lookup-events',
  '--lookup-attributes',
  `AttributeKey=${lookup.attribute},AttributeValue=${lookup.value}`,
];

/** Region names as AWS writes them; the script accepts nothing else as a folder name. */
export const REGION_NAME = /^[a-z]{2}(-[a-z0-9]+)+-[0-9]+$/;

export const pageFile = (file: string, page: number): string => `${file}.${page}`;
