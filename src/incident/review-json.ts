import type { TrailEvent } from './events.js';
import type { ChangeEntry, Review } from './review.js';
import type { UndoSection } from './undo-script.js';

/**
 * `keyguard incident --review <folder> --format json`: the same review as data. Events carry their
 * summary fields only, never the records' request or response (nothing secret is copied out).
 */
export interface JsonParts {
  review: Review;
  folder: string;
  undoSections: UndoSection[];
  undoScript: string;
  nextCollectScript: string;
  reply: string[];
}

export const REVIEW_FORMAT = 1;

const eventJson = (event: TrailEvent) => ({
  eventId: event.eventId,
  time: event.time,
  region: event.region,
  source: event.source,
  name: event.name,
  readOnly: event.readOnly,
  accessKeyId: event.accessKeyId ?? null,
  identity: event.identity,
  sourceIp: event.sourceIp ?? null,
  userAgent: event.userAgent ?? null,
  errorCode: event.errorCode ?? null,
  foundBy: event.foundBy,
  round: event.round,
  file: event.file,
});

const entryJson = (entry: ChangeEntry) => ({
  ...entry.change,
  region: entry.region,
  createdBy: entry.createdBy,
  existence: entry.existence,
});

export function reviewJson(parts: JsonParts): string {
  const { review } = parts;
  const regions = [...new Set(review.events.map((event) => event.region))].sort();
  return `${JSON.stringify(
    {
      keyguard: 'incident-review',
      format: REVIEW_FORMAT,
      folder: parts.folder,
      complete: review.problems.length === 0,
      problems: review.problems,
      warnings: review.warnings,
      key: {
        keyId: review.target.keyId,
        accountId: review.target.accountId ?? null,
        temporary: review.target.temporary,
        owner: review.owner,
        existence: review.targetExistence,
      },
      rounds: review.rounds,
      regions: review.regions,
      latestCollection: review.latestCollection ?? null,
      since: review.since ?? null,
      eventsBeforeSince: review.eventsBeforeSince,
      timeline: regions.map((region) => ({ region, events: review.events.filter((event) => event.region === region).map(eventJson) })),
      credentials: review.credentials.map(entryJson),
      resources: review.resources.map(entryJson),
      userDetails: Object.fromEntries(review.userDetails),
      otherChanges: review.otherChanges.map(eventJson),
      undo: { sections: parts.undoSections, script: parts.undoScript },
      nextLayer: { round: review.nextRound, pending: review.lookups.pending, collected: review.lookups.collected, collectScript: parts.nextCollectScript },
      supportReply: parts.reply.join('\n'),
    },
    null,
    2,
  )}\n`;
}
