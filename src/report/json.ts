import { redact } from '../detect/identity.js';
import type { Finding, ScanResult } from '../scan/types.js';
import { remediationFor, type Scope } from './remediation.js';

/** What a credential says about itself, without its secret part: the key that signed a short-term key is redacted. */
export function publicDetails(finding: Finding): Record<string, string> {
  const details = finding.details;
  if (!details) return {};
  const out: Record<string, string> = {};
  if (details.service) out.service = details.service;
  if (details.serviceUserName) out.serviceUserName = details.serviceUserName;
  if (details.iamUser) out.iamUser = details.iamUser;
  if (details.signingKeyId) out.signingKeyId = redact(details.signingKeyId);
  if (details.region) out.region = details.region;
  if (details.expires) out.expires = details.expires;
  if (details.tokenType) out.tokenType = details.tokenType;
  return out;
}

/**
 * Machine-readable report on stdout. The field list is explicit so that the raw credential value a
 * finding carries internally can never slip into the output.
 */
function publicFields(finding: Finding): Record<string, string | number | string[]> {
  const out: Record<string, string | number | string[]> = {
    path: finding.path,
    line: finding.line,
    column: finding.column,
    kind: finding.kind,
    redacted: finding.redacted,
    fingerprint: finding.fingerprint,
  };
  if (finding.accountId !== undefined) out.accountId = finding.accountId;
  Object.assign(out, publicDetails(finding));
  if (finding.encoding !== 'plain') out.encoding = finding.encoding;
  if (finding.commit !== undefined) out.commit = finding.commit;
  const exposure = finding.exposure;
  if (exposure) {
    out.exposure = exposure.state;
    if (exposure.state === 'committed' || exposure.state === 'pushed') out.commits = exposure.commits;
    if (exposure.state === 'pushed') out.remoteRefs = exposure.remoteRefs;
    if (exposure.state === 'unknown') out.exposureNote = exposure.reason;
  }
  return out;
}

export function formatJson(result: ScanResult, scope: Scope): string {
  const findings = result.findings.map(publicFields);
  // Not reported, but listed, so that reviewers see what was allowed and why.
  const allowed = (result.suppressed ?? []).map((finding) => ({ ...publicFields(finding), reason: finding.reason }));
  const body: Record<string, unknown> = { findings, allowed, scanned: result.stats };
  if (result.findings.length > 0) {
    const remediation = remediationFor(scope, result.findings);
    body.remediation = {
      situation: remediation.situation,
      steps: remediation.steps,
      ...(remediation.plan ? { plan: remediation.plan.steps.map(({ title, text, links }) => ({ title, text, links: links.map((l) => l.url) })) } : {}),
    };
  }
  return JSON.stringify(body, null, 2) + '\n';
}

/** A run that could not do its job (exit code 2), as the JSON and SARIF reports carry it. */
export interface RunFailure {
  /** usage: bad arguments; repository: the repository (or its configuration) could not be read; input: a file or folder given could not be read; unexpected: a bug. */
  kind: 'usage' | 'repository' | 'input' | 'unexpected';
  message: string;
  hint?: string;
}

/** The JSON report of a run that failed: `{"error": {…}}`, never a report with no findings in it. */
export function formatJsonError(failure: RunFailure): string {
  return JSON.stringify({ error: { ...failure, exitCode: 2 } }, null, 2) + '\n';
}
