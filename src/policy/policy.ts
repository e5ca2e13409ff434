import { createRequire } from 'node:module';
import { publicFingerprintOf } from '../detect/identity.js';
import type { Finding, ScanResult } from '../scan/types.js';
import { EMPTY_BASELINE, loadBaseline, type Baseline } from './baseline.js';
import { checkIgnorePatterns, loadConfig, type KeyguardConfig } from './config.js';
import { workingTreeFiles, type PolicyFiles } from './files.js';

/** Why a finding is not reported. */
export type SuppressionReason = 'inline' | 'allow' | 'baseline';

/** What is scanned and what is reported: ignorePaths, allow, inline `keyguard:allow`, the baseline. */
export interface Policy {
  /** Whether a repository-relative path is never scanned (ignorePaths). */
  ignores(path: string): boolean;
  /** Why a finding is not reported, or undefined when it is. */
  suppression(finding: Finding): SuppressionReason | undefined;
}

/** A configuration and the folder it applies to ('' for the whole repository). */
interface ScopedConfig {
  dir: string;
  ignores: (path: string) => boolean;
  allow: Set<string>;
  /** kg1 (keyguard 0.1) entries match the finding's internal identity; kg2 ones are computed only when listed. */
  anyCurrent: boolean;
}

/**
 * picomatch, loaded the first time a configuration has ignorePaths: the commit hook should not pay
 * for what it does not use. Loaded with require, so that a configuration found while scanning (in
 * a package's folder) can be compiled there and then.
 */
const load = createRequire(import.meta.url);
let picomatchModule: typeof import('picomatch') | undefined;

function compile(config: KeyguardConfig): (path: string) => boolean {
  if (config.ignorePaths.length === 0) return () => false;
  picomatchModule ??= load('picomatch') as typeof import('picomatch');
  const picomatch = picomatchModule;
  // dot: true so that **/fixtures/** also covers .github/… and .env files.
  const ignores = picomatch(config.ignorePaths, { dot: true });
  checkIgnorePatterns(config, (pattern, path) => picomatch(pattern, { dot: true })(path), ignores);
  return ignores;
}

function scoped(config: KeyguardConfig, dir: string): ScopedConfig {
  return { dir, ignores: compile(config), allow: new Set(config.allow), anyCurrent: config.allow.some((fingerprint) => fingerprint.startsWith('kg2:')) };
}

/** The folders a path is in, nearest first, below the top level: `a/b/c.txt` → `a/b`, `a`. */
function foldersOf(path: string): string[] {
  const folders: string[] = [];
  for (let slash = path.lastIndexOf('/'); slash > 0; slash = path.lastIndexOf('/', slash - 1)) folders.push(path.slice(0, slash));
  return folders;
}

function policyOf(top: ScopedConfig, nested: (dir: string) => ScopedConfig | undefined, baseline: Baseline): Policy {
  /** The configurations that apply to a path: the top level's, and those of the folders it is in. */
  const applying = (path: string): ScopedConfig[] => [top, ...foldersOf(path).flatMap((dir) => nested(dir) ?? [])];
  return {
    ignores: (path) => applying(path).some((config) => config.ignores(config.dir === '' ? path : path.slice(config.dir.length + 1))),
    suppression(finding) {
      if (finding.allowedInline) return 'inline';
      const allowedBy = (config: ScopedConfig) =>
        config.allow.has(finding.fingerprint) || (config.anyCurrent && config.allow.has(publicFingerprintOf(finding.kind, finding.value)));
      if (applying(finding.path).some(allowedBy)) return 'allow';
      if (baseline.has(finding)) return 'baseline';
      return undefined;
    },
  };
}

const NO_SCOPED: ScopedConfig = { dir: '', ignores: () => false, allow: new Set(), anyCurrent: false };

/** No configuration, no baseline: everything is scanned, only inline allow comments apply. */
export const DEFAULT_POLICY: Policy = policyOf(NO_SCOPED, () => undefined, EMPTY_BASELINE);

/**
 * The policy of a repository: its top level's configuration and baseline, and the configuration
 * of any folder below it (a monorepo's package), which applies to the files in that folder, its
 * ignorePaths relative to it. A folder's configuration is looked for when a file in it is first
 * scanned, so a commit pays only for the folders it touches. `from` is the working tree's top level
 * (or a tree's files, for the server hook); undefined: no repository, the defaults.
 */
export async function loadPolicy(from: string | PolicyFiles | undefined, options: { baseline?: boolean } = {}): Promise<Policy> {
  if (from === undefined) return DEFAULT_POLICY;
  const files = typeof from === 'string' ? workingTreeFiles(from) : from;
  const top = scoped(loadConfig(files), '');
  const baseline = options.baseline === false ? EMPTY_BASELINE : loadBaseline(files);
  const cache = new Map<string, ScopedConfig | undefined>();
  const nested = (dir: string) => {
    if (!cache.has(dir)) {
      const config = loadConfig(files, dir);
      cache.set(dir, config.source === undefined ? undefined : scoped(config, dir));
    }
    return cache.get(dir);
  };
  return policyOf(top, nested, baseline);
}

/** Moves suppressed findings out of the result, into `suppressed`, with their reason. */
export function applyPolicy(result: ScanResult, policy: Policy): ScanResult {
  const findings: Finding[] = [];
  const suppressed = [...(result.suppressed ?? [])];
  for (const finding of result.findings) {
    const reason = policy.suppression(finding);
    if (reason) suppressed.push({ ...finding, reason });
    else findings.push(finding);
  }
  return { ...result, findings, suppressed };
}
