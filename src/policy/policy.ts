import { createRequire } from 'node:module';
import { publicFingerprintOf } from '../detect/identity.js';
import type { Finding, ScanResult } from '../scan/types.js';
import { EMPTY_BASELINE, loadBaseline, type Baseline } from './baseline.js';
import { checkIgnorePatterns, loadConfig, type KeyguardConfig } from './config.js';

/** Why a finding is not reported. */
export type SuppressionReason = 'inline' | 'allow' | 'baseline';

/** What is scanned and what is reported: ignorePaths, allow, inline `keyguard:allow`, the baseline. */
export interface Policy {
  /** Whether a repository-relative path is never scanned (ignorePaths). */
  ignores(path: string): boolean;
  /** Why a finding is not reported, or undefined when it is. */
  suppression(finding: Finding): SuppressionReason | undefined;
}

function policyOf(config: KeyguardConfig, baseline: Baseline, ignores: (path: string) => boolean): Policy {
  const allowed = new Set(config.allow);
  // kg1 (keyguard 0.1) entries match the finding's internal identity; kg2 ones are computed only when listed.
  const anyCurrent = config.allow.some((fingerprint) => fingerprint.startsWith('kg2:'));
  return {
    ignores,
    suppression(finding) {
      if (finding.allowedInline) return 'inline';
      if (allowed.has(finding.fingerprint) || (anyCurrent && allowed.has(publicFingerprintOf(finding.kind, finding.value)))) return 'allow';
      if (baseline.has(finding)) return 'baseline';
      return undefined;
    },
  };
}

/** No configuration, no baseline: everything is scanned, only inline allow comments apply. */
export const DEFAULT_POLICY: Policy = policyOf({ ignorePaths: [], allow: [], source: undefined }, EMPTY_BASELINE, () => false);

/**
 * picomatch, loaded by require: under yarn's Plug'n'Play, where packages resolve only through the
 * project's .pnp.cjs (which the hook launcher preloads), an import() would look for node_modules.
 */
const load = createRequire(import.meta.url);

/**
 * The policy of the repository at `root`. picomatch is loaded only when there are ignorePaths:
 * the commit hook should not pay for what it does not use.
 */
export async function loadPolicy(root: string | undefined, options: { baseline?: boolean } = {}): Promise<Policy> {
  if (root === undefined) return DEFAULT_POLICY;
  const config = loadConfig(root);
  const baseline = options.baseline === false ? EMPTY_BASELINE : loadBaseline(root);
  let ignores = (_path: string) => false;
  if (config.ignorePaths.length > 0) {
    const picomatch = load('picomatch') as typeof import('picomatch');
    // dot: true so that **/fixtures/** also covers .github/… and .env files.
    ignores = picomatch(config.ignorePaths, { dot: true });
    checkIgnorePatterns(config, (pattern, path) => picomatch(pattern, { dot: true })(path), ignores);
  }
  return policyOf(config, baseline, ignores);
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
