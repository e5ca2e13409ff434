import { prepareCredentialDigests } from '../detect/identity.js';
import { discoverRepository } from '../git/discover.js';
import { NotARepositoryError } from '../git/errors.js';
import type { Exposure } from '../git/exposure-types.js';
import { prePushHookRuns } from '../git/hooks-installed.js';
import { openRepository, type BackendChoice } from '../git/open.js';
import { GitTimeoutError } from '../git/run-git.js';
import type { Repository } from '../git/types.js';
import { loadPolicy, type Policy } from '../policy/policy.js';
import { formatText } from '../report/text.js';
import { styleFor } from '../report/style.js';
import { terminalWidth } from '../report/width.js';
import type { Scope } from '../report/remediation.js';
import { TAG_PATH } from '../scan/push.js';
import { scanFiles, scanHistory, scanIndex, scanStaged } from '../scan/sources.js';
import type { ScanResult } from '../scan/types.js';
import type { Provenance } from '../report/sarif.js';
import { reportError } from './errors.js';
import { EXIT_CLEAN, EXIT_FOUND, type ExitCode, type Io } from './io.js';

export type OutputFormat = 'text' | 'json' | 'sarif';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['text', 'json', 'sarif'];

export interface CheckOptions {
  scope: Scope;
  files: string[];
  /** For the history scope: a revision range (default: everything reachable from HEAD). */
  range?: string;
  /** For the history scope: in a shallow clone, scan the commits that are there instead of stopping (exit 2). */
  allowShallow?: boolean;
  /** Run by a git hook (the commit is blocked by the outcome), not by a person or a script. */
  fromHook?: boolean;
  /** For the staged scope: the staged diff the hook launcher already read (see GitCliRepository). */
  presetDiff?: Buffer;
  format: OutputFormat;
  verbose: boolean;
  color: boolean;
  backend: BackendChoice;
}

/** The top level of the repository keyguard runs in (found on the file system, no git process), or undefined. */
export function repositoryRoot(io: Io): string | undefined {
  try {
    return discoverRepository(io.cwd, io.env).root;
  } catch (error) {
    if (error instanceof NotARepositoryError) return undefined;
    throw error;
  }
}

/** "commits done / total" on a terminal, redrawn at most ten times a second; nothing otherwise. */
export function progressOn(io: Io): { update(done: number, total: number): void; done(): void } {
  if (!io.stderr.isTTY) return { update() {}, done() {} };
  let last = 0;
  let shown = false;
  return {
    update(done, total) {
      const now = Date.now();
      if (now - last < 100 && done < total) return;
      last = now;
      shown = true;
      io.stderr.write(`\rkeyguard: scanning history: ${done}/${total} commits`);
    },
    done() {
      if (shown) io.stderr.write('\r\u001b[K');
    },
  };
}

async function scan(options: CheckOptions, io: Io, repository: Repository, policy: Policy): Promise<ScanResult> {
  switch (options.scope) {
    case 'staged':
      return scanStaged(repository, policy);
    case 'all':
      return scanIndex(repository, policy);
    case 'history': {
      const progress = progressOn(io);
      try {
        return await scanHistory(repository, policy, options.range, progress.update, { allowShallow: options.allowShallow, warn: (text) => io.stderr.write(text) });
      } finally {
        progress.done();
      }
    }
    default: {
      // Named files may lie outside any repository: they are then read from disk.
      let inRepository: Repository | undefined = repository;
      try {
        await repository.root();
      } catch (error) {
        if (!(error instanceof NotARepositoryError)) throw error;
        inRepository = undefined;
      }
      return scanFiles(inRepository, io.cwd, options.files, policy);
    }
  }
}

/**
 * How long walking the history for the exposure record may take, at most. What is not walked in
 * time is walked on the next run; meanwhile the answer says how much was searched.
 */
const EXPOSURE_TIMEOUT_MS = 8000;

/** Adds each finding's exposure (staged / committed / pushed / partial / unknown): only when something was found. */
export async function attachExposure(repository: Repository, result: ScanResult, env: NodeJS.ProcessEnv): Promise<void> {
  const configured = Number(env.KEYGUARD_EXPOSURE_TIMEOUT_MS);
  const timeout = env.KEYGUARD_EXPOSURE_TIMEOUT_MS !== undefined && Number.isFinite(configured) && configured >= 0 ? configured : EXPOSURE_TIMEOUT_MS;
  const queries = result.findings.map(({ kind, value, commit }) => ({ kind, value, ...(commit ? { commit } : {}) }));
  // The findings stand whatever happens here: a lookup that fails says so, and the report still shows them.
  const { exposures, facts } = await repository.exposure(queries, Date.now() + timeout).catch((error: unknown) => {
    const reason = error instanceof GitTimeoutError ? 'git did not answer in time' : (error as Error).message.replace(/\.$/, '');
    return { exposures: queries.map((): Exposure => ({ state: 'unknown', reason })), facts: {} };
  });
  result.findings.forEach((finding, i) => {
    // A finding in a tag (pre-push) is in no commit: only "already pushed" (elsewhere) says more than "in the local tag".
    const inTag = finding.commit === undefined && TAG_PATH.test(finding.path);
    if (!inTag || exposures[i]?.state === 'pushed') finding.exposure = exposures[i];
  });
  result.facts = { ...result.facts, ...facts };
}

/** Whether keyguard's pre-push hook runs here (asked only when something was found, for the advice on --no-verify). */
export function hookFacts(io: Io): { prePushHook: boolean } {
  try {
    return { prePushHook: prePushHookRuns(discoverRepository(io.cwd, io.env)) };
  } catch {
    return { prePushHook: false };
  }
}

/** The width reports are wrapped to: the terminal's, else COLUMNS, else 80 (one rule with the help's and incident's). */
export const reportWidth = terminalWidth;

/** Writes the report: JSON or SARIF on stdout when asked, and always the text for people on stderr. */
export async function renderResult(
  result: ScanResult,
  options: Pick<CheckOptions, 'scope' | 'format' | 'verbose' | 'color' | 'fromHook'>,
  io: Io,
  provenance?: Provenance | 'look up',
): Promise<void> {
  // Fingerprints are shown by these only; key IDs' are slow on purpose, so they are computed on all cores at once.
  if (options.format !== 'text' || options.verbose) await prepareCredentialDigests([...result.findings, ...(result.suppressed ?? [])]);
  if (options.format === 'json') {
    const { formatJson } = await import('../report/json.js');
    io.stdout.write(formatJson(result, options.scope));
  } else if (options.format === 'sarif') {
    const { formatSarif } = await import('../report/sarif.js');
    const { provenanceOf } = await import('../report/provenance.js');
    const known = provenance === 'look up' ? await provenanceOf({ cwd: io.cwd, env: io.env }) : provenance;
    io.stdout.write(formatSarif(result, known));
  }
  // People read stderr in every format: a hook's stdout is not always shown.
  const style = styleFor(io.stderr, io.env, !options.color);
  io.stderr.write(formatText(result, { scope: options.scope, style, verbose: options.verbose, width: reportWidth(io.stderr, io.env), manual: !options.fromHook }));
}

/** `keyguard check`: exit 0 clean, 1 credentials found (the commit is blocked), 2 cannot tell. */
export async function check(options: CheckOptions, io: Io): Promise<ExitCode> {
  let repository: Repository | undefined;
  try {
    repository = await openRepository(options.backend, io.cwd, io.env, options.presetDiff);
    const root = repositoryRoot(io);
    const policy = await loadPolicy(root);
    const result = await scan(options, io, repository, policy);
    result.stats.backend = repository.backend;
    // How far a key has travelled is looked up only when something is found: the clean path stays fast.
    if (result.findings.length > 0 && root !== undefined) {
      await attachExposure(repository, result, io.env);
      if (options.scope === 'staged') result.facts = { ...result.facts, ...hookFacts(io) };
    }
    await renderResult(result, options, io, repository.backend === 'git' ? 'look up' : undefined);
    return result.findings.length > 0 ? EXIT_FOUND : EXIT_CLEAN;
  } catch (error) {
    // Only the hook blocks a commit; a check run by hand or by a script just could not tell.
    const consequence =
      options.fromHook && options.scope === 'staged' ? 'The commit is blocked until keyguard can read what is staged (exit code 2).' : undefined;
    return reportError(io, error, { consequence, format: options.format });
  } finally {
    repository?.close();
  }
}
