import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fastImportData, fastImportInto, git, random, syntheticFiles } from './synthetic-repo.js';

/**
 * A repository with a long history, for the exposure lookup: tens of thousands of small commits, each
 * editing a few lines in one to three files of a few hundred lines, as real projects grow. The
 * remote-tracking branch `origin/main` stays some commits behind `main` (work not pushed yet).
 * Built once with `git fast-import`, cached, deterministic. No key-shaped strings.
 */

/** Bumped when the generator changes, so that an old cache is not reused. */
const GENERATOR_VERSION = 1;

export interface LongHistoryOptions {
  commits: number;
  files: number;
  /** How many commits `origin/main` is behind `main`. */
  unpushed: number;
  cacheDir: string;
}

const WORDS = 'user account order invoice payment session request response handler service client config value result error status'.split(' ');

/** Lines of code-like text, seeded. */
function linesOf(next: () => number, count: number): string[] {
  const word = () => WORDS[Math.floor(next() * WORDS.length)]!;
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const roll = next();
    if (roll < 0.2) lines.push('');
    else if (roll < 0.4) lines.push(`  // ${word()} ${word()} ${word()} ${word()} ${word()}.`);
    else if (roll < 0.7) lines.push(`  const ${word()}${Math.floor(next() * 1000)} = await ${word()}.${word()}(${word()}, ${Math.floor(next() * 100)});`);
    else lines.push(`  if (${word()}.${word()} > ${Math.floor(next() * 1000)}) return ${word()}(${word()});`);
  }
  return lines;
}

async function fastImport(repo: string, options: LongHistoryOptions): Promise<void> {
  await fastImportInto(repo, async (write) => {
    const next = random(17);
    let time = 1_600_000_000;
    const header = (mark: number, message: string) =>
      `commit refs/heads/main\nmark :${mark}\ncommitter Bench <bench@example.invalid> ${time++} +0000\n${fastImportData(message)}${mark > 1 ? `from :${mark - 1}\n` : ''}`;
    // Files of a few hundred lines, kept in memory and edited in place.
    const files: { path: string; lines: string[] }[] = [];
    for (const file of syntheticFiles(options.files, 5)) {
      files.push({ path: file.path.replace(/\.\w+$/, '.ts'), lines: linesOf(next, 150 + Math.floor(next() * 300)) });
    }
    await write(header(1, 'Initial import\n'));
    for (const file of files) await write(`M 100644 inline ${file.path}\n${fastImportData(file.lines.join('\n') + '\n')}`);
    for (let mark = 2; mark <= options.commits; mark++) {
      await write(header(mark, `Change ${linesOf(next, 1)[0]!.trim()}\n`));
      const changed = 1 + Math.floor(next() * 3);
      for (let k = 0; k < changed; k++) {
        const file = files[Math.floor(next() * files.length)]!;
        const at = Math.floor(next() * file.lines.length);
        file.lines.splice(at, Math.floor(next() * 4), ...linesOf(next, 1 + Math.floor(next() * 5)));
        await write(`M 100644 inline ${file.path}\n${fastImportData(file.lines.join('\n') + '\n')}`);
      }
    }
    await write(`reset refs/remotes/origin/main\nfrom :${Math.max(1, options.commits - options.unpushed)}\n\n`);
  });
}

/** The cached repository (built on first use). */
export async function longHistoryRepository(options: LongHistoryOptions, log: (line: string) => void): Promise<string> {
  const name = `long-history-v${GENERATOR_VERSION}-${options.commits}-commits-${options.files}-files-${options.unpushed}-unpushed`;
  const repo = join(options.cacheDir, name);
  const ready = join(repo, '.git', 'keyguard-bench-ready');
  if (existsSync(ready)) return repo;
  rmSync(repo, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  log(`building a long history (${options.commits} commits, ${options.files} files) in ${repo}; cached for later runs…`);
  git(repo, ['init', '--quiet', '--initial-branch=main']);
  git(repo, ['config', 'user.name', 'Bench']);
  git(repo, ['config', 'user.email', 'bench@example.invalid']);
  git(repo, ['config', 'commit.gpgSign', 'false']);
  await fastImport(repo, options);
  // Packed as `git gc` packs: newest versions whole, older ones as deltas.
  git(repo, ['repack', '-a', '-d', '-f', '--quiet']);
  git(repo, ['reset', '--quiet', '--hard', 'main']);
  writeFileSync(ready, `${new Date().toISOString()}\n`);
  return repo;
}
