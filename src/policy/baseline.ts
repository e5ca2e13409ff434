import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
  has(finding: Pick<Finding, 'path' | 'fingerprint'>): boolean;
  readonly size: number;
}

const keyOf = (path: string, fingerprint: string) => `${path}\0${fingerprint}`;

export function baselineOf(entries: BaselineEntry[]): Baseline {
  const keys = new Set(entries.map((entry) => keyOf(entry.path, entry.fingerprint)));
  return { has: (finding) => keys.has(keyOf(finding.path, finding.fingerprint)), size: keys.size };
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

export function baselineEntries(findings: Finding[]): BaselineEntry[] {
  const unique = new Map<string, BaselineEntry>();
  for (const { path, kind, fingerprint } of findings) unique.set(keyOf(path, fingerprint), { path, kind, fingerprint });
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
