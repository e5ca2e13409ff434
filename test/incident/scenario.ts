import { createHash, randomUUID } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  ACCOUNT_INVENTORY,
  FORMAT_VERSION,
  IDENTITY,
  lookupArgs,
  lookupFile,
  MANIFEST,
  MANIFEST_MARKER,
  pageFile,
  REGIONAL_INVENTORY,
  regionalFile,
  REGIONS,
  roundDir,
  USER_INVENTORY,
  userFile,
  type RegionalInventory,
  type UserInventory,
} from '../../src/incident/layout.js';
import type { CloudTrailLookup } from '../../src/incident/target.js';

/**
 * An AWS account in the middle of an incident, as the AWS CLI would answer about it: CloudTrail
 * `lookup-events` answers in the documented shape (each event's full record as the CloudTrailEvent
 * JSON string), split into pages, and the inventory (instances, Spot requests, users, ...). It can
 * answer a stub `aws` executable (to run the real collect script against), or write an incident
 * folder directly (to corrupt it in ways the script never would).
 */

export const HOME_REGION = 'us-east-1';

export interface RecordInput {
  name: string;
  source: string;
  region: string;
  /** ISO 8601, UTC. */
  time: string;
  keyId: string;
  identity?: { type: string; userName?: string; arn?: string };
  ip?: string;
  agent?: string;
  request?: Record<string, unknown>;
  response?: Record<string, unknown>;
  errorCode?: string;
  readOnly?: boolean;
  eventId?: string;
  /** How the AWS CLI prints EventTime: v1 as epoch seconds, v2 as ISO 8601. */
  cli?: 1 | 2;
}

export type LookupItem = Record<string, unknown>;

/** A `lookup-events` item: the summary fields and the full record as a JSON string. */
export function lookupItem(input: RecordInput, account: string): LookupItem {
  const eventId = input.eventId ?? randomUUID();
  const identity = input.identity ?? { type: 'IAMUser', userName: 'deploy-bot' };
  const arn = identity.arn ?? (identity.type === 'IAMUser' ? `arn:aws:iam::${account}:user/${identity.userName}` : `arn:aws:iam::${account}:root`);
  const readOnly = input.readOnly ?? /^(Describe|List|Get|Lookup)/.test(input.name);
  const record = {
    eventVersion: '1.09',
    userIdentity: { type: identity.type, principalId: 'AIDAEXAMPLEPRINCIPAL', arn, accountId: account, accessKeyId: input.keyId, ...(identity.userName ? { userName: identity.userName } : {}) },
    eventTime: input.time,
    eventSource: input.source,
    eventName: input.name,
    awsRegion: input.region,
    sourceIPAddress: input.ip ?? '203.0.113.77',
    userAgent: input.agent ?? 'aws-cli/2.15.30 Python/3.11.8 Linux/6.5 exe/x86_64.ubuntu.22 prompt/off command/ec2.run-instances',
    requestParameters: input.request ?? null,
    responseElements: input.response ?? null,
    ...(input.errorCode ? { errorCode: input.errorCode, errorMessage: `${input.errorCode}: denied` } : {}),
    requestID: randomUUID(),
    eventID: eventId,
    readOnly,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: account,
  };
  const epoch = Date.parse(input.time) / 1000;
  return {
    EventId: eventId,
    EventName: input.name,
    ReadOnly: String(readOnly),
    AccessKeyId: input.keyId,
    EventTime: input.cli === 1 ? epoch : input.time.replace('Z', '+00:00'),
    EventSource: input.source,
    ...(identity.userName ? { Username: identity.userName } : {}),
    Resources: [],
    CloudTrailEvent: JSON.stringify(record),
  };
}

export interface UserFixture {
  name: string;
  accessKeys: { keyId: string; status: 'Active' | 'Inactive' }[];
  loginProfile: boolean;
  attached: string[];
  inline: string[];
  groups: string[];
}

/** What a call is, as the stub recognises it (service, operation and the arguments that pick the answer). */
export interface CallKey {
  service: string;
  op: string;
  region?: string;
  user?: string;
  lookup?: string;
  token?: string;
}

/** The string the stub hashes to find an answer; the stub computes the same in sh. */
export function answerKey(call: CallKey): string {
  const key = `${call.service} ${call.op} region=${call.region ?? ''} user=${call.user ?? ''} lookup=${call.lookup ?? ''} token=${call.token ?? ''}`;
  return createHash('md5').update(key).digest('hex');
}

type Outcome = { pages: Record<string, unknown>[] } | { error: { status: number; stderr: string } } | { absent: string };

interface PlannedCall {
  /** Relative to the round folder, without page number and extension. */
  file: string;
  paged: boolean;
  key: Omit<CallKey, 'token'>;
  outcome: Outcome;
}

const tokenFor = (file: string, page: number) => Buffer.from(`${file} page ${page}`).toString('base64');

export class Scenario {
  readonly events = new Map<string, Map<string, LookupItem[][]>>();
  readonly regional = new Map<string, Partial<Record<RegionalInventory, Record<string, unknown>>>>();
  users: UserFixture[] = [];
  roles: string[] = [];
  policies: { arn: string; name: string }[] = [];
  /** Calls that fail, by a key made of CallKey fields (see failureKey). */
  private readonly failures = new Map<string, { status: number; stderr: string }>();

  constructor(
    readonly account: string,
    readonly regions: string[],
  ) {}

  private static lookupKey(lookup: CloudTrailLookup): string {
    return `${lookup.attribute}=${lookup.value}`;
  }

  /** Events a lookup finds in a region, as one more page (or several). */
  addEvents(lookup: CloudTrailLookup, region: string, records: RecordInput[], pages = 1): LookupItem[] {
    const items = records.map((record) => lookupItem(record, this.account));
    const byRegion = this.events.get(Scenario.lookupKey(lookup)) ?? new Map<string, LookupItem[][]>();
    this.events.set(Scenario.lookupKey(lookup), byRegion);
    const list = byRegion.get(region) ?? [];
    const size = Math.ceil(items.length / pages);
    for (let i = 0; i < pages; i++) list.push(items.slice(i * size, (i + 1) * size));
    byRegion.set(region, list);
    return items;
  }

  /** The same items (same event IDs) found by another lookup as well. */
  addItems(lookup: CloudTrailLookup, region: string, items: LookupItem[]): void {
    const byRegion = this.events.get(Scenario.lookupKey(lookup)) ?? new Map<string, LookupItem[][]>();
    this.events.set(Scenario.lookupKey(lookup), byRegion);
    byRegion.set(region, [...(byRegion.get(region) ?? []), items]);
  }

  inventory(region: string, what: RegionalInventory, body: Record<string, unknown>): this {
    this.regional.set(region, { ...this.regional.get(region), [what]: body });
    return this;
  }

  fail(call: Omit<CallKey, 'token'>, status: number, message: string): this {
    this.failures.set(JSON.stringify([call.service, call.op, call.region ?? '', call.user ?? '', call.lookup ?? '']), { status, stderr: `\n${message}\n` });
    return this;
  }

  private failure(key: Omit<CallKey, 'token'>) {
    return this.failures.get(JSON.stringify([key.service, key.op, key.region ?? '', key.user ?? '', key.lookup ?? '']));
  }

  /** Every call the collect script makes for these lookups, with what AWS answers. */
  private plan(lookups: CloudTrailLookup[]): PlannedCall[] {
    const calls: PlannedCall[] = [];
    const add = (file: string, paged: boolean, args: string[], extra: Partial<CallKey>, pages: () => Record<string, unknown>[], absent?: string) => {
      const key = { service: args[0]!, op: args[1]!, ...extra };
      const failure = this.failure(key);
      calls.push({ file, paged, key, outcome: failure ? { error: failure } : absent ? { absent } : { pages: pages() } });
    };
    add(IDENTITY.file, false, IDENTITY.args, { region: HOME_REGION }, () => [{ UserId: 'AIDAADMINEXAMPLE', Account: this.account, Arn: `arn:aws:iam::${this.account}:user/admin` }]);
    add(REGIONS.file, false, REGIONS.args, { region: HOME_REGION }, () => [
      { Regions: this.regions.map((name) => ({ Endpoint: `ec2.${name}.amazonaws.com`, RegionName: name, OptInStatus: 'opt-in-not-required' })) },
    ]);
    for (const region of this.regions) {
      for (const lookup of lookups) {
        const args = lookupArgs(lookup);
        const pages = this.events.get(Scenario.lookupKey(lookup))?.get(region) ?? [];
        add(lookupFile(region, lookup), true, args, { region, lookup: args[3] }, () => (pages.length === 0 ? [{ Events: [] }] : pages.map((Events) => ({ Events }))));
      }
      for (const [what, spec] of Object.entries(REGIONAL_INVENTORY) as [RegionalInventory, { args: string[]; paged: boolean }][]) {
        const body = this.regional.get(region)?.[what] ?? emptyInventory(what);
        add(regionalFile(region, what), spec.paged, spec.args, { region }, () => [body]);
      }
    }
    const users = { Users: this.users.map((user) => ({ Path: '/', UserName: user.name, UserId: `AIDA${user.name.length}`, Arn: `arn:aws:iam::${this.account}:user/${user.name}`, CreateDate: '2025-01-01T00:00:00+00:00' })) };
    add(ACCOUNT_INVENTORY.users.file, true, ACCOUNT_INVENTORY.users.args, { region: HOME_REGION }, () => [users]);
    add(ACCOUNT_INVENTORY.roles.file, true, ACCOUNT_INVENTORY.roles.args, { region: HOME_REGION }, () => [
      { Roles: this.roles.map((name) => ({ RoleName: name, Arn: `arn:aws:iam::${this.account}:role/${name}` })) },
    ]);
    add(ACCOUNT_INVENTORY.policies.file, true, ACCOUNT_INVENTORY.policies.args, { region: HOME_REGION }, () => [
      { Policies: this.policies.map((p) => ({ PolicyName: p.name, Arn: p.arn })) },
    ]);
    for (const user of this.users) {
      const bodies: Record<UserInventory, Record<string, unknown>> = {
        'access-keys': { AccessKeyMetadata: user.accessKeys.map((k) => ({ UserName: user.name, AccessKeyId: k.keyId, Status: k.status })) },
        'login-profile': { LoginProfile: { UserName: user.name, CreateDate: '2026-03-01T21:30:00+00:00', PasswordResetRequired: false } },
        'attached-policies': { AttachedPolicies: user.attached.map((arn) => ({ PolicyName: arn.split('/').pop(), PolicyArn: arn })) },
        'inline-policies': { PolicyNames: user.inline },
        groups: { Groups: user.groups.map((name) => ({ GroupName: name })) },
      };
      for (const [what, spec] of Object.entries(USER_INVENTORY) as [UserInventory, { args: string[]; paged: boolean }][]) {
        const absent = what === 'login-profile' && !user.loginProfile
          ? `An error occurred (NoSuchEntity) when calling the GetLoginProfile operation: Login Profile for User ${user.name} cannot be found.`
          : undefined;
        add(userFile(user.name, what), spec.paged, spec.args, { region: HOME_REGION, user: user.name }, () => [bodies[what]], absent);
      }
    }
    return calls;
  }

  /** Answers for the stub `aws`, one file set per call and page. */
  writeAnswers(stubDir: string, lookups: CloudTrailLookup[]): void {
    const dir = join(stubDir, 'answers');
    mkdirSync(dir, { recursive: true });
    for (const call of this.plan(lookups)) {
      if ('error' in call.outcome || 'absent' in call.outcome) {
        const file = join(dir, answerKey(call.key));
        const error = 'error' in call.outcome ? call.outcome.error : { status: 254, stderr: `\n${call.outcome.absent}\n` };
        writeFileSync(`${file}.status`, String(error.status));
        writeFileSync(`${file}.stderr`, error.stderr);
        continue;
      }
      const pages = call.outcome.pages;
      pages.forEach((body, i) => {
        const token = i === 0 ? undefined : tokenFor(call.file, i + 1);
        const next = call.paged && i < pages.length - 1 ? { NextToken: tokenFor(call.file, i + 2) } : {};
        // The AWS CLI prints JSON indented by 4, NextToken last (botocore's build_full_result).
        writeFileSync(join(dir, `${answerKey({ ...call.key, ...(token ? { token } : {}) })}.json`), `${JSON.stringify({ ...body, ...next }, null, 4)}\n`);
      });
    }
  }

  /** The folder the collect script would write for a round, written directly. */
  writeRound(folder: string, round: number, lookups: CloudTrailLookup[], options: { finished?: boolean; startedAt?: string; finishedAt?: string } = {}): string {
    const dir = join(folder, roundDir(round));
    const write = (file: string, text: string) => {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    };
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const startedAt = options.startedAt ?? now;
    const finishedAt = options.finishedAt ?? now;
    write(
      MANIFEST,
      `${JSON.stringify({ keyguard: MANIFEST_MARKER, format: FORMAT_VERSION, round, lookups, startedAt, ...(options.finished === false ? {} : { finishedAt, failedCalls: 0 }) })}\n`,
    );
    for (const call of this.plan(lookups)) {
      const outcome = call.outcome;
      const base = call.paged ? pageFile(call.file, 1) : call.file;
      if ('error' in outcome) {
        write(`${base}.error`, `aws ${call.key.service} ${call.key.op} failed (exit status ${outcome.error.status}):${outcome.error.stderr}`);
        continue;
      }
      if ('absent' in outcome) {
        write(`${base}.absent`, `\n${outcome.absent}\n`);
        continue;
      }
      outcome.pages.forEach((body, i) => {
        const next = call.paged && i < outcome.pages.length - 1 ? { NextToken: tokenFor(call.file, i + 2) } : {};
        write(`${call.paged ? pageFile(call.file, i + 1) : call.file}.json`, `${JSON.stringify({ ...body, ...next }, null, 4)}\n`);
      });
    }
    return dir;
  }
}

function emptyInventory(what: RegionalInventory): Record<string, unknown> {
  const key = { instances: 'Reservations', 'spot-requests': 'SpotInstanceRequests', 'lambda-functions': 'Functions', 'key-pairs': 'KeyPairs', 'security-groups': 'SecurityGroups' }[what];
  return { [key]: [] };
}

/**
 * A stub `aws` (POSIX sh): records every call (arguments separated by the unit separator, one call
 * a line) and answers from Scenario.writeAnswers files. An argument it does not expect (such as
 * --query) or a call it has no answer for makes it fail with status 252, which the tests check for.
 * `STUB_AWS_DEFAULT_OK=1` answers unknown calls with success (for running undo scripts).
 */
export function installStubAws(): { dir: string; bin: string; calls: () => string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'keyguard-stub-aws-'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const script = String.raw`#!/bin/sh
stub=${JSON.stringify(dir)}
{ for arg in "$@"; do printf '%s\037' "$arg"; done; printf '\n'; } >>"$stub/calls.log"
if [ "$1" = configure ]; then exit 1; fi
service=$1 op=$2
shift 2
region='' user='' lookup='' token=''
while [ "$#" -gt 0 ]; do
  case $1 in
    --region) region=$2; shift 2 ;;
    --user-name=*) user=${"${1#--user-name=}"}; shift ;;
    --starting-token) token=$2; shift 2 ;;
    --lookup-attributes) lookup=$2; shift 2 ;;
    --output|--max-items|--filters|--scope) shift 2 ;;
    *) [ "${"${STUB_AWS_DEFAULT_OK:-}"}" = 1 ] && exit 0; echo "stub aws: unexpected argument: $1" >&2; exit 252 ;;
  esac
done
answer="$stub/answers/$(printf '%s' "$service $op region=$region user=$user lookup=$lookup token=$token" | md5sum | cut -c1-32)"
if [ -f "$answer.status" ]; then cat "$answer.stderr" >&2; exit "$(cat "$answer.status")"; fi
if [ -f "$answer.json" ]; then cat "$answer.json"; exit 0; fi
[ "${"${STUB_AWS_DEFAULT_OK:-}"}" = 1 ] && exit 0
echo "stub aws: no answer for: $service $op region=$region user=$user lookup=$lookup token=$token" >&2
exit 252
`;
  writeFileSync(join(bin, 'aws'), script);
  chmodSync(join(bin, 'aws'), 0o755);
  const calls = () => {
    let text = '';
    try {
      text = readFileSync(join(dir, 'calls.log'), 'utf8');
    } catch {
      return [];
    }
    return text
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\u001f').slice(0, -1));
  };
  return { dir, bin, calls };
}
