import { arnName, changesOf, CREDENTIAL_KINDS, isUnderstood, type Change } from './changes.js';
import { eventsOf, type TrailEvent } from './events.js';
import type { FolderData, Problem } from './folder.js';
import { Inventory, type Existence, type UserDetails } from './inventory.js';
import { displayPath } from '../shell-quote.js';
import { IAM_NAME, isValidLookup, lookupsFor, sameLookup, type CloudTrailLookup, type IncidentTarget } from './target.js';

/**
 * The review of an incident folder as data: what the exposed credential (and what it created) did,
 * what still exists, and what is left to collect. The text report, the undo script, the support
 * reply and the JSON are all drawn from this.
 */

export interface EventRef {
  eventId: string;
  time: string;
  region: string;
  name: string;
  accessKeyId: string | undefined;
  sourceIp: string | undefined;
}

export interface ChangeEntry {
  change: Change;
  /** Where it was made (IAM and STS: us-east-1). */
  region: string;
  createdBy: EventRef;
  existence: Existence & { instanceId?: string; keyPairId?: string; userName?: string };
}

export interface RoundSummary {
  round: number;
  startedAt: string | undefined;
  finishedAt: string | undefined;
  lookups: CloudTrailLookup[];
  accountId: string | undefined;
  regions: number;
}

export interface Review {
  target: IncidentTarget;
  /** Who the exposed key belongs to, from the inventory or from its own events. */
  owner: { type: string | undefined; userName: string | undefined; roleName: string | undefined };
  /** Whether the exposed key itself still exists (and is Active), per the newest inventory. */
  targetExistence: Existence;
  rounds: RoundSummary[];
  regions: string[];
  /** Events before this time are left out (`--since`). */
  since: string | undefined;
  events: TrailEvent[];
  eventsBeforeSince: number;
  credentials: ChangeEntry[];
  resources: ChangeEntry[];
  /** What the users it created have (keys, policies, groups), per the newest inventory: delete-user needs it all gone. */
  userDetails: Map<string, UserDetails>;
  /** Successful changes keyguard cannot interpret: each needs a person's look. */
  otherChanges: TrailEvent[];
  lookups: { collected: CloudTrailLookup[]; pending: CloudTrailLookup[] };
  nextRound: number;
  /** When the newest round finished (or started): the "as of" of the inventory. */
  latestCollection: string | undefined;
  warnings: string[];
  problems: Problem[];
}

const refOf = (event: TrailEvent): EventRef => ({
  eventId: event.eventId,
  time: event.time,
  region: event.region,
  name: event.name,
  accessKeyId: event.accessKeyId,
  sourceIp: event.sourceIp,
});

function existenceOf(change: Change, region: string, inventory: Inventory, latest: string | undefined): ChangeEntry['existence'] {
  switch (change.kind) {
    case 'instance':
      return inventory.instance(region, change.instanceId);
    case 'spot-request':
      return inventory.spotRequest(region, change.requestId);
    case 'lambda-function':
      return inventory.lambdaFunction(region, change.functionName);
    case 'key-pair':
      return inventory.keyPair(region, change.keyPairId, change.keyName);
    case 'security-group':
      return inventory.securityGroup(region, change.groupId);
    case 'ingress-rule':
      return inventory.ingressRule(region, change.groupId, change.permissions);
    case 'user':
      return inventory.user(change.userName);
    case 'access-key':
      return inventory.accessKey(change.keyId);
    case 'login-profile':
      return inventory.loginProfile(change.userName);
    case 'role':
      return inventory.role(change.roleName);
    case 'policy':
      return inventory.policy(change.policyArn);
    case 'user-policy':
      return inventory.userPolicy(change.userName, change.policyArn, change.policyName);
    case 'role-policy':
      return { state: 'unknown', detail: 'role policies are not collected' };
    case 'group-membership':
      return inventory.groupMembership(change.userName, change.groupName);
    case 'temporary-credentials':
      if (!change.expiration) return { state: 'unknown', detail: 'expiry not recorded' };
      if (latest && change.expiration <= latest) return { state: 'gone', detail: `expired ${change.expiration}`, asOf: latest };
      return { state: 'exists', detail: `valid until ${change.expiration}`, ...(latest ? { asOf: latest } : {}) };
  }
}

/** A change's identity, so that the same thing done twice is listed once. */
function changeKey(change: Change, region: string): string {
  return JSON.stringify([region, change]);
}

/** The lookups that find what the credentials a change hands out did: the next layer. */
function lookupsOfChange(change: Change): CloudTrailLookup[] {
  if ((change.kind === 'access-key' || change.kind === 'temporary-credentials') && change.keyId) return [{ attribute: 'AccessKeyId', value: change.keyId }];
  if (change.kind === 'user') return [{ attribute: 'Username', value: change.userName }];
  return [];
}

function ownerOf(target: IncidentTarget, events: TrailEvent[], inventory: Inventory): Review['owner'] {
  const fromInventory = inventory.accessKey(target.keyId).userName;
  const own = events.find((event) => event.accessKeyId === target.keyId && event.identity.type);
  const type = own?.identity.type ?? (fromInventory ? 'IAMUser' : undefined);
  // Names from a record go into commands: only in the shape IAM allows.
  const iamName = (name: string | undefined) => (name && IAM_NAME.test(name) ? name : undefined);
  return {
    type: type && /^[A-Za-z]+$/.test(type) ? type : undefined,
    userName: fromInventory ?? (type === 'IAMUser' ? iamName(own?.identity.userName) : undefined),
    roleName: type === 'AssumedRole' ? iamName(own?.identity.userName ?? arnName(own?.identity.arn?.split('/').slice(0, -1).join('/'))) : undefined,
  };
}

export interface ReviewOptions {
  /** The exposed credential; by default, what round 1 looked up. */
  target: IncidentTarget;
  since?: string;
}

export function buildReview(data: FolderData, options: ReviewOptions): Review {
  const problems = [...data.problems];
  const allEvents = eventsOf(data, problems);
  const since = options.since;
  const events = since ? allEvents.filter((event) => event.time >= since) : allEvents;
  const inventory = new Inventory(data);
  const rounds: RoundSummary[] = data.rounds.map((round) => ({
    round: round.round,
    startedAt: round.manifest?.startedAt,
    finishedAt: round.manifest?.finishedAt,
    lookups: round.manifest?.lookups ?? [],
    accountId: round.accountId,
    regions: round.regions.length,
  }));
  const newest = data.rounds[data.rounds.length - 1];
  const latestCollection = newest?.manifest?.finishedAt ?? newest?.manifest?.startedAt;

  const seen = new Set<string>();
  const entries: ChangeEntry[] = [];
  const otherChanges: TrailEvent[] = [];
  for (const event of events) {
    if (!event.errorCode && !event.readOnly && !isUnderstood(event)) otherChanges.push(event);
    for (const change of changesOf(event)) {
      const key = changeKey(change, event.region);
      if (seen.has(key)) continue;
      seen.add(key);
      entries.push({ change, region: event.region, createdBy: refOf(event), existence: existenceOf(change, event.region, inventory, latestCollection) });
    }
  }

  const collected: CloudTrailLookup[] = [];
  for (const lookup of rounds.flatMap((round) => round.lookups)) if (!collected.some((l) => sameLookup(l, lookup))) collected.push(lookup);
  const warnings: string[] = [];
  const pending: CloudTrailLookup[] = [];
  for (const lookup of [...lookupsFor(options.target), ...entries.flatMap((entry) => lookupsOfChange(entry.change))]) {
    if (!isValidLookup(lookup)) {
      warnings.push(`${displayPath(lookup.value)} (${lookup.attribute}) is not in the shape AWS gives it: it is not looked up. Check the record it came from.`);
      continue;
    }
    if (!collected.some((l) => sameLookup(l, lookup)) && !pending.some((l) => sameLookup(l, lookup))) pending.push(lookup);
  }

  const accounts = [...new Set(rounds.map((round) => round.accountId).filter((id): id is string => id !== undefined))];
  if (accounts.length > 1) warnings.push(`The rounds were collected in different AWS accounts (${accounts.join(', ')}).`);
  const keyAccount = options.target.accountId;
  if (keyAccount && accounts.length > 0 && !accounts.includes(keyAccount)) {
    warnings.push(
      `The exposed key belongs to account ${keyAccount}, but this folder was collected in ${accounts.join(', ')}: run the collect script with credentials of account ${keyAccount}.`,
    );
  }
  if (!collected.some((l) => lookupsFor(options.target).some((t) => sameLookup(l, t)))) {
    warnings.push(`No round looked up ${options.target.keyId}: this folder was collected for another key.`);
  }

  return {
    target: options.target,
    owner: ownerOf(options.target, allEvents, inventory),
    targetExistence: options.target.temporary ? { state: 'unknown', detail: 'temporary keys are not listed by IAM' } : inventory.accessKey(options.target.keyId),
    rounds,
    regions: [...new Set(data.rounds.flatMap((round) => round.regions))].sort(),
    since,
    events,
    eventsBeforeSince: allEvents.length - events.length,
    credentials: entries.filter((entry) => CREDENTIAL_KINDS.has(entry.change.kind)),
    userDetails: new Map(
      entries.flatMap((entry) => {
        if (entry.change.kind !== 'user') return [];
        const details = inventory.userDetails(entry.change.userName);
        return details ? [[entry.change.userName, details] as const] : [];
      }),
    ),
    resources: entries.filter((entry) => !CREDENTIAL_KINDS.has(entry.change.kind)),
    otherChanges,
    lookups: { collected, pending },
    nextRound: (data.rounds[data.rounds.length - 1]?.round ?? 0) + 1,
    latestCollection,
    warnings,
    problems,
  };
}

/** The lookups the next round makes: every one so far (their events may have grown) and the new ones. */
export function nextRoundLookups(review: Review): CloudTrailLookup[] {
  return [...review.lookups.collected, ...review.lookups.pending];
}
