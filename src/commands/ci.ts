import { appendFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { planScan, type ScanPlan } from '../ci/plan.js';
import { failureMarkdown, summaryMarkdown } from '../ci/summary.js';
import { discoverRepository } from '../git/discover.js';
import { openRepository } from '../git/open.js';
import type { Repository } from '../git/types.js';
import { loadPolicy } from '../policy/policy.js';
import { formatJson, formatJsonError } from '../report/json.js';
import { provenanceOf } from '../report/provenance.js';
import { formatSarif, formatSarifError } from '../report/sarif.js';
import { styleFor } from '../report/style.js';
import { formatText } from '../report/text.js';
import { scanHistory, ShallowHistoryError } from '../scan/sources.js';
import { emptyStats, type ScanResult } from '../scan/types.js';
import type { OutputFormat } from './check.js';
import { repositoryRoot } from './check.js';
import { describeError, reportError } from './errors.js';
import { EXIT_CLEAN, EXIT_FOUND, type ExitCode, type Io } from './io.js';

export interface CiOptions {
  /** Scan this range instead of the one the CI's event gives. */
  range?: string;
  /** The report file's format (text: no file). */
  format: OutputFormat;
  /** The report file (default keyguard.sarif / keyguard.json, in the working folder). */
  output?: string;
  /** Exit 1 when credentials are found (false: 0; errors exit 2 either way). */
  fail: boolean;
  allowShallow: boolean;
  /** Print what the clone lacks for the scan (for `git fetch`) and exit. */
  wants: boolean;
}

/**
 * Every finding of a CI scan is in commits the CI's server already has (a pushed branch, a pull
 * request): public as far as anyone can tell, whatever this clone's remote-tracking refs say.
 */
function markPushed(result: ScanResult, where: string): void {
  for (const finding of result.findings) {
    if (finding.commit) finding.exposure = { state: 'pushed', commits: [finding.commit], remoteRefs: [where], remotes: [{ remote: 'the CI\'s server', refs: [where] }] };
  }
}

/** `keyguard ci --wants`: the commits and refs to fetch (one per line), all of them in a shallow clone. */
async function printWants(plan: ScanPlan, repository: Repository, io: Io): Promise<ExitCode> {
  const shallow = (await repository.shallowCommits()).size > 0;
  const commits = plan.needs.commits;
  const refs = plan.needs.refs;
  const present = await repository.objectTypes([...commits, ...refs.map((ref) => ref.local)]);
  const wanted = [
    ...commits.filter((_commit, i) => shallow || present[i] === undefined),
    ...refs.filter((_ref, i) => shallow || present[commits.length + i] === undefined).map((ref) => `+${ref.remote}:${ref.local}`),
  ];
  if (wanted.length > 0) io.stdout.write(`${wanted.join('\n')}\n`);
  return EXIT_CLEAN;
}

/** The commits the plan compares must be here: a clone made without them cannot tell what the change adds. */
async function requireCommits(plan: ScanPlan, repository: Repository): Promise<void> {
  const types = await repository.objectTypes(plan.needs.commits);
  const missing = plan.needs.commits.filter((_commit, i) => types[i] === undefined);
  if (missing.length === 0) return;
  throw new ShallowHistoryError(
    `this clone does not have the commit${missing.length > 1 ? 's' : ''} to scan from or to (${missing.map((oid) => oid.slice(0, 12)).join(', ')}): it was cloned shallow, or without that branch.`,
    'Fetch the history: fetch-depth: 0 in actions/checkout, GIT_DEPTH: "0" in GitLab CI, or `git fetch origin <commit>`; ci/keyguard-ci.sh fetches what is missing unless KEYGUARD_FETCH=0.',
  );
}

/** GitHub Actions step outputs ($GITHUB_OUTPUT): findings, report, exit-code. */
function writeOutputs(io: Io, values: Record<string, string | number>): void {
  const file = io.env.GITHUB_OUTPUT;
  if (!file) return;
  appendFileSync(file, Object.entries(values).map(([name, value]) => `${name}=${String(value).replace(/[\r\n]/g, ' ')}\n`).join(''));
}

function writeSummary(io: Io, markdown: string): void {
  if (io.env.GITHUB_STEP_SUMMARY) appendFileSync(io.env.GITHUB_STEP_SUMMARY, markdown);
}

/**
 * `keyguard ci`: the scan a CI job runs. Works out from the CI's variables what the pipeline adds
 * (a pull or merge request's commits, a push's range, a new branch's commits not on the default
 * branch, or the whole history when run by hand or on a schedule), scans those commits and their
 * messages, and writes the report file (SARIF for code scanning, or JSON), the text report on
 * stderr, and on GitHub the job summary and step outputs. keyguard fetches nothing itself: `--wants`
 * says what a shallow clone lacks, for the CI script to fetch.
 */
export async function ciCommand(options: CiOptions, io: Io): Promise<ExitCode> {
  const reportFile = options.format === 'text' ? undefined : resolve(io.cwd, options.output ?? `keyguard.${options.format}`);
  let plan: ScanPlan | undefined;
  let repository: Repository | undefined;
  try {
    discoverRepository(io.cwd, io.env); // not a repository: say so before anything else
    plan = planScan(io.env, options.range);
    repository = await openRepository('git', io.cwd, io.env);
    if (options.wants) return await printWants(plan, repository, io);
    const policy = await loadPolicy(repositoryRoot(io));
    io.stderr.write(`keyguard: scanning ${plan.description}\n`);
    let result: ScanResult = { findings: [], stats: emptyStats(), suppressed: [] };
    let commits = 0;
    if (plan.nothing) {
      io.stderr.write(`keyguard: nothing to scan: ${plan.nothing}.\n`);
    } else {
      await requireCommits(plan, repository);
      result = await scanHistory(repository, policy, plan.revisions, undefined, { allowShallow: options.allowShallow, warn: (text) => io.stderr.write(text) });
      commits = (result as ScanResult & { commits?: number }).commits ?? 0;
    }
    result.stats.backend = repository.backend;
    markPushed(result, plan.where);
    if (reportFile) {
      const report = options.format === 'json' ? formatJson(result, 'history') : formatSarif(result, await provenanceOf({ cwd: io.cwd, env: io.env }, plan.provenance));
      writeFileSync(reportFile, report);
    }
    io.stderr.write(formatText(result, { scope: 'history', style: styleFor(io.stderr, io.env), verbose: false, manual: true }));
    const found = result.findings.length;
    if (found === 0) io.stderr.write(`keyguard: no AWS credentials found in ${plan.description} (${commits} commits).\n`);
    writeSummary(io, summaryMarkdown(result, plan.description, commits));
    const exit = found > 0 && options.fail ? EXIT_FOUND : EXIT_CLEAN;
    writeOutputs(io, { findings: found, report: reportFile ?? '', 'exit-code': exit });
    return exit;
  } catch (error) {
    const { message, hint, kind } = describeError(error, io);
    if (reportFile) {
      const failure = { kind, message, ...(hint ? { hint } : {}) };
      const provenance = options.format === 'sarif' ? await provenanceOf({ cwd: io.cwd, env: io.env }, plan?.provenance) : undefined;
      writeFileSync(reportFile, options.format === 'json' ? formatJsonError(failure) : formatSarifError(failure, provenance));
    }
    if (!options.wants) {
      writeSummary(io, failureMarkdown(message, hint, plan?.description));
      writeOutputs(io, { findings: 0, report: reportFile ?? '', 'exit-code': 2 });
    }
    return reportError(io, error, { consequence: 'Nothing was checked: this job fails until keyguard can scan (exit code 2).' });
  } finally {
    repository?.close();
  }
}
