import { publicFingerprintOf, redact } from '../detect/identity.js';
import type { CredentialDetails, CredentialKind } from '../detect/types.js';
import type { Finding, ScanStats } from '../scan/types.js';

export const KIND_LABEL: Record<CredentialKind, string> = {
  'access-key-id': 'access key ID',
  'secret-access-key': 'secret access key',
  'session-token': 'session token',
  'bedrock-api-key': 'Bedrock API key',
  'bedrock-short-term-key': 'short-term Bedrock API key',
  'service-specific-credential': 'service-specific credential',
  'sso-token': 'SSO token',
};

const SERVICE_NAME: Record<NonNullable<CredentialDetails['service']>, string> = {
  bedrock: 'Amazon Bedrock',
  codecommit: 'CodeCommit',
  keyspaces: 'Amazon Keyspaces',
};

/**
 * What a credential says about itself, in a few words (never its secret part): the IAM user of a
 * service-specific credential or Bedrock key, the key that signed a short-term Bedrock key (redacted)
 * and when it expires, the type of an SSO token. `now` decides "expired".
 */
export function describeDetails(details: CredentialDetails | undefined, now = Date.now()): string {
  if (!details) return '';
  const parts: string[] = [];
  if (details.iamUser) parts.push(`IAM user ${details.iamUser}`);
  if (details.service && details.service !== 'bedrock') parts.push(SERVICE_NAME[details.service]);
  if (details.signingKeyId) parts.push(`signed by ${redact(details.signingKeyId)}`);
  if (details.region) parts.push(details.region);
  if (details.expires) parts.push(`${Date.parse(details.expires) < now ? 'expired' : 'expires'} ${details.expires.replace('T', ' ').replace(/:\d\dZ$/, ' UTC')}`);
  if (details.tokenType) parts.push(`${details.tokenType} token`);
  return parts.join(', ');
}

/** The fingerprint a report shows (kg2): never the internal identity a finding is keyed by. */
export function shownFingerprint(finding: Finding): string {
  return finding.publicFingerprint ?? publicFingerprintOf(finding.kind, finding.value);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** "scanned 3 files (12.0 KB), 1 binary file read as bytes, 1 symlink target read; skipped 1 submodule" */
export function describeCoverage(stats: ScanStats): string {
  const skipped: string[] = [];
  if (stats.submodules) skipped.push(plural(stats.submodules, 'submodule'));
  if (stats.unmerged) skipped.push(plural(stats.unmerged, 'unmerged file'));
  if (stats.ignored) skipped.push(`${plural(stats.ignored, 'file')} in ignorePaths`);
  const extras: string[] = [];
  if (stats.binary) extras.push(`${plural(stats.binary, 'binary file')} read as bytes`);
  if (stats.symlinks) extras.push(`${plural(stats.symlinks, 'symlink target')} read`);
  if (stats.utf16) extras.push(`${plural(stats.utf16, 'UTF-16 file')} decoded`);
  if (stats.fromDisk) extras.push(`${plural(stats.fromDisk, 'untracked file')} read from disk`);
  let text = `scanned ${plural(stats.files, 'file')} (${formatBytes(stats.bytes)})`;
  if (stats.backend === 'isomorphic-git') extras.push('read with isomorphic-git');
  if (extras.length) text += `, ${extras.join(', ')}`;
  if (skipped.length) text += `; skipped ${skipped.join(', ')}`;
  return text;
}

/**
 * Wraps prose to `width` columns: the first line starts with `lead`, continuation lines with
 * `indent`. A command in backquotes is never split across lines, so it can be copied whole; words
 * longer than a line (paths, URLs) stay whole too.
 */
export function wrap(text: string, width: number, lead = '', indent = ''): string {
  const units = text.match(/`[^`]*`\S*|\S+/g) ?? [];
  const lines: string[] = [];
  let line = lead;
  let empty = true;
  for (const unit of units) {
    if (!empty && visibleLength(line) + 1 + visibleLength(unit) > width) {
      lines.push(line);
      line = indent + unit;
    } else {
      line = empty ? line + unit : `${line} ${unit}`;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

/** Length as a terminal shows it: colour codes take no room. */
export function visibleLength(text: string): number {
  return text.includes('\u001b') ? text.replace(/\u001b\[\d+m/g, '').length : text.length;
}
