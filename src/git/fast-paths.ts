/**
 * Whether the scans may take their shortcuts (listing loose-object folders once, handing detection
 * to worker threads). KEYGUARD_SCAN_FAST_PATHS=0 turns them off: the tests compare both ways, and the
 * results must be identical.
 */
export function scanFastPaths(env: NodeJS.ProcessEnv): boolean {
  return env.KEYGUARD_SCAN_FAST_PATHS !== '0';
}
