import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { measureDetector, type DetectorFigures } from './detector.js';
import { exposureReport, measureExposure, type ExposureFigures } from './exposure.js';
import { interleaved, interleavedWithCpu, peakRss, type Command, type WallAndCpu } from './measure.js';
import { historyScanReport, measureHistoryScan, type HistoryScanFigures } from './history-scan.js';
import { freshKeyId } from '../src/fake-keys.js';
import { measureHugeFile, type HugeFileFigures } from './huge-file.js';
import { freshContent, syntheticRepository } from './synthetic-repo.js';
import { measurePreReceive, type PreReceiveFigures } from './pre-receive.js';

/**
 * `npm run bench`: keyguard against node's own start-up, plain git, and git-secrets (where it is
 * installed), on a synthetic repository of realistic size, all measured in one run. Prints a table
 * and the ratios the targets are stated in, and writes the same figures as JSON.
 */

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '20000' },
    commits: { type: 'string', default: '200' },
    runs: { type: 'string', default: '11' },
    cache: { type: 'string' },
    json: { type: 'string' },
    'huge-mb': { type: 'string', default: '1024' },
    'push-commits': { type: 'string', default: '1000' },
    'history-commits': { type: 'string', default: '20000' },
    'history-runs': { type: 'string' },
    only: { type: 'string' },
  },
});

/** The parts of the benchmark to run (`--only pre-receive,whole`); all by default. */
const SECTIONS = ['commit', 'whole', 'history', 'huge', 'detector', 'pre-receive', 'exposure'] as const;
const only = values.only?.split(',').map((name) => name.trim());
const unknownSection = only?.find((name) => !(SECTIONS as readonly string[]).includes(name));
if (unknownSection) throw new Error(`--only takes ${SECTIONS.join(', ')} (got "${unknownSection}")`);
const runs_ = (section: (typeof SECTIONS)[number]) => only === undefined || only.includes(section);

const PROJECT = resolve(dirname(new URL(import.meta.url).pathname), '..');
const files = Number(values.files);
const runs = Number(values.runs);
const cacheDir = resolve(values.cache ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'keyguard-bench'));
const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

function sh(cwd: string, command: string, args: string[], env: NodeJS.ProcessEnv = process.env): string {
  const result = spawnSync(command, args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout.trim();
}

/** The environment every measured command runs in: no user git config, no hook variables. */
function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!/^(GIT_|KEYGUARD_|HUSKY|npm_)/.test(name)) env[name] = value;
  return { ...env, GIT_CONFIG_NOSYSTEM: '1', GIT_AUTHOR_NAME: 'Bench', GIT_AUTHOR_EMAIL: 'b@example.invalid', GIT_COMMITTER_NAME: 'Bench', GIT_COMMITTER_EMAIL: 'b@example.invalid' };
}

/** keyguard as a project installs it: a copy of the package in node_modules, and `keyguard install`. */
function installKeyguard(repo: string, env: NodeJS.ProcessEnv): string {
  const target = join(repo, 'node_modules', 'keyguard');
  rmSync(join(repo, 'node_modules'), { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  for (const part of ['bin', 'dist', 'hooks', 'package.json']) cpSync(join(PROJECT, part), join(target, part), { recursive: true });
  cpSync(join(PROJECT, 'node_modules', 'husky'), join(repo, 'node_modules', 'husky'), { recursive: true });
  const exclude = join(repo, '.git', 'info', 'exclude');
  if (!readFileSync(exclude, 'utf8').includes('node_modules/')) appendFileSync(exclude, '\nnode_modules/\n.husky/\n');
  sh(repo, process.execPath, [join(target, 'bin', 'keyguard.js'), 'install'], env);
  return join(target, 'bin', 'keyguard.js');
}

function gitSecretsAvailable(env: NodeJS.ProcessEnv): string | undefined {
  const probe = spawnSync('git', ['secrets', '--list'], { env, encoding: 'utf8' });
  if (probe.error || probe.status === 1 && /not a git command/.test(probe.stderr)) return undefined;
  return spawnSync('sh', ['-c', 'command -v git-secrets'], { encoding: 'utf8' }).stdout.trim() || undefined;
}

function stageFiles(repo: string, paths: string[], bytesEach: number, seed: number): number {
  let total = 0;
  paths.forEach((path, i) => {
    const content = freshContent(seed + i, bytesEach);
    writeFileSync(join(repo, path), content);
    total += content.length;
  });
  for (let i = 0; i < paths.length; i += 500) sh(repo, 'git', ['add', '--', ...paths.slice(i, i + 500)]);
  return total;
}

function reset(repo: string): void {
  sh(repo, 'git', ['reset', '--quiet', '--hard', 'main']);
}

interface Scenario {
  label: string;
  stagedBytes: number;
  nodeStart: number;
  gitNameOnly: number;
  gitDiff: number;
  keyguardCheck: number;
  keyguardRssMB: number;
  hookCost: number;
  gitSecretsHookCost?: number;
}

/** A commit of what is staged, undone (keeping it staged) before the next run, so every run commits the same. */
function commitCommand(label: string, repo: string, env: NodeJS.ProcessEnv, gitOptions: string[], noVerify: boolean): Command {
  return {
    label,
    command: 'git',
    args: [...gitOptions, 'commit', '--quiet', '-m', 'bench', ...(noVerify ? ['--no-verify'] : [])],
    options: { cwd: repo, env },
    before: () => undoBenchCommit(repo),
  };
}

function undoBenchCommit(repo: string): void {
  const subject = spawnSync('git', ['log', '-1', '--format=%s'], { cwd: repo, encoding: 'utf8' }).stdout.trim();
  if (subject === 'bench') sh(repo, 'git', ['reset', '--quiet', '--soft', 'HEAD~1']);
}

const GIT_SECRETS_DIR = join('.git', 'git-secrets');

function runScenario(label: string, repo: string, bin: string, env: NodeJS.ProcessEnv, stagedBytes: number, gitSecrets: string | undefined): Scenario {
  log(`${label}: timing`);
  const options = { cwd: repo, env };
  const basics = interleaved(
    [
      { label: 'node', command: process.execPath, args: ['-e', '0'], options },
      { label: 'name-only', command: 'git', args: ['diff', '--cached', '--name-only'], options },
      { label: 'diff', command: 'git', args: ['diff', '--cached'], options },
      { label: 'keyguard', command: process.execPath, args: [bin, 'check'], options },
    ],
    runs,
  );
  log(`${label}: commits with and without hooks`);
  const commits: Command[] = [commitCommand('hooks', repo, env, [], false), commitCommand('no-verify', repo, env, [], true)];
  if (gitSecrets) commits.push(commitCommand('git-secrets', repo, env, ['-c', `core.hooksPath=${join(repo, GIT_SECRETS_DIR, 'hooks')}`], false));
  const commitTimes = interleaved(commits, runs);
  undoBenchCommit(repo); // leave the change staged, as it was
  return {
    label,
    stagedBytes,
    nodeStart: basics.get('node')!,
    gitNameOnly: basics.get('name-only')!,
    gitDiff: basics.get('diff')!,
    keyguardCheck: basics.get('keyguard')!,
    keyguardRssMB: peakRss(bin, ['check'], options),
    hookCost: commitTimes.get('hooks')! - commitTimes.get('no-verify')!,
    gitSecretsHookCost: gitSecrets ? commitTimes.get('git-secrets')! - commitTimes.get('no-verify')! : undefined,
  };
}

/** The exposure lookup on a long history (see exposure.ts), with the keyguard of this checkout. */
async function exposureFigures(env: NodeJS.ProcessEnv): Promise<ExposureFigures> {
  return measureExposure({
    commits: Number(values['history-commits']),
    files: 1000,
    unpushed: 50,
    runs: Number(values['history-runs'] ?? Math.max(3, Math.ceil(runs / 2))),
    cacheDir,
    bin: join(PROJECT, 'bin', 'keyguard.js'),
    env,
    log,
  });
}

async function main(): Promise<void> {
  if (!existsSync(join(PROJECT, 'dist', 'cli.cjs'))) throw new Error('build first: npm run build');
  const env = cleanEnv();
  if (values.only === 'exposure') {
    const exposure = await exposureFigures(env);
    const jsonPath = resolve(values.json ?? join(cacheDir, 'bench-exposure.json'));
    writeFileSync(jsonPath, `${JSON.stringify(exposure, null, 2)}\n`);
    process.stdout.write(`${exposureReport(exposure).join('\n')}\n`);
    log(`figures written to ${jsonPath}`);
    return;
  }
  const repo = await syntheticRepository({ files, commits: Number(values.commits), cacheDir }, log);
  reset(repo);
  const bin = installKeyguard(repo, env);

  const gitSecrets = gitSecretsAvailable(env);
  if (gitSecrets) {
    // Its hooks in a folder of their own (core.hooksPath points at husky's): <dir>/hooks/pre-commit…
    mkdirSync(join(repo, GIT_SECRETS_DIR, 'hooks'), { recursive: true });
    sh(repo, 'git', ['secrets', '--install', '-f', join(repo, GIT_SECRETS_DIR)], env);
    const patterns = spawnSync('git', ['config', '--get-all', 'secrets.patterns'], { cwd: repo, env, encoding: 'utf8' }).stdout;
    if (!patterns.includes('AKIA')) sh(repo, 'git', ['secrets', '--register-aws'], env);
  }

  const tracked = sh(repo, 'git', ['ls-files']).split('\n');
  const pick = (count: number) => tracked.filter((path) => path.endsWith('.ts')).slice(0, count);
  const scenarios: Scenario[] = [];
  if (runs_('commit')) {
    try {
      const oneBytes = stageFiles(repo, pick(1), 24 * 1024, 100);
      scenarios.push(runScenario('1 staged file', repo, bin, env, oneBytes, gitSecrets));
      reset(repo);
      const manyBytes = stageFiles(repo, pick(1000), 20 * 1024, 200);
      scenarios.push(runScenario('1,000 staged files', repo, bin, env, manyBytes, gitSecrets));
      reset(repo);
      // The worst case for one file: a line the launcher's prefilter cannot rule out (a 40+ character
      // base64 run, as in a lock file's integrity hash), so node starts and scans.
      const [hashed] = pick(1);
      const hashedBytes = stageFiles(repo, [hashed!], 24 * 1024, 100);
      appendFileSync(join(repo, hashed!), `const integrity = "sha512-${createHash('sha512').update('keyguard bench').digest('base64')}";\n`);
      sh(repo, 'git', ['add', '--', hashed!]);
      scenarios.push(runScenario('1 file, prefilter passes', repo, bin, env, hashedBytes, gitSecrets));
    } finally {
      reset(repo);
    }
  }

  let whole: Results['whole'];
  if (runs_('whole')) {
    log('--all and --history, beside git grep and git-secrets');
    const wholeRuns = Math.max(3, Math.ceil(runs / 3));
    const options = { cwd: repo, env };
    const commands: Command[] = [
      { label: 'all', command: process.execPath, args: [bin, 'check', '--all'], options },
      { label: 'history', command: process.execPath, args: [bin, 'check', '--history'], options },
      // A C scan of every tracked file: the floor for reading the whole index. Exit 1 is "no match".
      { label: 'git-grep', command: 'git', args: ['grep', '--cached', '-c', '-F', 'AKIA'], options, okCodes: [0, 1] },
    ];
    if (gitSecrets) commands.push({ label: 'git-secrets', command: 'git', args: ['secrets', '--scan', '--cached'], options, okCodes: [0, 1] });
    const times = interleavedWithCpu(commands, wholeRuns);
    const allRssMB = peakRss(bin, ['check', '--all'], options);
    const historyRssMB = peakRss(bin, ['check', '--history'], options);
    whole = { all: times.get('all')!, history: times.get('history')!, gitGrep: times.get('git-grep')!, gitSecrets: times.get('git-secrets'), allRssMB, historyRssMB, runs: wholeRuns };
  }

  let history: HistoryScanFigures | undefined;
  if (runs_('history')) {
    log('--history on a long history, beside reading every object once');
    history = await measureHistoryScan({
      commits: Number(values['history-commits']),
      files: 1000,
      unpushed: 50,
      runs: Number(values['history-runs'] ?? Math.max(3, Math.ceil(runs / 3))),
      cacheDir,
      bin: join(PROJECT, 'bin', 'keyguard.js'),
      env,
      log,
    });
  }

  const hugeMB = Number(values['huge-mb']);
  let huge: HugeFileFigures | undefined;
  if (hugeMB > 0 && runs_('huge')) {
    log(`a ${hugeMB} MB modified file`);
    huge = measureHugeFile(bin, env, hugeMB, { oldKey: freshKeyId(), newKey: freshKeyId() });
  }
  let exposure: ExposureFigures | undefined;
  if (runs_('exposure')) {
    log('the exposure lookup on a long history');
    exposure = await exposureFigures(env);
  }

  let detector: DetectorFigures | undefined;
  if (runs_('detector')) {
    log('the detector alone');
    const detectorModule = (await import(pathToFileURL(join(PROJECT, 'dist', 'index.js')).href)) as { scanText: (text: string) => unknown[] };
    detector = measureDetector(detectorModule.scanText, 3);
  }

  let preReceive: PreReceiveFigures | undefined;
  const pushCommits = Number(values['push-commits']);
  if (pushCommits > 0 && runs_('pre-receive')) {
    log(`the server hook: a push of ${pushCommits} new commits`);
    preReceive = await measurePreReceive(bin, repo, env, pushCommits, Math.max(3, Math.ceil(runs / 3)));
  }

  const repoBytes = Number(sh(repo, 'git', ['count-objects', '-v']).match(/size-pack: (\d+)/)?.[1] ?? 0) * 1024;
  const machine = {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGB: Math.round(totalmem() / 1024 ** 3),
    node: process.version,
    git: sh(repo, 'git', ['--version']),
    gitSecrets: gitSecrets ? 'installed' : 'not installed',
  };
  const results = {
    machine,
    repository: { files, commits: Number(values.commits), packedBytes: repoBytes, path: repo },
    runs,
    scenarios,
    whole,
    history,
    detector,
    huge,
    preReceive,
    exposure,
  };
  const jsonPath = resolve(values.json ?? join(cacheDir, 'bench-results.json'));
  writeFileSync(jsonPath, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(report(results));
  log(`figures written to ${jsonPath}`);
}

type Results = {
  machine: Record<string, string | number>;
  repository: { files: number; commits: number; packedBytes: number };
  runs: number;
  scenarios: Scenario[];
  whole?: { all: WallAndCpu; history: WallAndCpu; gitGrep: WallAndCpu; gitSecrets?: WallAndCpu; allRssMB: number; historyRssMB: number; runs: number };
  history?: HistoryScanFigures;
  detector?: DetectorFigures;
  huge?: HugeFileFigures;
  preReceive?: PreReceiveFigures;
  exposure?: ExposureFigures;
};

function report(r: Results): string {
  const ms = (n: number | undefined) => (n === undefined ? 'n/a' : `${n.toFixed(1)} ms`);
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const lines: string[] = [];
  const ratios: string[] = [];
  lines.push(`Machine: ${r.machine.cpu}, ${r.machine.cores} cores, ${r.machine.memoryGB} GB; ${r.machine.node}; ${r.machine.git}`);
  lines.push(`Repository: ${r.repository.files} files, ${r.repository.commits} commits (${(r.repository.packedBytes / 1024 ** 2).toFixed(0)} MB packed); medians of ${r.runs} interleaved runs`);
  lines.push('');
  if (r.scenarios.length === 3) {
    const [one, many, worst] = r.scenarios as [Scenario, Scenario, Scenario];
    const size = (bytes: number) => (bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MB` : `${(bytes / 1024).toFixed(0)} KB`);
    lines.push(`| what | ${r.scenarios.map((s) => `${s.label} (${size(s.stagedBytes)})`).join(' | ')} |`);
    lines.push(`|---|${r.scenarios.map(() => '---|').join('')}`);
    const row = (what: string, cell: (s: Scenario) => string) => lines.push(`| ${what} | ${r.scenarios.map(cell).join(' | ')} |`);
    row('`node -e 0`', (s) => ms(s.nodeStart));
    row('`git diff --cached --name-only`', (s) => ms(s.gitNameOnly));
    row('`git diff --cached` to /dev/null', (s) => ms(s.gitDiff));
    row('`keyguard check`', (s) => ms(s.keyguardCheck));
    row('keyguard hook, cost added to `git commit`', (s) => ms(s.hookCost));
    row('git-secrets hook, cost added to `git commit`', (s) => (s.gitSecretsHookCost === undefined ? 'not installed (apt install git-secrets)' : ms(s.gitSecretsHookCost)));
    row('peak memory of `keyguard check`', (s) => `${s.keyguardRssMB.toFixed(0)} MB`);
    lines.push('');
    ratios.push(`- 1 file: hook cost / node start-up = ${ratio(one.hookCost, one.nodeStart)} (at most 1.3: ${check(one.hookCost <= 1.3 * one.nodeStart)})`);
    ratios.push(`- 1,000 files: hook cost / (node start-up + git diff --cached) = ${ratio(many.hookCost, many.nodeStart + many.gitDiff)} (at most 1.5: ${check(many.hookCost <= 1.5 * (many.nodeStart + many.gitDiff))})`);
    ratios.push(`- 1 file, prefilter passes (node runs): hook cost / node start-up = ${ratio(worst.hookCost, worst.nodeStart)} (the worst case for one file; no target)`);
    ratios.push(`- keyguard check / git diff --cached = ${ratio(one.keyguardCheck, one.gitDiff)} (1 file), ${ratio(many.keyguardCheck, many.gitDiff)} (1,000 files)`);
    for (const s of r.scenarios) {
      if (s.gitSecretsHookCost === undefined) continue;
      const target = s === worst ? 'for reference: no target' : `below 1: ${check(s.hookCost < s.gitSecretsHookCost)}`;
      ratios.push(`- ${s.label}: keyguard hook / git-secrets hook = ${ratio(s.hookCost, s.gitSecretsHookCost)} (${target})`);
    }
    ratios.push(`- memory: ${many.keyguardRssMB.toFixed(0)} MB for the 20 MB change (under 150: ${check(many.keyguardRssMB < 150)})`);
  }
  if (r.whole) {
    const w = r.whole;
    const cpu = (t: WallAndCpu | undefined) => (t === undefined ? 'not installed (apt install git-secrets)' : ms(t.cpu));
    lines.push(`| whole repository (medians of ${w.runs}) | wall | CPU (all processes) | peak memory |`);
    lines.push('|---|---|---|---|');
    lines.push(`| \`keyguard check --all\` | ${ms(w.all.wall)} | ${cpu(w.all)} | ${w.allRssMB.toFixed(0)} MB |`);
    lines.push(`| \`git grep --cached -c -F AKIA\` | ${ms(w.gitGrep.wall)} | ${cpu(w.gitGrep)} | |`);
    lines.push(`| \`git secrets --scan --cached\` | ${ms(w.gitSecrets?.wall)} | ${cpu(w.gitSecrets)} | |`);
    lines.push(`| \`keyguard check --history\` | ${ms(w.history.wall)} | ${cpu(w.history)} | ${w.historyRssMB.toFixed(0)} MB |`);
    lines.push('');
    ratios.push(`- --all / git grep --cached -F AKIA = ${ratio(w.all.wall, w.gitGrep.wall)} wall, ${ratio(w.all.cpu, w.gitGrep.cpu)} CPU (at most 1.5 wall: ${check(w.all.wall <= 1.5 * w.gitGrep.wall)})`);
    if (w.gitSecrets) ratios.push(`- --all / git secrets --scan --cached = ${ratio(w.all.wall, w.gitSecrets.wall)} wall, ${ratio(w.all.cpu, w.gitSecrets.cpu)} CPU (at most 1.0 wall: ${check(w.all.wall <= w.gitSecrets.wall)})`);
    else ratios.push('- --all / git secrets --scan --cached: git-secrets not installed (apt install git-secrets)');
    ratios.push(`- memory: ${w.historyRssMB.toFixed(0)} MB for --history (under 300: ${check(w.historyRssMB < 300)})`);
  }
  if (r.history) {
    const h = historyScanReport(r.history);
    lines.push(...h.lines);
    ratios.push(...h.ratios);
  }
  if (r.preReceive) {
    const p = r.preReceive;
    lines.push(`| server hook, push of ${p.commits.toLocaleString('en')} new commits | time | peak memory |`);
    lines.push('|---|---|---|');
    lines.push(`| \`git push\` without a hook | ${ms(p.pushWithoutHookMs)} | |`);
    lines.push(`| \`git push\` with keyguard's pre-receive hook | ${ms(p.pushWithHookMs)} | |`);
    lines.push(`| \`keyguard pre-receive\` alone (median; slowest run) | ${ms(p.hookMs)}; ${ms(p.hookMaxMs)} | ${p.hookRssMB.toFixed(0)} MB |`);
    lines.push('');
    ratios.push(`- server hook: ${p.commits} new commits decided in ${(p.hookMs / 1000).toFixed(2)} s, slowest run ${(p.hookMaxMs / 1000).toFixed(2)} s (within 5 s: ${check(p.hookMaxMs < 5000)})`);
  }
  if (r.detector) {
    lines.push('| detector alone (one core) | 100 MB | time 100 MB / time 10 MB |');
    lines.push('|---|---|---|');
    lines.push(`| ordinary text | ${r.detector.ordinaryMBps.toFixed(0)} MB/s | ${r.detector.ordinaryLinearity.toFixed(1)} |`);
    lines.push(`| adversarial near-matches | ${r.detector.adversarialMBps.toFixed(0)} MB/s | ${r.detector.adversarialLinearity.toFixed(1)} |`);
    lines.push(`| hex- and escape-heavy text (every decoder) | ${r.detector.encodedMBps.toFixed(0)} MB/s | ${r.detector.encodedLinearity.toFixed(1)} |`);
    lines.push('');
    ratios.push(`- detector: ${r.detector.ordinaryMBps.toFixed(0)} MB/s ordinary (at least 200: ${check(r.detector.ordinaryMBps >= 200)}), ${r.detector.adversarialMBps.toFixed(0)} MB/s adversarial (at least 50: ${check(r.detector.adversarialMBps >= 50)}), linear within 12x: ${check(r.detector.ordinaryLinearity <= 12 && r.detector.adversarialLinearity <= 12 && r.detector.encodedLinearity <= 12)}`);
  }
  if (r.huge) {
    const h = r.huge;
    ratios.push(
      `- a ${h.megabytes} MB modified file with a new key: ${(h.checkMs / 1000).toFixed(1)} s, peak memory ${h.peakRssMB.toFixed(0)} MB (under 300: ${check(h.peakRssMB < 300)}), ${h.findings} finding (1 expected: ${check(h.findings === 1)})`,
    );
  }
  lines.push('Ratios (targets):', ...ratios);
  if (r.exposure) lines.push('', ...exposureReport(r.exposure));
  return `${lines.join('\n')}\n`;
}

main().catch((error) => {
  process.stderr.write(`bench: ${(error as Error).stack ?? error}\n`);
  process.exitCode = 1;
});
