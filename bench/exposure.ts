import { spawnSync } from 'node:child_process';
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freshKeyId, freshSecret } from '../src/fake-keys.js';
import { longHistoryRepository } from './long-history.js';
import { interleaved, type Command } from './measure.js';

/**
 * The exposure lookup on a long history: what a blocked commit costs when keyguard must find out how
 * far the key travelled. Side by side in one run, interleaved: a clean `keyguard check`; the check
 * with one staged key, first run (no exposure record yet) and next run (the record is up to date);
 * the same with 100 staged keys; and one `git log --all -S<key>`, the search keyguard 0.1 ran three
 * times per finding, as the reference. Every check must answer "staged" (the keys are fresh).
 */

export interface ExposureOptions {
  commits: number;
  files: number;
  /** Commits of `main` that `origin/main` does not have. */
  unpushed: number;
  runs: number;
  cacheDir: string;
  bin: string;
  env: NodeJS.ProcessEnv;
  log: (line: string) => void;
}

export interface ExposureFigures {
  commits: number;
  files: number;
  unpushed: number;
  runs: number;
  packedMB: number;
  blobMB: number;
  cleanCheck: number;
  oneKeyFirst: number;
  oneKeyNext: number;
  hundredKeysFirst: number;
  hundredKeysNext: number;
  gitLogS: number;
  recordKB: number;
  answers: string[];
}

function git(cwd: string, args: string[], env: NodeJS.ProcessEnv): string {
  const result = spawnSync('git', args, { cwd, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** An index like the repository's, with `content` staged at `path`: each scenario has its own, so runs can be interleaved. */
function stagedIndex(repo: string, name: string, path: string, content: string, env: NodeJS.ProcessEnv): string {
  const index = join(repo, '.git', `bench-${name}.index`);
  copyFileSync(join(repo, '.git', 'index'), index);
  writeFileSync(join(repo, path), content);
  git(repo, ['add', '--', path], { ...env, GIT_INDEX_FILE: index });
  return index;
}

export async function measureExposure(options: ExposureOptions): Promise<ExposureFigures> {
  const { env, bin, log } = options;
  const repo = await longHistoryRepository({ commits: options.commits, files: options.files, unpushed: options.unpushed, cacheDir: options.cacheDir }, log);
  git(repo, ['reset', '--quiet', '--hard', 'main'], env);
  const tracked = git(repo, ['ls-files'], env).split('\n').filter(Boolean);
  const target = tracked[tracked.length >> 1]!;
  const keyIds = Array.from({ length: 100 }, () => freshKeyId());
  const clean = stagedIndex(repo, 'clean', target, `// an ordinary change\nexport const answer = 42;\n`, env);
  const one = stagedIndex(repo, 'one-key', target, `const accessKeyId = "${keyIds[0]}";\n`, env);
  const hundred = stagedIndex(
    repo,
    'hundred-keys',
    target,
    keyIds.map((id) => `[profile-${id.slice(-6)}]\naws_access_key_id = ${id}\naws_secret_access_key = ${freshSecret()}\n`).join('\n'),
    env,
  );
  git(repo, ['checkout', '--quiet', '--', target], env);
  const record = join(repo, '.git', 'keyguard');
  const forget = () => rmSync(record, { recursive: true, force: true });
  // The first run must finish its walk to answer exactly: give it all the time it needs, and measure it.
  const withIndex = (index: string) => ({ cwd: repo, env: { ...env, GIT_INDEX_FILE: index, KEYGUARD_EXPOSURE_TIMEOUT_MS: '600000' } });
  const check = (label: string, index: string, okCodes: number[], before?: () => void): Command => ({
    label,
    command: process.execPath,
    args: [bin, 'check'],
    options: withIndex(index),
    okCodes,
    ...(before ? { before } : {}),
  });

  log(`exposure: ${options.commits} commits; verifying the answers`);
  const answers: string[] = [];
  for (const [index, first] of [[one, true], [one, false], [hundred, true], [hundred, false]] as const) {
    if (first) forget();
    const result = spawnSync(process.execPath, [bin, 'check', '--format', 'json'], { ...withIndex(index), encoding: 'utf8', maxBuffer: 1 << 28 });
    const states = [...new Set((JSON.parse(result.stdout) as { findings: { exposure: string }[] }).findings.map((f) => f.exposure))];
    answers.push(states.join(','));
    if (states.length !== 1 || states[0] !== 'staged') throw new Error(`exposure bench: expected "staged", got ${states.join(', ')}`);
  }
  const recordKB = Number(spawnSync('du', ['-sk', record], { encoding: 'utf8' }).stdout.split('\t')[0] ?? 0);

  log('exposure: timing (first runs walk the whole history each time)');
  const times = interleaved(
    [
      check('clean', clean, [0]),
      check('one-first', one, [1], forget),
      check('one-next', one, [1]),
      check('hundred-first', hundred, [1], forget),
      check('hundred-next', hundred, [1]),
      { label: 'log-S', command: 'git', args: ['log', '--all', '--format=%H', `-S${keyIds[0]}`], options: { cwd: repo, env } },
    ],
    options.runs,
  );
  const packedMB = Number(git(repo, ['count-objects', '-v'], env).match(/size-pack: (\d+)/)?.[1] ?? 0) / 1024;
  const blobBytes = git(repo, ['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectsize)'], env)
    .split('\n')
    .filter((line) => line.startsWith('blob '))
    .reduce((sum, line) => sum + Number(line.slice(5)), 0);
  for (const index of [clean, one, hundred]) rmSync(index, { force: true });
  return {
    commits: options.commits,
    files: options.files,
    unpushed: options.unpushed,
    runs: options.runs,
    packedMB,
    blobMB: blobBytes / 1024 ** 2,
    cleanCheck: times.get('clean')!,
    oneKeyFirst: times.get('one-first')!,
    oneKeyNext: times.get('one-next')!,
    hundredKeysFirst: times.get('hundred-first')!,
    hundredKeysNext: times.get('hundred-next')!,
    gitLogS: times.get('log-S')!,
    recordKB,
    answers,
  };
}

/** The table and the ratios the targets are stated in. */
export function exposureReport(f: ExposureFigures): string[] {
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const ratio = (a: number, b: number) => (a / b).toFixed(2);
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  return [
    `Exposure lookup on a long history: ${f.commits} commits of 1 to 3 edited files (${f.files} files of 150 to 450 lines; ` +
      `${f.blobMB.toFixed(0)} MB of blobs, ${f.packedMB.toFixed(0)} MB packed), origin/main ${f.unpushed} commits behind main; medians of ${f.runs} interleaved runs`,
    '',
    '| what | time |',
    '|---|---|',
    `| clean \`keyguard check\` (nothing found) | ${ms(f.cleanCheck)} |`,
    `| 1 staged key, first run (no record: walks the whole history) | ${ms(f.oneKeyFirst)} |`,
    `| 1 staged key, next run (record up to date) | ${ms(f.oneKeyNext)} |`,
    `| 100 staged keys (and their secrets), first run | ${ms(f.hundredKeysFirst)} |`,
    `| 100 staged keys, next run | ${ms(f.hundredKeysNext)} |`,
    `| \`git log --all -S<key>\` (reference; keyguard 0.1 ran it three times per finding) | ${ms(f.gitLogS)} |`,
    '',
    `Answers: ${f.answers.join('; ')} (each must be "staged"); exposure record: ${f.recordKB} KB`,
    'Ratios (targets):',
    `- next run, 1 key / clean check = ${ratio(f.oneKeyNext, f.cleanCheck)} (at most 2: ${check(f.oneKeyNext <= 2 * f.cleanCheck)})`,
    `- first run, 1 key / (clean check + git log --all -S) = ${ratio(f.oneKeyFirst, f.cleanCheck + f.gitLogS)} (at most 1.2: ${check(f.oneKeyFirst <= 1.2 * (f.cleanCheck + f.gitLogS))})`,
    `- 100 keys / 1 key = ${ratio(f.hundredKeysNext, f.oneKeyNext)} next run, ${ratio(f.hundredKeysFirst, f.oneKeyFirst)} first run (at most 1.5: ${check(f.hundredKeysNext <= 1.5 * f.oneKeyNext && f.hundredKeysFirst <= 1.5 * f.oneKeyFirst)})`,
  ];
}
