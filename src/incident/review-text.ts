import { plural, wrap } from '../report/labels.js';
import type { Style } from '../report/style.js';
import { displayPath, printableShellWord } from '../shell-quote.js';
import { describeChange } from './describe.js';
import type { TrailEvent } from './events.js';
import type { ChangeEntry, Review } from './review.js';
import { describeLookup } from './target.js';
import type { UndoSection } from './undo-script.js';

/**
 * The review as text for the person in the middle of the incident: prose wrapped to the terminal,
 * commands and scripts whole (so they can be copied). Everything that came from the records (user
 * agents, names an attacker chose) is shown with control characters escaped.
 */
export interface TextParts {
  review: Review;
  folder: string;
  undoSections: UndoSection[];
  undoScript: string;
  reply: string[];
  width: number;
  style: Style;
}

/** Longest user agent shown in the text (JSON has it whole). */
const AGENT_LENGTH = 120;

const safe = (text: string | undefined) => displayPath(text ?? '');
const stamp = (time: string) => `${time.slice(0, 10)} ${time.slice(11, 19)}Z`;
const clock = (time: string) => `${time.slice(11, 19)}Z`;

/**
 * Consecutive events alike are one line: the same key, address, agent and outcome, and either the
 * same call or all successful reads (a polling loop of 500 Describe calls reads as one line).
 */
interface Run {
  first: TrailEvent;
  last: TrailEvent;
  count: number;
  names: Map<string, number>;
}

const quietRead = (event: TrailEvent) => event.readOnly && !event.errorCode;

function runsOf(events: TrailEvent[]): Run[] {
  const runs: Run[] = [];
  const alike = (a: TrailEvent, b: TrailEvent) =>
    a.accessKeyId === b.accessKeyId &&
    a.sourceIp === b.sourceIp &&
    a.userAgent === b.userAgent &&
    a.errorCode === b.errorCode &&
    (a.name === b.name || (quietRead(a) && quietRead(b)));
  for (const event of events) {
    const run = runs[runs.length - 1];
    if (run && alike(run.last, event)) {
      run.last = event;
      run.count++;
      run.names.set(event.name, (run.names.get(event.name) ?? 0) + 1);
    } else runs.push({ first: event, last: event, count: 1, names: new Map([[event.name, 1]]) });
  }
  return runs;
}

/** "RunInstances", "DescribeRegions ×40 (to 21:27:39Z)", "120 read calls (to ...): DescribeInstances ×60, ..." */
function runLabel(run: Run): string {
  if (run.count === 1) return safe(run.first.name);
  const sameDay = run.first.time.slice(0, 10) === run.last.time.slice(0, 10);
  const to = `(to ${sameDay ? clock(run.last.time) : stamp(run.last.time)})`;
  if (run.names.size === 1) return `${safe(run.first.name)} ×${run.count} ${to}`;
  const names = [...run.names].sort((a, b) => b[1] - a[1]);
  const shown = names.slice(0, 4).map(([name, count]) => `${safe(name)} ×${count}`);
  if (names.length > 4) shown.push(`${names.length - 4} more`);
  return `${run.count} read calls ${to}: ${shown.join(', ')};`;
}

function timeline(parts: TextParts, out: string[]): void {
  const { review, width, style } = parts;
  const keys = new Set(review.events.map((event) => event.accessKeyId));
  const byRegion = new Map<string, TrailEvent[]>();
  for (const event of review.events) {
    const list = byRegion.get(event.region);
    if (list) list.push(event);
    else byRegion.set(event.region, [event]);
  }
  if (byRegion.size === 0) out.push(wrap('No CloudTrail events in the collected regions.', width, '   ', '   '));
  for (const region of [...byRegion.keys()].sort()) {
    const events = byRegion.get(region)!;
    const first = stamp(events[0]!.time);
    const last = stamp(events[events.length - 1]!.time);
    const span = first === last ? first : `${first} to ${last}`;
    out.push('', style.bold(wrap(`${region}: ${plural(events.length, 'event')}, ${span}`, width, '   ', '     ')));
    let lastAgent: string | undefined;
    for (const run of runsOf(events)) {
      const { first } = run;
      // The user agent is long and mostly the same: shown where it changes.
      const agent = first.userAgent ?? 'no user agent';
      const shownAgent = agent === lastAgent ? '' : `, ${safe(agent.length > AGENT_LENGTH ? `${agent.slice(0, AGENT_LENGTH)}…` : agent)}`;
      lastAgent = agent;
      const text = [
        stamp(first.time),
        runLabel(run),
        first.errorCode ? style.red(`failed: ${safe(first.errorCode)}`) : '',
        `from ${safe(first.sourceIp ?? 'unknown address')}${shownAgent}`,
        keys.size > 1 && first.accessKeyId ? `[${first.accessKeyId}]` : '',
      ]
        .filter(Boolean)
        .join(' ');
      out.push(wrap(text, width, '     ', '         '));
    }
  }
  if (review.eventsBeforeSince > 0) {
    out.push('', wrap(`${plural(review.eventsBeforeSince, 'event')} before ${review.since} (--since) are left out of this review.`, width, '   ', '   '));
  }
}

function state(entry: ChangeEntry, style: Style): string {
  const { existence } = entry;
  const detail = existence.detail ? ` (${safe(existence.detail)})` : '';
  if (existence.state === 'exists') return style.red(`STILL EXISTS${detail}`);
  if (existence.state === 'gone') return style.green(`gone${detail}`);
  return style.yellow(`unknown${detail}`);
}

function entryLine(entry: ChangeEntry, parts: TextParts, lead: string): string {
  const by = entry.createdBy;
  const text = `${safe(describeChange(entry.change))}: ${by.name}, ${stamp(by.time)}${by.accessKeyId ? `, by ${by.accessKeyId}` : ''}. ${state(entry, parts.style)}`;
  return wrap(text, parts.width, lead, `${' '.repeat(lead.length)}  `);
}

function credentials(parts: TextParts, out: string[]): void {
  const list = parts.review.credentials;
  if (list.length === 0) out.push(wrap('None found in the events.', parts.width, '   ', '   '));
  for (const entry of list) out.push(entryLine(entry, parts, '   - '));
}

function resources(parts: TextParts, out: string[]): void {
  const list = parts.review.resources;
  if (list.length === 0) out.push(wrap('None found in the events.', parts.width, '   ', '   '));
  for (const region of [...new Set(list.map((entry) => entry.region))].sort()) {
    out.push(parts.style.bold(`   ${region}`));
    for (const entry of list.filter((e) => e.region === region)) out.push(entryLine(entry, parts, '     - '));
  }
}

function otherChanges(parts: TextParts, out: string[]): void {
  const list = parts.review.otherChanges;
  out.push(
    wrap(
      list.length === 0
        ? 'None: every successful change in the events is listed above.'
        : 'These calls changed something keyguard does not interpret or undo. Look at each one (CloudTrail console, Event history, by event ID):',
      parts.width,
      '   ',
      '   ',
    ),
  );
  for (const event of list) {
    out.push(wrap(`${stamp(event.time)} ${event.region} ${safe(event.name)} (${safe(event.source)})${event.accessKeyId ? ` by ${event.accessKeyId}` : ''}, event ${safe(event.eventId)}`, parts.width, '   - ', '     '));
  }
}

function nextLayer(parts: TextParts, out: string[]): void {
  const { review, folder, width } = parts;
  const next = review.nextRound;
  const quoted = printableShellWord(folder);
  const commands = [
    `keyguard incident --review ${quoted} --collect > collect-${next}.sh`,
    `sh collect-${next}.sh ${quoted}`,
    `keyguard incident --review ${quoted}`,
  ];
  if (review.lookups.pending.length > 0) {
    out.push(
      wrap(
        `Not collected yet: ${review.lookups.pending.map(describeLookup).join(', ')}. What they did is the next layer: collect it (round ${next}), ` +
          'and this review merges it in. The new round looks up every key and user so far again, and the inventory too:',
        width,
        '   ',
        '   ',
      ),
    );
  } else {
    out.push(
      wrap(
        `Every credential made from the key has been collected (${plural(review.rounds.length, 'round')}). After running the undo script, collect again to check that everything is gone:`,
        width,
        '   ',
        '   ',
      ),
    );
  }
  for (const command of commands) out.push(`     ${command}`);
}

export function reviewText(parts: TextParts): string {
  const { review, folder, width, style } = parts;
  const out: string[] = [];
  const account = review.target.accountId ? ` (AWS account ${review.target.accountId})` : '';
  const owner = review.owner.userName ? `, IAM user ${review.owner.userName}` : review.owner.type === 'Root' ? ', a ROOT USER key' : '';
  out.push(style.bold(wrap(`keyguard incident review: ${review.target.keyId}${account}${owner}`, width)));
  const keys = new Set(review.events.map((event) => event.accessKeyId).filter(Boolean));
  out.push(
    wrap(
      `From ${displayPath(folder)}: ${plural(review.rounds.length, 'round')}${review.latestCollection ? `, the last collected ${stamp(review.latestCollection)}` : ''}; ` +
        `${plural(review.regions.length, 'region')}; ${plural(review.events.length, 'event')} of ${plural(keys.size, 'key')}. Times are UTC.`,
      width,
    ),
  );
  const exposed = review.targetExistence;
  if (!review.target.temporary && exposed.state !== 'unknown') {
    const when = exposed.asOf ? ` (collected ${stamp(exposed.asOf)})` : '';
    out.push(
      exposed.state === 'exists' && exposed.detail === 'Active'
        ? style.red(wrap(`The exposed key is still ACTIVE${when}: deactivate it first (the undo script's first command).`, width))
        : wrap(`The exposed key is ${exposed.state === 'exists' ? (exposed.detail ?? 'there') : 'deleted'}${when}.`, width),
    );
  }
  for (const warning of review.warnings) out.push('', style.yellow(wrap(`Warning: ${warning}`, width)));
  const quoted = printableShellWord(folder);
  if (review.problems.length > 0) {
    out.push(
      '',
      style.red(style.bold(wrap(`INCOMPLETE: ${plural(review.problems.length, 'problem')} with the collected files; what they should hold is missing below.`, width))),
    );
    for (const problem of review.problems) out.push(wrap(`${safe(problem.file)}: ${safe(problem.problem)}`, width, '  - ', '    '));
    out.push(wrap('Fix the cause (credentials, permissions), remove the round\'s folder and run its collect script again.', width, '  ', '  '));
  }
  const section = (n: number, title: string) => out.push('', style.bold(wrap(`${n}. ${title}`, width, '', '   ')));
  section(1, 'What it did, per region (oldest first, newest last)');
  out.push(wrap('Each line: time, call, source address, and the user agent where it changes.', width, '   ', '   '));
  timeline(parts, out);
  section(2, 'Credentials it created or obtained');
  credentials(parts, out);
  section(3, 'Resources it created, by region');
  resources(parts, out);
  section(4, 'Other changes to look at');
  otherChanges(parts, out);
  section(5, 'The commands that undo it');
  const commands = parts.undoSections.flatMap((s) => s.commands);
  const needYou = commands.filter((c) => c.notRun).length;
  out.push(
    wrap(
      `${plural(commands.length - needYou, 'command')}${needYou > 0 ? `, and ${needYou} for you to do by hand ("# not run:")` : ''}. ` +
        `Save them as a script, read every line, then run it with your administrator credentials:`,
      width,
      '   ',
      '   ',
    ),
    `     keyguard incident --review ${quoted} --undo > undo.sh`,
    '     sh undo.sh',
    '',
    parts.undoScript.trimEnd(),
  );
  section(6, 'The next layer: what the credentials made from it did');
  nextLayer(parts, out);
  section(7, 'A draft reply to the AWS support case (fill in the [...] parts)');
  out.push(`     keyguard incident --review ${quoted} --reply > reply.txt`, '');
  for (const line of parts.reply) out.push(line.startsWith('- ') ? wrap(line.slice(2), width, '   - ', '     ') : line === '' ? '' : wrap(line, width, '   ', '   '));
  out.push('');
  return out.join('\n');
}
