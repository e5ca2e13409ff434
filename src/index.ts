/**
 * keyguard's library interface: the detector (pure: text in, findings out) and the repository
 * scan, for tools that want to embed the check.
 */
export * from './detect/index.js';
export { scanStaged, scanIndex, scanFiles } from './scan/sources.js';
export type { Finding, ScanResult, ScanStats } from './scan/types.js';
export { openRepository, type BackendChoice } from './git/open.js';
export type { Repository, StagedChange, IndexEntry } from './git/types.js';
export { RepositoryReadError, UnsupportedRepositoryError, NotARepositoryError } from './git/errors.js';
export { VERSION } from './version.js';
