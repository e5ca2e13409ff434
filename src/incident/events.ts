import type { FolderData, Problem } from './folder.js';
import { REGION_NAME } from './layout.js';
import { asArray, asObject, asString, at, isoTime, stringAt, type JsonObject } from './json-value.js';
import { sameLookup, type CloudTrailLookup } from './target.js';

/**
 * CloudTrail events from `lookup-events` answers: each item's summary fields, and the full record
 * in its `CloudTrailEvent` JSON string. The same event found by two lookups or in two rounds is
 * one event.
 */
export interface TrailEvent {
  eventId: string;
  /** ISO 8601 UTC, to the second. */
  time: string;
  region: string;
  /** `ec2.amazonaws.com` */
  source: string;
  name: string;
  /** CloudTrail's `ReadOnly`: a Describe/List/Get call. */
  readOnly: boolean;
  /** The access key the call was signed with. */
  accessKeyId: string | undefined;
  identity: { type: string | undefined; arn: string | undefined; userName: string | undefined };
  sourceIp: string | undefined;
  userAgent: string | undefined;
  /** Set when the call failed (AccessDenied, UnauthorizedOperation, Client.DryRunOperation, ...). */
  errorCode: string | undefined;
  request: JsonObject;
  response: JsonObject;
  foundBy: CloudTrailLookup[];
  /** The round and file that first held it. */
  round: number;
  file: string;
}

/** What an access key ID looks like, loosely (any prefix): anything else in a record is not shown as one. */
const KEY_ID = /^[A-Z0-9]{16,128}$/;
const keyIdOf = (value: unknown) => {
  const text = asString(value);
  return text && KEY_ID.test(text) ? text : undefined;
};

function userNameOf(record: JsonObject, item: JsonObject): string | undefined {
  return stringAt(record, 'userIdentity', 'userName') ?? stringAt(record, 'userIdentity', 'sessionContext', 'sessionIssuer', 'userName') ?? asString(item.Username);
}

function toEvent(item: JsonObject, region: string, lookup: CloudTrailLookup, round: number, file: string, problems: Problem[]): TrailEvent | undefined {
  const eventId = asString(item.EventId);
  const label = `${asString(item.EventName) ?? 'an event'}${eventId ? ` (${eventId})` : ''}`;
  if (!eventId) {
    problems.push({ file, problem: `${label} has no EventId: it is left out.` });
    return undefined;
  }
  let record: JsonObject = {};
  const raw = item.CloudTrailEvent;
  try {
    const parsed = typeof raw === 'string' ? asObject(JSON.parse(raw)) : undefined;
    if (!parsed) throw new Error('not an object');
    record = parsed;
  } catch {
    problems.push({ file, problem: `${label}: its CloudTrailEvent is not a JSON record; it is shown from its summary fields only, and what it created is not known.` });
  }
  const time = isoTime(record.eventTime) ?? isoTime(item.EventTime);
  const name = asString(record.eventName) ?? asString(item.EventName);
  if (!time || !name) {
    problems.push({ file, problem: `${label} has no readable time or name: it is left out.` });
    return undefined;
  }
  const readOnly = record.readOnly ?? item.ReadOnly;
  return {
    eventId,
    time,
    // The region and key come from the record, but are shown and used as names: only in their own shape.
    region: REGION_NAME.test(asString(record.awsRegion) ?? '') ? (record.awsRegion as string) : region,
    source: asString(record.eventSource) ?? asString(item.EventSource) ?? '',
    name,
    readOnly: readOnly === true || readOnly === 'true',
    accessKeyId: keyIdOf(at(record, 'userIdentity', 'accessKeyId')) ?? keyIdOf(item.AccessKeyId),
    identity: { type: stringAt(record, 'userIdentity', 'type'), arn: stringAt(record, 'userIdentity', 'arn'), userName: userNameOf(record, item) },
    sourceIp: asString(record.sourceIPAddress),
    userAgent: asString(record.userAgent),
    errorCode: asString(record.errorCode),
    request: asObject(record.requestParameters) ?? {},
    response: asObject(record.responseElements) ?? {},
    foundBy: [lookup],
    round,
    file,
  };
}

/** Every event of every round, each once, oldest first. */
export function eventsOf(data: FolderData, problems: Problem[]): TrailEvent[] {
  const byId = new Map<string, TrailEvent>();
  for (const round of data.rounds) {
    for (const { region, lookup, call } of round.lookups) {
      for (const page of call.pages) {
        if (!Array.isArray(page.body.Events)) {
          problems.push({ file: page.file, problem: 'has no Events list: not a cloudtrail lookup-events answer.' });
          continue;
        }
        for (const item of asArray(page.body.Events)) {
          const object = asObject(item);
          const event = object ? toEvent(object, region, lookup, round.round, page.file, problems) : undefined;
          if (!object) problems.push({ file: page.file, problem: 'holds an event that is not a JSON object: it is left out.' });
          if (!event) continue;
          const seen = byId.get(event.eventId);
          if (!seen) byId.set(event.eventId, event);
          else if (!seen.foundBy.some((l) => sameLookup(l, lookup))) seen.foundBy.push(lookup);
        }
      }
    }
  }
  return [...byId.values()].sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
}
