import { KIND_LABEL, plural } from '../report/labels.js';
import { remediationFor } from '../report/remediation.js';
import type { Finding, ScanResult } from '../scan/types.js';
import { displayPath } from '../shell-quote.js';

/** Text as it appears in a Markdown table cell, and never as markup: no `|`, no HTML, no control characters. */
function cell(text: string): string {
  return displayPath(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\|/g, '&#124;').replace(/`/g, '&#96;');
}

const code = (text: string) => `<code>${cell(text)}</code>`;

/** Prose with `commands` as code: the steps the text report gives, for Markdown. */
function prose(text: string): string {
  return text
    .split(/(`[^`]*`)/)
    .map((part) => (part.startsWith('`') && part.endsWith('`') && part.length > 1 ? code(part.slice(1, -1)) : cell(part)))
    .join('');
}

function findingRow(finding: Finding): string {
  const account = finding.accountId ? ` (account ${finding.accountId})` : '';
  const commit = finding.commit ? code(finding.commit.slice(0, 12)) : '';
  return `| ${code(finding.path)} | ${finding.line}:${finding.column} | ${KIND_LABEL[finding.kind]}${account} | ${code(finding.redacted)} | ${commit} |`;
}

/**
 * The job summary (GitHub's $GITHUB_STEP_SUMMARY): what was scanned, a table of the findings with
 * redacted values only, and what to do. Paths and every other value are escaped, so that a file
 * name cannot add markup to the page.
 */
export function summaryMarkdown(result: ScanResult, scanned: string, commits: number): string {
  const lines: string[] = [];
  const { findings } = result;
  const suppressed = result.suppressed ?? [];
  if (findings.length === 0) {
    lines.push('## keyguard: no AWS credentials found', '', `Scanned ${cell(scanned)}: ${plural(commits, 'commit')}.`);
  } else {
    lines.push(`## keyguard: ${plural(findings.length, 'AWS credential')} found`, '', `Scanned ${cell(scanned)}: ${plural(commits, 'commit')}.`, '');
    lines.push('| File | Line:column | Kind | Value (redacted) | Commit |', '|---|---|---|---|---|');
    lines.push(...findings.map(findingRow));
    const remediation = remediationFor('history', findings);
    lines.push('', '### What to do now', '');
    remediation.steps.forEach((step, i) => lines.push(`${i + 1}. ${prose(step)}`));
  }
  if (suppressed.length > 0) {
    lines.push('', `${plural(suppressed.length, 'credential')} allowed (baseline, \`allow\`, or \`keyguard:allow\`), not reported.`);
  }
  return `${lines.join('\n')}\n`;
}

/** The summary of a run that could not do its job. */
export function failureMarkdown(message: string, hint: string | undefined, scanned: string | undefined): string {
  const lines = ['## keyguard: could not check this change', '', `keyguard: ${prose(message)}`];
  if (hint) lines.push('', prose(hint));
  if (scanned) lines.push('', `It was to scan ${cell(scanned)}.`);
  return `${lines.join('\n')}\n`;
}
