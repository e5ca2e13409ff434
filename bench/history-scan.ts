import { spawnSync } from 'node:child_process';
import type { ExposureOptions } from './exposure.js';
import { longHistoryRepository } from './long-history.js';
import { interleavedWithCpu, peakRss, type WallAndCpu } from './measure.js';

/**
 * `keyguard check --history` on a long history (the exposure benchmark's repository: tens of
 * thousands of commits editing files of a few hundred lines) beside the cost of reading every
 * object once: `git cat-file --batch-all-objects --batch --unordered > /dev/null`.
 */

/** The same long-history repository and run settings as the exposure benchmark. */
export type HistoryScanOptions = ExposureOptions;

export interface HistoryScanFigures {
  commits: number;
  runs: number;
  /** Blob content in the repository (every version), in MB. */
  blobMB: number;
  blobs: number;
  keyguard: WallAndCpu;
  catFile: WallAndCpu;
  peakRssMB: number;
}

/** Count and total size of the blobs in the repository. */
function blobContent(repo: string, env: NodeJS.ProcessEnv): { blobs: number; bytes: number } {
  const result = spawnSync('git', ['cat-file', '--batch-all-objects', '--batch-check=%(objecttype) %(objectsize)'], { cwd: repo, env, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`git cat-file --batch-check failed: ${result.stderr}`);
  let blobs = 0;
  let bytes = 0;
  for (const line of result.stdout.split('\n')) {
    if (!line.startsWith('blob ')) continue;
    blobs++;
    bytes += Number(line.slice(5));
  }
  return { blobs, bytes };
}

export async function measureHistoryScan(options: HistoryScanOptions): Promise<HistoryScanFigures> {
  const repo = await longHistoryRepository(options, options.log);
  const { env } = options;
  const { blobs, bytes } = blobContent(repo, env);
  options.log(`--history on ${options.commits} commits (${blobs} blobs, ${(bytes / 1024 ** 2).toFixed(0)} MB): timing`);
  const times = interleavedWithCpu(
    [
      { label: 'keyguard', command: process.execPath, args: [options.bin, 'check', '--history'], options: { cwd: repo, env } },
      { label: 'cat-file', command: 'git', args: ['cat-file', '--batch-all-objects', '--batch', '--unordered'], options: { cwd: repo, env } },
    ],
    options.runs,
  );
  return {
    commits: options.commits,
    runs: options.runs,
    blobMB: bytes / 1024 ** 2,
    blobs,
    keyguard: times.get('keyguard')!,
    catFile: times.get('cat-file')!,
    peakRssMB: peakRss(options.bin, ['check', '--history'], { cwd: repo, env }),
  };
}

export function historyScanReport(h: HistoryScanFigures): { lines: string[]; ratios: string[] } {
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const check = (ok: boolean) => (ok ? 'met' : 'NOT met');
  const ratio = h.keyguard.wall / h.catFile.wall;
  const lines = [
    `| long history: ${h.commits.toLocaleString('en')} commits, ${h.blobs.toLocaleString('en')} blobs, ${h.blobMB.toFixed(0)} MB of blob content | wall | CPU (all processes) | MB/s of blob content | peak memory |`,
    '|---|---|---|---|---|',
    `| \`keyguard check --history\` | ${ms(h.keyguard.wall)} | ${ms(h.keyguard.cpu)} | ${(h.blobMB / (h.keyguard.wall / 1000)).toFixed(1)} | ${h.peakRssMB.toFixed(0)} MB |`,
    `| \`git cat-file --batch-all-objects --batch --unordered\` > /dev/null | ${ms(h.catFile.wall)} | ${ms(h.catFile.cpu)} | ${(h.blobMB / (h.catFile.wall / 1000)).toFixed(1)} | |`,
    '',
  ];
  const ratios = [
    `- --history / cat-file --batch-all-objects = ${ratio.toFixed(2)} wall, ${(h.keyguard.cpu / h.catFile.cpu).toFixed(2)} CPU (at most 2.0 wall: ${check(ratio <= 2)}); ${(h.blobMB / (h.keyguard.wall / 1000)).toFixed(1)} MB/s of blob content (published, 16 cores: gitleaks 3.5-10 MiB/s, TruffleHog 3-6, Kingfisher 17-37)`,
    `- memory: ${h.peakRssMB.toFixed(0)} MB for --history on the long history (under 300: ${check(h.peakRssMB < 300)})`,
  ];
  return { lines, ratios };
}
