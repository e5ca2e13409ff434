import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { publicFingerprintOf } from '../detect/identity.js';
import type { CredentialKind } from '../detect/types.js';
import type { Finding } from '../scan/types.js';
import { ConfigError } from './config.js';
import type { PolicyFiles } from './files.js';

/**
 * The baseline: credentials a repository already contained when the team adopted keyguard, so that
 * only new ones block. An entry is a file and a fingerprint: never the secret, never a key ID in
 * clear, no line numbers (a key that moves within its file stays quiet; the same key in another file
 * is reported; a different secret on the same line is never hidden), no timestamps, sorted: it
 * merges and diffs well.
 */
export const BASELINE_FILE = '.keyguard-baseline.json';

export interface BaselineEntry {
  path: string;
  kind: CredentialKind;
  fingerprint: string;
}

export interface Baseline {
  has(finding: Pick<Finding, 'path' | 'kind' | 'value' | 'fingerprint'>): boolean;
  readonly size: number;
}

const keyOf = (path: string, fingerprint: string) => `${path}\0${fingerprint}`;

/**
 * Entries written by keyguard 0.1 hold kg1 fingerprints (a finding's internal identity), newer ones
 * kg2: both match. The kg2 form, which is slow to compute for key IDs, is computed only when the
 * baseline holds some and the path is in it.
 */
export function baselineOf(entries: BaselineEntry[]): Baseline {
  const keys = new Set(entries.map((entry) => keyOf(entry.path, entry.fingerprint)));
  const paths = new Set(entries.filter((entry) => entry.fingerprint.startsWith('kg2:')).map((entry) => entry.path));
  return {
    has: (finding) =>
      keys.has(keyOf(finding.path, finding.fingerprint)) ||
      (paths.has(finding.path) && keys.has(keyOf(finding.path, publicFingerprintOf(finding.kind, finding.value)))),
    size: keys.size,
  };
}

export const EMPTY_BASELINE: Baseline = baselineOf([]);

/** The baseline at the repository's top level (none: nothing is baselined). */
export function loadBaseline(files: PolicyFiles): Baseline {
  const text = files.read(BASELINE_FILE);
  if (text === undefined) return EMPTY_BASELINE;
  const source = files.describe(BASELINE_FILE);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON (${(error as Error).message}).`, 'Write it again with: keyguard baseline');
  }
  const entries = (raw as { findings?: unknown }).findings;
  if (!Array.isArray(entries) || entries.some((e) => typeof e?.path !== 'string' || typeof e?.fingerprint !== 'string')) {
    throw new ConfigError(`${source}: "findings" must be a list of {path, kind, fingerprint}.`, 'Write it again with: keyguard baseline');
  }
  return baselineOf(entries as BaselineEntry[]);
}

/** Entries for these findings, with kg2 fingerprints (see prepareCredentialDigests to compute many at once). */
export function baselineEntries(findings: Finding[]): BaselineEntry[] {
  const unique = new Map<string, BaselineEntry>();
  for (const { path, kind, value } of findings) {
    const fingerprint = publicFingerprintOf(kind, value);
    unique.set(keyOf(path, fingerprint), { path, kind, fingerprint });
  }
  return [...unique.values()].sort(
    (a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0) || a.kind.localeCompare(b.kind) || a.fingerprint.localeCompare(b.fingerprint),
  );
}

export function writeBaseline(root: string, entries: BaselineEntry[]): string {
  const file = join(root, BASELINE_FILE);
  const body = {
    note: 'Credentials this repository contained when keyguard was adopted: keyguard does not report them again. Only fingerprints are stored. Rewrite with `keyguard baseline`.',
    findings: entries,
  };
  writeFileSync(file, `${JSON.stringify(body, null, 2)}\n`);
  return file;
}
