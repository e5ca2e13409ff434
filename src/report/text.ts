import type { Finding, ScanResult, SuppressedFinding } from '../scan/types.js';
import { displayPath } from '../shell-quote.js';
import { describeCoverage, describeDetails, KIND_LABEL, plural, wrap } from './labels.js';
import { describeExposure, remediationFor, type Scope } from './remediation.js';
import type { Style } from './style.js';

export interface TextOptions {
  scope: Scope;
  style: Style;
  verbose: boolean;
  /** Run by hand or by a script (`keyguard check`), not by the commit hook: no commit is being blocked. */
  manual?: boolean;
}

/** Lines of prose are wrapped to fit a common terminal. */
const WIDTH = 96;

function headline(scope: Scope, findings: Finding[], manual = false): string {
  const credentials = plural(findings.length, 'AWS credential');
  const files = (noun: string) => plural(new Set(findings.map((f) => f.path)).size, noun);
  const inCommits = new Set(findings.flatMap((f) => (f.commit ? [f.commit] : []))).size;
  const commits = plural(inCommits, 'commit');
  // Pre-push findings without a commit are in tags: `(message of tag …)`, `(tree tagged …)/path`.
  const inTags = new Set(findings.flatMap((f) => (f.commit ? [] : [f.path.replace(/\/.*$/, '')]))).size;
  const pushed = [inCommits > 0 ? commits : '', inTags > 0 ? plural(inTags, 'tag') : ''].filter(Boolean).join(' and ');
  switch (scope) {
    case 'staged':
      return manual ? `keyguard: found ${credentials} in ${files('staged file')}.` : `keyguard: commit blocked: ${credentials} in ${files('staged file')}.`;
    case 'message':
      return `keyguard: commit blocked: the commit message contains ${credentials}.`;
    case 'push':
      return `keyguard: push blocked: ${credentials} in ${pushed} about to be pushed.`;
    case 'history':
      return `keyguard: found ${credentials} in the history (${commits}).`;
    case 'all':
      return `keyguard: found ${credentials} in ${files('tracked file')}.`;
    case 'files':
      return `keyguard: found ${credentials} in ${files('file')}.`;
  }
}

function findingLine(finding: Finding, kindWidth: number, style: Style, verbose: boolean): string {
  const where = `${finding.line}:${finding.column}`.padEnd(8);
  const described = describeDetails(finding.details);
  const account = (finding.accountId ? style.dim(`  account ${finding.accountId}`) : '') + (described ? style.dim(`  ${described}`) : '');
  const encoding = finding.encoding !== 'plain' ? style.dim(`  (${finding.encoding})`) : '';
  const exposure = describeExposure(finding);
  const situation = exposure ? `  ${finding.exposure?.state === 'pushed' ? style.red(style.bold(exposure)) : style.dim(exposure)}` : '';
  const fingerprint = verbose ? style.dim(`  ${finding.fingerprint}`) : '';
  return `${where} ${KIND_LABEL[finding.kind].padEnd(kindWidth)}  ${style.yellow(finding.redacted)}${account}${encoding}${situation}${fingerprint}`;
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

/** The report for people, written to stderr: nothing at all when nothing was found (unless verbose). */
export function formatText(result: ScanResult, options: TextOptions): string {
  const { style, scope } = options;
  const { findings, stats } = result;
  const allowed = options.verbose ? describeAllowed(result) : [];
  if (findings.length === 0) {
    return options.verbose ? [`keyguard: no AWS credentials found; ${describeCoverage(stats)}.`, ...allowed, ''].join('\n') : '';
  }

  const lines: string[] = [style.red(style.bold(headline(scope, findings, options.manual))), ''];
  const kindWidth = Math.max(...findings.map((f) => KIND_LABEL[f.kind].length));
  const listFiles = (group: Finding[], indent: string) => {
    for (const [path, inFile] of groupBy(group, (f) => f.path)) {
      lines.push(`${indent}${style.bold(displayPath(path))}`);
      for (const finding of inFile) lines.push(`${indent}  ${findingLine(finding, kindWidth, style, options.verbose)}`);
    }
  };
  if (findings.some((f) => f.commit !== undefined)) {
    for (const [commit, inCommit] of groupBy(findings, (f) => f.commit ?? '')) {
      if (commit === '') {
        listFiles(inCommit, '  '); // a tag's message or a tagged file
        continue;
      }
      lines.push(`  commit ${style.bold(commit)}`);
      listFiles(inCommit, '    ');
    }
  } else {
    listFiles(findings, '  ');
  }

  const remediation = remediationFor(scope, findings);
  lines.push('', style.bold('What to do now'));
  remediation.steps.forEach((step, i) => lines.push(wrap(step, WIDTH, `  ${i + 1}. `, '     ')));
  if (remediation.plan) {
    const { keyFinding, steps } = remediation.plan;
    const subject =
      remediation.plan.subject ?? (keyFinding ? `${keyFinding.redacted}${keyFinding.accountId ? `, account ${keyFinding.accountId}` : ''}` : 'the key whose secret was exposed');
    lines.push('', style.bold(`The plan for ${subject}, in this order:`));
    steps.forEach((step, i) => {
      lines.push(wrap(`${style.bold(step.title)}. ${step.text}`, WIDTH, `  ${i + 1}. `, '     '));
      for (const link of step.links) lines.push(style.dim(`     ${link.url}`));
    });
  }
  if ((scope === 'staged' && !options.manual) || scope === 'message') {
    lines.push('', style.dim(wrap('Nothing was committed. (Bypassing this check with --no-verify would publish the key with your next push.)', WIDTH)));
  } else if (scope === 'push') {
    lines.push('', style.dim(wrap('Nothing was pushed.', WIDTH)));
  }
  if (scope !== 'message') {
    lines.push(
      style.dim(
        wrap(
          'Not a credential (a test fixture)? Mark its line `keyguard:allow`, or allow its fingerprint (`keyguard check --verbose`).',
          WIDTH,
        ),
      ),
    );
  }
  if (options.verbose) lines.push(style.dim(`keyguard: ${describeCoverage(stats)}.`), ...allowed.map(style.dim));
  return lines.join('\n') + '\n';
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
