import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { judgeKeyIdBody } from '../detect/plausibility.js';
import { scanText } from '../detect/scan-text.js';
import type { Detection } from '../detect/types.js';
import { scanBytes } from '../scan/blob-scanner.js';
import { runGit } from '../git/run-git.js';
import { collectScript } from '../incident/collect-script.js';
import { IncidentFolderError, readIncidentFolder } from '../incident/folder.js';
import { isoTime } from '../incident/json-value.js';
import { buildReview, nextRoundLookups, type Review } from '../incident/review.js';
import { reviewJson } from '../incident/review-json.js';
import { reviewText } from '../incident/review-text.js';
import { supportReply } from '../incident/support-reply.js';
import { lookupsFor, parseTarget, planFor, targetLabel, type CloudTrailLookup, type IncidentTarget } from '../incident/target.js';
import { describeDetails } from '../report/labels.js';
import { describeSubject, isOtherKind, otherCredentialPlan, type OtherSubject } from '../report/other-plans.js';
import { undoPlan, undoScript } from '../incident/undo-script.js';
import { COMMIT_HEADER_PATH, MESSAGE_PATH, messageOfObject, splitObject } from '../scan/message.js';
import { TAG_PATH } from '../scan/push.js';
import { plural, wrap } from '../report/labels.js';
import { incidentScript } from '../report/plan.js';
import { styleFor } from '../report/style.js';
import { terminalWidth } from '../report/width.js';
import { printableShellWord } from '../shell-quote.js';
import { EXIT_CLEAN, EXIT_ERROR, type ExitCode, type Io } from './io.js';

const LOCATION = /^(.+?):(\d+)(?::(\d+))?$/;

export interface IncidentOptions {
  /** An access key ID, or `path:line[:column]` where keyguard reported one. Optional with --review. */
  target?: string;
  /** With a location: read the file as it is in this commit. */
  commit?: string;
  /** Print only the plan's check script. */
  scriptOnly: boolean;
  /** Print only a collect script: round 1 for a key, or the next round with --review. */
  collect: boolean;
  /** The incident folder to review. */
  review?: string;
  /** With --review: print only the undo script. */
  undo: boolean;
  /** With --review: print only the draft reply to AWS support. */
  reply: boolean;
  format: 'text' | 'json';
  /** With --review: leave out events before this time (ISO 8601). */
  since?: string;
}

/** The terminal's width for prose; 80 when it is not a terminal or does not say. */
const widthOf = (io: Io): number => terminalWidth(io.stdout, io.env);

/** A credential that is not an access key pair (Bedrock API keys, service-specific credentials, SSO tokens). */
interface OtherTarget {
  kind: 'other';
  subject: OtherSubject;
}

type Exposed = IncidentTarget | OtherTarget;

/** What a detection is about, as an incident target (a secret or session token has no target of its own). */
function targetOf(detection: Pick<Detection, 'kind' | 'value' | 'accountId' | 'details'>): Exposed | undefined {
  if (detection.kind === 'access-key-id') return parseTarget(detection.value);
  if (isOtherKind(detection.kind)) return { kind: 'other', subject: { kind: detection.kind, accountId: detection.accountId, details: detection.details } };
  return undefined;
}

/**
 * A credential named by its value (`ABSK…`, `bedrock-api-key-…`, an SSO token) or, for a
 * service-specific credential or Bedrock key, by its service user name (`alice-at-111122223333`),
 * which names it without its secret.
 */
function parseOther(text: string): OtherTarget | undefined {
  const user = /^([\w+=,.@-]{1,64})-at-(\d{12})$/.exec(text);
  if (user) {
    const [, iamUser, accountId] = user as unknown as [string, string, string];
    const kind = /^BedrockAPIKey-/.test(iamUser) ? 'bedrock-api-key' : 'service-specific-credential';
    return { kind: 'other', subject: { kind, accountId, details: { serviceUserName: text, iamUser, ...(kind === 'bedrock-api-key' ? { service: 'bedrock' as const } : {}) } } };
  }
  const found = scanText(text).find((d) => isOtherKind(d.kind) && d.offset === 0 && d.length === text.length);
  const target = found ? targetOf(found) : undefined;
  return target?.kind === 'other' ? target : undefined;
}

/** The credential at a reported location (in the working tree, or in a commit). */
async function credentialAt(io: Io, path: string, line: number, column: number | undefined, commit: string | undefined): Promise<Exposed> {
  let detections: Detection[];
  const readObject = async (args: string[]) => {
    const out = await runGit({ cwd: io.cwd, env: io.env }, args).catch(() => undefined);
    if (out === undefined) throw new Error(`cannot read ${path}${commit ? ` in commit ${commit}` : ''}.`);
    return out;
  };
  // File content is scanned as the check scanned it (UTF-16, binary), so lines and columns agree.
  const inFile = async (args: string[]) => scanBytes(await readObject(args));
  // The places pre-push and --history report that are not files: messages, tagged objects.
  const tagged = TAG_PATH.exec(path);
  if (path === MESSAGE_PATH || path === COMMIT_HEADER_PATH) {
    if (!commit) throw new Error(`give the commit that holds the key: keyguard incident '${path}:${line}' --commit <commit>.`);
    const parts = splitObject(await readObject(['cat-file', 'commit', commit]));
    detections = scanText(path === MESSAGE_PATH ? parts.message : parts.header);
  } else if (tagged) {
    const [, what, ref, inTree] = tagged;
    if (what === 'message of tag') detections = scanText(messageOfObject(await readObject(['cat-file', 'tag', ref!])));
    else if (what === 'blob tagged') detections = await inFile(['cat-file', 'blob', `${ref}^{blob}`]);
    else detections = await inFile(['cat-file', 'blob', `${ref}^{tree}:${inTree ?? ''}`]);
  } else if (commit) {
    detections = await inFile(['cat-file', 'blob', `${commit}:./${path}`]);
  } else {
    const file = resolve(io.cwd, path);
    if (!existsSync(file)) throw new Error(`no such file: ${path}.`);
    detections = scanBytes(readFileSync(file));
  }
  const here = detections.filter((d) => d.line === line && (column === undefined || d.column === column));
  const others = here.filter((d) => isOtherKind(d.kind));
  let keyIds = [...new Set(here.filter((d) => d.kind === 'access-key-id').map((d) => d.value))];
  if (keyIds.length === 0 && others.length === 0 && here.length > 0) {
    // The check reported a secret or a session token here: its key ID is the one written closest to it.
    const nearest = detections
      .filter((d) => d.kind === 'access-key-id')
      .sort((a, b) => Math.abs(a.line - line) - Math.abs(b.line - line))[0];
    if (nearest === undefined) {
      throw new Error(
        `${path}:${line} holds a ${here[0]!.kind === 'session-token' ? 'session token' : 'secret access key'} without its access key ID. ` +
          'Find the key ID (next to the secret in ~/.aws/credentials, or in the IAM console), then run: keyguard incident <access key ID>',
      );
    }
    keyIds = [nearest.value];
  }
  const count = keyIds.length + new Set(others.map((d) => d.fingerprint)).size;
  if (count > 1) throw new Error(`there are ${count} credentials on ${path}:${line}; add the column (path:line:column).`);
  const target = keyIds.length === 1 ? parseTarget(keyIds[0]!) : others[0] ? targetOf(others[0]) : undefined;
  if (!target) throw new Error(`there is no access key ID at ${path}:${line}${column ? `:${column}` : ''}.`);
  return target;
}

/** The target named on the command line: a key ID or another credential, or the one at a reported location. */
async function resolveTarget(io: Io, text: string, commit: string | undefined): Promise<Exposed> {
  const direct = parseTarget(text) ?? parseOther(text);
  if (direct) return direct;
  const location = LOCATION.exec(text);
  if (!location) {
    // What was typed is shown cut short: it may be most of a secret.
    const shown = text.length > 24 ? `${text.slice(0, 12)}…` : text;
    throw new Error(
      `"${shown}" is not an access key ID (AKIA, ASIA, ABIA or ACCA and 16 characters), a service user name ` +
        '(alice-at-111122223333), a Bedrock API key or SSO token, nor the path:line keyguard reported.',
    );
  }
  return credentialAt(io, location[1]!, Number(location[2]), location[3] ? Number(location[3]) : undefined, commit);
}

/**
 * `keyguard incident <ACCESS_KEY_ID | path:line[:column]>`: the full plan for a key that escaped,
 * with the key and its account filled into every command, and a script to review and run;
 * `--collect`: the script that collects its CloudTrail events and the account's inventory;
 * `--review <folder>`: what the collected files show, and the commands that undo it.
 * keyguard itself calls no AWS or other network service.
 */
export async function incident(options: IncidentOptions, io: Io): Promise<ExitCode> {
  if (options.format !== 'json') return incidentText(options, io);
  // With --format json, a run that fails still writes a JSON document: {"error": {...}}.
  let wrote = false;
  let said = '';
  const watched: Io = {
    ...io,
    stdout: { isTTY: io.stdout.isTTY, write: (text: string) => ((wrote = true), io.stdout.write(text)) },
    stderr: { isTTY: io.stderr.isTTY, write: (text: string) => ((said ||= text), io.stderr.write(text)) },
  };
  const code = await incidentText(options, watched);
  if (code === EXIT_ERROR && !wrote) {
    const { formatJsonError } = await import('../report/json.js');
    const [message, hint] = said.replace(/^keyguard: /, '').split('\n').map((line) => line.trim());
    io.stdout.write(formatJsonError({ kind: 'input', message: message ?? 'incident failed.', ...(hint ? { hint } : {}) }));
  }
  return code;
}

async function incidentText(options: IncidentOptions, io: Io): Promise<ExitCode> {
  let exposed: Exposed | undefined;
  try {
    if (options.target !== undefined) exposed = await resolveTarget(io, options.target, options.commit);
  } catch (error) {
    io.stderr.write(`keyguard: ${(error as Error).message}\n`);
    return EXIT_ERROR;
  }
  if (exposed?.kind === 'other') return otherIncident(options, exposed.subject, io);
  const target = exposed;
  if (options.review !== undefined) return review(options, options.review, target, io);
  if (!target) {
    io.stderr.write('keyguard: incident takes one access key ID, or the path:line keyguard reported (or --review <folder>).\n');
    return EXIT_ERROR;
  }
  if (options.collect) {
    io.stdout.write(collectScript({ round: 1, lookups: lookupsFor(target), subject: subjectOf(target) }));
    return EXIT_CLEAN;
  }
  if (options.scriptOnly) {
    io.stdout.write(incidentScript(target.keyId));
    return EXIT_CLEAN;
  }
  io.stdout.write(planText(target, io));
  return EXIT_CLEAN;
}

/** The plan for a credential that is not an access key, and the collect script that follows its trail. */
function otherIncident(options: IncidentOptions, subject: OtherSubject, io: Io): ExitCode {
  const lookups = otherLookups(subject);
  const described = describeSubject(subject);
  if (options.review !== undefined || options.scriptOnly) {
    io.stderr.write(
      `keyguard: --review and --script work on access keys. For ${described}, run the plan's commands; ` +
        `${lookups.length > 0 ? 'the --collect script gathers its CloudTrail events.' : 'there is no CloudTrail lookup for it.'}\n`,
    );
    return EXIT_ERROR;
  }
  if (options.collect) {
    if (lookups.length === 0) {
      io.stderr.write(`keyguard: ${described} names no IAM user or key to look up in CloudTrail; find the user in IAM Identity Center.\n`);
      return EXIT_ERROR;
    }
    io.stdout.write(collectScript({ round: 1, lookups, subject: described }));
    return EXIT_CLEAN;
  }
  const width = widthOf(io);
  const style = styleFor(io.stdout, io.env);
  const out = [style.bold(wrap(`keyguard incident: ${described}`, width))];
  const details = describeDetails(subject.details && { ...subject.details, iamUser: undefined }); // the user is in the title
  if (details) out.push(wrap(details, width));
  out.push('', wrap('Treat it as compromised and do these steps in order, with your own administrator credentials. keyguard does not contact AWS.', width));
  otherCredentialPlan(subject).forEach((step, i) => {
    out.push('', wrap(`${style.bold(step.title)}. ${step.text}`, width, `${i + 1}. `, '   '));
    for (const command of step.commands) out.push(`     ${command}`);
    for (const link of step.links) out.push(style.dim(`   ${link.title}: ${link.url}`));
  });
  const name = subject.details?.serviceUserName ?? subject.details?.signingKeyId;
  if (lookups.length > 0 && name) {
    out.push(
      '',
      style.bold('To collect what it did from CloudTrail, in every region (a script to read first; it only reads):'),
      `     keyguard incident ${printableShellWord(name)} --collect > collect.sh`,
      `     sh collect.sh incident-${name.replace(/[^\w.-]/g, '_')}`,
    );
  }
  io.stdout.write(`${out.join('\n')}\n`);
  return EXIT_CLEAN;
}

/** How CloudTrail finds what the credential did: by its IAM user, or by the key that signed a short-term key. */
function otherLookups(subject: OtherSubject): CloudTrailLookup[] {
  if (subject.kind === 'bedrock-short-term-key' && subject.details?.signingKeyId) return [{ attribute: 'AccessKeyId', value: subject.details.signingKeyId }];
  if (subject.details?.iamUser) return [{ attribute: 'Username', value: subject.details.iamUser }];
  return [];
}

const subjectOf = (target: IncidentTarget) => `${targetLabel(target)}${target.accountId ? ` (AWS account ${target.accountId})` : ''}`;

function planText(target: IncidentTarget, io: Io): string {
  const width = widthOf(io);
  const style = styleFor(io.stdout, io.env);
  const { keyId, accountId } = target;
  const out: string[] = [];
  out.push(style.bold(wrap(`keyguard incident: ${keyId}${accountId ? ` (AWS account ${accountId})` : ' (its account cannot be decoded offline; aws sts get-access-key-info tells)'}`, width, '', '  ')));
  if (judgeKeyIdBody(keyId.slice(4)) !== 'credential') {
    out.push(style.yellow(wrap('This looks like an example or a placeholder, not a real key. If it is real after all, the plan below applies.', width)));
  }
  out.push(
    '',
    wrap(
      'Treat this key as compromised and do these steps in order. Run the commands yourself, with your own administrator ' +
        'credentials (never the exposed key). keyguard does not contact AWS or any other service.',
      width,
    ),
  );
  planFor(target).forEach((step, i) => {
    out.push('', wrap(`${style.bold(step.title)}. ${step.text}`, width, `${i + 1}. `, '   '));
    for (const command of step.commands) out.push(`     ${command}`);
    for (const link of step.links) out.push(style.dim(wrap(`${link.title}: ${link.url}`, width, '   ', '     ')));
  });
  const folder = `incident-${keyId}`;
  out.push(
    '',
    style.bold(wrap('To see exactly what the key did, and get the commands that undo it:', width)),
    wrap(
      'collect its CloudTrail events and your account\'s resources with your own AWS CLI (a script to read first; it only reads), ' +
        'then let keyguard review the files, offline:',
      width,
      '   ',
      '   ',
    ),
    `     keyguard incident ${keyId} --collect > collect.sh`,
    `     sh collect.sh ${folder}`,
    `     keyguard incident --review ${folder}`,
    '',
    style.bold(wrap('A script to review, then run with your AWS CLI credentials (`keyguard incident <key> --script > check-key.sh`):', width)),
    '',
    incidentScript(keyId),
  );
  return out.join('\n');
}

/** The round-1 target of a folder: what its first collect script looked up. */
function folderTarget(rounds: ReturnType<typeof readIncidentFolder>['rounds']): IncidentTarget | undefined {
  const first = rounds[0]?.manifest?.lookups.find((lookup) => lookup.attribute === 'AccessKeyId');
  return first ? parseTarget(first.value) : undefined;
}

function review(options: IncidentOptions, folder: string, given: IncidentTarget | undefined, io: Io): ExitCode {
  const only = [options.collect, options.undo, options.reply, options.format === 'json'].filter(Boolean).length;
  if (only > 1) {
    io.stderr.write('keyguard: --collect, --undo, --reply and --format json each print one thing: give one of them.\n');
    return EXIT_ERROR;
  }
  const since = options.since === undefined ? undefined : isoTime(options.since);
  if (options.since !== undefined && !since) {
    io.stderr.write(`keyguard: --since takes a time such as 2026-03-01T21:00:00Z (got "${options.since}").\n`);
    return EXIT_ERROR;
  }
  let data: ReturnType<typeof readIncidentFolder>;
  try {
    data = readIncidentFolder(resolve(io.cwd, folder));
  } catch (error) {
    if (!(error instanceof IncidentFolderError)) throw error;
    io.stderr.write(`keyguard: ${error.message}\n`);
    return EXIT_ERROR;
  }
  const target = given ?? folderTarget(data.rounds);
  if (!target) {
    io.stderr.write(
      `keyguard: cannot tell which key ${folder} is about (round-1/round.json is missing or unreadable). Name it: keyguard incident <key ID> --review ${printableShellWord(folder)}\n`,
    );
    return EXIT_ERROR;
  }
  const result = buildReview(data, { target, ...(since ? { since } : {}) });
  const incomplete = result.problems.length > 0;
  if (options.collect) {
    io.stdout.write(collectScript({ round: result.nextRound, lookups: nextRoundLookups(result), subject: subjectOf(target) }));
    return EXIT_CLEAN;
  }
  const sections = undoPlan(result);
  const script = undoScript(result, sections, printableShellWord(folder));
  const reply = supportReply(result);
  if (incomplete && (options.undo || options.reply)) warnIncomplete(result, folder, io);
  if (options.undo) {
    io.stdout.write(script);
    return incomplete ? EXIT_ERROR : EXIT_CLEAN;
  }
  if (options.reply) {
    io.stdout.write(`${reply.join('\n')}\n`);
    return incomplete ? EXIT_ERROR : EXIT_CLEAN;
  }
  if (options.format === 'json') {
    const nextCollectScript = collectScript({ round: result.nextRound, lookups: nextRoundLookups(result), subject: subjectOf(target) });
    io.stdout.write(reviewJson({ review: result, folder, undoSections: sections, undoScript: script, nextCollectScript, reply }));
    return incomplete ? EXIT_ERROR : EXIT_CLEAN;
  }
  const width = widthOf(io);
  io.stdout.write(reviewText({ review: result, folder, undoSections: sections, undoScript: script, reply, width, style: styleFor(io.stdout, io.env) }));
  return incomplete ? EXIT_ERROR : EXIT_CLEAN;
}

function warnIncomplete(result: Review, folder: string, io: Io): void {
  io.stderr.write(
    `keyguard: ${folder} is incomplete (${plural(result.problems.length, 'problem')}; keyguard incident --review ${printableShellWord(folder)} lists them): ` +
      'what those files hold is missing here.\n',
  );
}
