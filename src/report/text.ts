import type { Finding, ScanResult, SuppressedFinding } from '../scan/types.js';
import { displayPath } from '../shell-quote.js';
import { groupCredentials, type Credential } from './credentials.js';
import { describeCoverage, describeDetails, KIND_LABEL, plural, shownFingerprint, visibleLength, wrap } from './labels.js';
import { isOtherKind } from './other-plans.js';
import { compromisedKeyPlan, type PlanStep } from './plan.js';
import { describeExposure, remediationFor, type Remediation, type Scope } from './remediation.js';
import type { Style } from './style.js';

export interface TextOptions {
  scope: Scope;
  style: Style;
  verbose: boolean;
  /** Columns to wrap to: the terminal's (80 when not known). */
  width?: number;
  /** Run by hand or by a script (`keyguard check`), not by the commit hook: no commit is being blocked. */
  manual?: boolean;
}

const DEFAULT_WIDTH = 80;
/** Places listed per credential before "and N more" (verbose lists all). */
const PLACES_SHOWN = 4;

/** Scans whose report is one entry per credential: a key in many commits and files reads as one key. */
const GROUPED: readonly Scope[] = ['all', 'history', 'push'];

const short = (commit: string) => commit.slice(0, 12);

function headline(scope: Scope, findings: Finding[], credentials: number, manual = false): string {
  const values = plural(findings.length, 'AWS credential');
  const grouped = plural(credentials, 'AWS credential');
  const files = (noun: string) => plural(new Set(findings.map((f) => f.path)).size, noun);
  const inCommits = new Set(findings.flatMap((f) => (f.commit ? [f.commit] : []))).size;
  const commits = plural(inCommits, 'commit');
  // Pre-push findings without a commit are in tags: `(message of tag …)`, `(tree tagged …)/path`.
  const inTags = new Set(findings.flatMap((f) => (f.commit ? [] : [f.path.replace(/\/.*$/, '')]))).size;
  const pushed = [inCommits > 0 ? commits : '', inTags > 0 ? plural(inTags, 'tag') : ''].filter(Boolean).join(' and ');
  switch (scope) {
    case 'staged':
      return manual ? `keyguard: found ${values} in ${files('staged file')}.` : `keyguard: commit blocked: ${values} in ${files('staged file')}.`;
    case 'message':
      return `keyguard: commit blocked: the commit message contains ${values}.`;
    case 'push':
      return `keyguard: push blocked: ${grouped} in ${pushed} about to be pushed.`;
    case 'history':
      return `keyguard: found ${grouped} in the history (${commits}).`;
    case 'all':
      return `keyguard: found ${grouped} in ${files('tracked file')}.`;
    case 'files':
      return `keyguard: found ${values} in ${files('file')}.`;
  }
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const group = groups.get(key(item)) ?? [];
    group.push(item);
    groups.set(key(item), group);
  }
  return groups;
}

/** A credential as people recognise it: kind, redacted value, account. */
function nameOf(finding: Finding, style: Style): string {
  const described = describeDetails(finding.details);
  const about = [finding.accountId ? `account ${finding.accountId}` : '', described].filter(Boolean).join(', ');
  return `${KIND_LABEL[finding.kind]} ${style.yellow(finding.redacted)}${about ? ` (${about})` : ''}`;
}

/** The report for people, written to stderr: nothing at all when nothing was found (unless verbose). */
export function formatText(result: ScanResult, options: TextOptions): string {
  const { style, scope } = options;
  const width = options.width ?? DEFAULT_WIDTH;
  const { findings, stats } = result;
  const allowed = options.verbose ? describeAllowed(result) : [];
  if (findings.length === 0) {
    return options.verbose ? [`keyguard: no AWS credentials found; ${describeCoverage(stats)}.`, ...allowed, ''].join('\n') : '';
  }
  const say = (text: string, lead = '', indent = lead) => wrap(text, width, lead, indent);
  const grouped = GROUPED.includes(scope);
  const credentials = grouped ? groupCredentials(findings) : [];
  const lines: string[] = [style.red(style.bold(say(headline(scope, findings, credentials.length, options.manual)))), ''];

  if (grouped) {
    credentials.forEach((credential, i) => {
      lines.push(...credentialEntry(credential, i, credentials.length, options, result, width), '');
    });
    lines.push(...sharedPlan(credentials, scope, result, style, width));
  } else {
    listByFile(findings, options, width, lines);
    const remediation = remediationFor(scope, findings, result.facts);
    lines.push('', style.bold('What to do now'));
    remediation.steps.forEach((step, i) => lines.push(say(step, `  ${i + 1}. `, '     ')));
    if (remediation.plan) lines.push('', ...planSection(remediation, style, width));
  }

  if ((scope === 'staged' && !options.manual) || scope === 'message') {
    const bypass = result.facts?.prePushHook
      ? 'Committing with --no-verify would put the key in your history: the pre-push hook would then stop the push until the commit is rewritten.'
      : 'Bypassing this check with --no-verify would publish the key with your next push.';
    lines.push('', style.dim(say(`Nothing was committed. (${bypass})`)));
  } else if (scope === 'push') {
    lines.push(style.dim(say('Nothing was pushed.')));
  }
  if (scope !== 'message') {
    lines.push(style.dim(say('Not a credential (a test fixture)? Mark its line `keyguard:allow`, or allow its fingerprint (`keyguard check --verbose`).')));
  }
  if (options.verbose) lines.push(style.dim(say(`keyguard: ${describeCoverage(stats)}.`)), ...allowed.map((line) => style.dim(line)));
  return lines.join('\n') + '\n';
}

/** Staged and named files: each file, then each finding on it with its situation. */
function listByFile(findings: Finding[], options: TextOptions, width: number, lines: string[]): void {
  const { style, verbose } = options;
  const kindWidth = Math.max(...findings.map((f) => KIND_LABEL[f.kind].length));
  const indent = '    ';
  for (const [path, inFile] of groupBy(findings, (f) => f.path)) {
    lines.push(`  ${style.bold(displayPath(path))}`);
    for (const finding of inFile) {
      // Inside a container: the member first (`xl/sharedStrings.xml:2:15`).
      const where = `${finding.within ? `${finding.within.join(' > ')}:` : ''}${finding.line}:${finding.column}`.padEnd(8);
      const described = describeDetails(finding.details);
      const account = (finding.accountId ? style.dim(`  account ${finding.accountId}`) : '') + (described ? style.dim(`  ${described}`) : '');
      const encoding = finding.encoding !== 'plain' ? style.dim(`  (${(finding.encodings ?? [finding.encoding]).join(' > ')})`) : '';
      let line = `${indent}${where} ${KIND_LABEL[finding.kind].padEnd(kindWidth)}  ${style.yellow(finding.redacted)}${account}${encoding}`;
      const pushed = finding.exposure?.state === 'pushed';
      const extras = [
        { text: describeExposure(finding), paint: (t: string) => (pushed ? style.red(style.bold(t)) : style.dim(t)) },
        { text: verbose ? shownFingerprint(finding) : '', paint: style.dim },
      ].filter((extra) => extra.text !== '');
      // Beside the finding when it fits the width, else below it.
      for (const { text, paint } of extras) {
        if (visibleLength(line) + 2 + text.length <= width) {
          line += `  ${paint(text)}`;
        } else {
          lines.push(line);
          line = wrap(text, width, `${indent}  `, `${indent}  `).split('\n').map(paint).join('\n');
        }
      }
      lines.push(line);
    }
  }
}

/** One credential: what it is, how far it travelled, where it is, and its own plan. */
function credentialEntry(credential: Credential, index: number, count: number, options: TextOptions, result: ScanResult, width: number): string[] {
  const { style, scope, verbose } = options;
  const say = (text: string, lead = '  ', indent = '  ') => wrap(text, width, lead, indent);
  const { subject, findings } = credential;
  const lines: string[] = [];
  const title = count > 1 ? `Credential ${index + 1} of ${count}: ` : '';
  lines.push(style.bold(wrap(`${title}${nameOf(subject, style)}`, width, '', '  ')));
  const companions = [...new Map(findings.filter((f) => f.fingerprint !== subject.fingerprint).map((f) => [f.fingerprint, f])).values()];
  for (const companion of companions) lines.push(say(`with its ${nameOf(companion, style)}`));
  if (verbose) for (const fingerprint of new Set(findings.map(shownFingerprint))) lines.push(style.dim(say(`fingerprint ${fingerprint}`)));

  const situation = describeExposure({ exposure: credential.exposure, commit: credential.introducedIn, path: subject.path });
  if (situation) lines.push(credential.exposure?.state === 'pushed' ? style.red(style.bold(say(situation))) : say(situation));
  if (credential.introducedIn && credential.exposure?.state !== 'staged') lines.push(say(`Introduced by commit ${credential.introducedIn}.`));

  const places = [
    ...new Set(findings.map((f) => `${displayPath(f.path)}${f.within ? ` > ${f.within.join(' > ')}` : ''}:${f.line}${f.commit ? ` (commit ${short(f.commit)})` : ''}`)),
  ];
  const shown = verbose ? places : places.slice(0, PLACES_SHOWN);
  const more = places.length - shown.length;
  const commits = new Set(findings.flatMap((f) => (f.commit ? [f.commit] : []))).size;
  const files = new Set(findings.map((f) => f.path)).size;
  const summary = [commits > 0 ? plural(commits, 'commit') : '', plural(files, 'file')].filter(Boolean).join(', ');
  lines.push(say(`Found in ${summary}: ${shown.join(', ')}${more > 0 ? `, and ${plural(more, 'more place')} (--verbose lists them)` : ''}.`, '  ', '    '));

  const remediation = remediationFor(scope, findings, result.facts);
  lines.push(say('What to do:'));
  remediation.steps.forEach((step, i) => lines.push(say(step, `  ${i + 1}. `, '     ')));
  return lines;
}

/**
 * The compromised-key plan, once: the same seven steps apply to every pushed key (each credential's
 * own steps above give its `keyguard incident` command, which fills its key into every command).
 */
function sharedPlan(credentials: Credential[], scope: Scope, result: ScanResult, style: Style, width: number): string[] {
  const lines: string[] = [];
  // Other kinds (Bedrock API keys, service-specific credentials, SSO tokens): each its own plan.
  for (const credential of credentials.filter((c) => c.exposure?.state === 'pushed' && isOtherKind(c.subject.kind))) {
    const remediation = remediationFor(scope, credential.findings, result.facts);
    if (remediation.plan) lines.push(...planSection(remediation, style, width), '');
  }
  const pushed = credentials.filter((credential) => credential.exposure?.state === 'pushed' && !isOtherKind(credential.subject.kind));
  if (pushed.length === 1) {
    const remediation = remediationFor(scope, pushed[0]!.findings, result.facts);
    if (remediation.plan) lines.push(...planSection(remediation, style, width), '');
  } else if (pushed.length > 1) {
    const keys = pushed.map((credential) => credential.subject.redacted).join(', ');
    const steps = compromisedKeyPlan({ keyId: 'each pushed key', temporary: pushed.every((c) => c.subject.redacted.startsWith('ASIA')) });
    lines.push(...planLines(`The plan for each pushed key (${keys}), in this order:`, steps, style, width), '');
  }
  return lines;
}

function planSection(remediation: Remediation, style: Style, width: number): string[] {
  const { keyFinding, steps } = remediation.plan!;
  const subject =
    remediation.plan!.subject ?? (keyFinding ? `${keyFinding.redacted}${keyFinding.accountId ? `, account ${keyFinding.accountId}` : ''}` : 'the key whose secret was exposed');
  return planLines(`The plan for ${subject}, in this order:`, steps, style, width);
}

function planLines(title: string, steps: PlanStep[], style: Style, width: number): string[] {
  const lines = [style.bold(wrap(title, width))];
  steps.forEach((step, i) => {
    lines.push(wrap(`${style.bold(step.title)}. ${step.text}`, width, `  ${i + 1}. `, '     '));
    for (const link of step.links) lines.push(style.dim(`     ${link.url}`));
  });
  return lines;
}

const REASON: Record<SuppressedFinding['reason'], string> = {
  inline: 'keyguard:allow on the line',
  allow: 'allowed by the configuration',
  baseline: 'in the baseline',
};

/** The findings that are not reported, one line each (verbose output), so that reviewers see them. */
function describeAllowed(result: ScanResult): string[] {
  const suppressed = result.suppressed ?? [];
  if (suppressed.length === 0) return [];
  return [
    `keyguard: ${plural(suppressed.length, 'credential')} allowed, not reported:`,
    ...suppressed.map((f) => `  allowed  ${displayPath(f.path)}:${f.line}:${f.column}  ${KIND_LABEL[f.kind]}  ${f.redacted}  (${REASON[f.reason]})`),
  ];
}
