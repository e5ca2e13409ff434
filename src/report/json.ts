import { redact } from '../detect/identity.js';
import type { Exposure } from '../git/exposure-types.js';
import type { Finding, ScanResult } from '../scan/types.js';
import { groupCredentials } from './credentials.js';
import { shownFingerprint } from './labels.js';
import { remediationFor, type Remediation, type Scope } from './remediation.js';

type Json = string | number | boolean | Json[] | { [key: string]: Json };

function exposureFields(exposure: Exposure | undefined): Record<string, Json> {
  if (!exposure) return {};
  const out: Record<string, Json> = { exposure: exposure.state };
  switch (exposure.state) {
    case 'staged':
      out.commitsSearched = exposure.searched;
      break;
    case 'partial':
      out.commits = exposure.commits;
      out.commitsSearched = exposure.searched;
      out.commitsInHistory = exposure.total;
      if (exposure.unreadFiles > 0) out.filesNotSearched = exposure.unreadFiles;
      out.exposureNote =
        exposure.reason ?? (exposure.timedOut ? 'the rest of the history is not searched yet' : 'some files of the history are not in this partial clone');
      break;
    case 'committed':
      out.commits = exposure.commits;
      break;
    case 'pushed':
      out.commits = exposure.commits;
      out.remoteRefs = exposure.remoteRefs;
      out.remotes = exposure.remotes.map(({ remote, refs }) => ({ remote, refs }));
      break;
    case 'unknown':
      out.exposureNote = exposure.reason;
      break;
  }
  return out;
}

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
 * A finding's public fields. The list is explicit so that the raw credential value (and the internal
 * identity) a finding carries can never slip into the output.
 */
function publicFields(finding: Finding): Record<string, Json> {
  const out: Record<string, Json> = {
    path: finding.path,
    line: finding.line,
    column: finding.column,
    kind: finding.kind,
    redacted: finding.redacted,
    fingerprint: shownFingerprint(finding),
  };
  if (finding.accountId !== undefined) out.accountId = finding.accountId;
  Object.assign(out, publicDetails(finding));
  if (finding.encoding !== 'plain') out.encoding = finding.encoding;
  if (finding.encodings !== undefined) out.encodings = finding.encodings;
  if (finding.within !== undefined) out.within = finding.within;
  if (finding.commit !== undefined) out.commit = finding.commit;
  return { ...out, ...exposureFields(finding.exposure) };
}

function remediationFields(remediation: Remediation): Record<string, Json> {
  return {
    situation: remediation.situation,
    steps: remediation.steps,
    ...(remediation.plan ? { plan: remediation.plan.steps.map(({ title, text, links }) => ({ title, text, links: links.map((l) => l.url) })) } : {}),
  };
}

export function formatJson(result: ScanResult, scope: Scope): string {
  const findings = result.findings.map(publicFields);
  // Not reported, but listed, so that reviewers see what was allowed and why.
  const allowed = (result.suppressed ?? []).map((finding) => ({ ...publicFields(finding), reason: finding.reason }));
  const body: Record<string, unknown> = { findings, allowed, scanned: result.stats };
  if (result.findings.length > 0) {
    const index = new Map(result.findings.map((finding, i) => [finding, i]));
    body.credentials = groupCredentials(result.findings).map((credential) => ({
      kind: credential.subject.kind,
      redacted: credential.subject.redacted,
      ...(credential.subject.accountId ? { accountId: credential.subject.accountId } : {}),
      fingerprints: [...new Set(credential.findings.map(shownFingerprint))],
      ...exposureFields(credential.exposure),
      ...(credential.introducedIn ? { introducedIn: credential.introducedIn } : {}),
      // Indexes into `findings`.
      findings: credential.findings.map((finding) => index.get(finding)!),
      remediation: remediationFields(remediationFor(scope, credential.findings, result.facts)),
    }));
    body.remediation = remediationFields(remediationFor(scope, result.findings, result.facts));
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
