import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A synthetic repository like a real mid-size project: tens of thousands of text files (TypeScript,
 * Python, Go, Markdown, YAML, JSON configs, lockfiles full of integrity hashes), about 10 KB each on
 * average, with a history of small commits. Built once with `git fast-import` and cached outside the
 * repository; deterministic (seeded), so every run measures the same bytes. No key-shaped strings.
 */

/** Bumped when the generator changes, so that an old cache is not reused. */
const GENERATOR_VERSION = 2;

export interface SyntheticOptions {
  files: number;
  commits: number;
  cacheDir: string;
}

/** A small, fast, seeded PRNG (mulberry32). */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = (
  'user account order invoice payment session request response handler service client server config ' +
  'value result error status message event queue worker task job cache store model view route token ' +
  'format parse render update create delete fetch load save build deploy test check valid total count ' +
  'index item list map filter reduce options params context logger metrics region bucket table record'
).split(' ');

const LOWER_HEX = '0123456789abcdef';
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

class Writer {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  word(): string {
    return WORDS[this.int(WORDS.length)]!;
  }
  camel(parts = 2): string {
    let out = this.word();
    for (let i = 1; i < parts; i++) {
      const w = this.word();
      out += w[0]!.toUpperCase() + w.slice(1);
    }
    return out;
  }
  sentence(words: number): string {
    const out: string[] = [];
    for (let i = 0; i < words; i++) out.push(this.word());
    const text = out.join(' ');
    return text[0]!.toUpperCase() + text.slice(1) + '.';
  }
  chars(alphabet: string, n: number): string {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[this.int(alphabet.length)];
    return out;
  }

  typescript(bytes: number): string {
    const lines: string[] = [`import { ${this.camel()} } from './${this.word()}.js';`, ''];
    while (lines.join('\n').length < bytes) {
      const name = this.camel(3);
      lines.push(
        `/** ${this.sentence(10)} */`,
        `export async function ${name}(${this.word()}: ${this.camel()}, options: Record<string, unknown> = {}): Promise<number> {`,
        `  const ${this.word()} = await this.${this.camel()}(options);`,
        `  if (!${this.word()}) throw new Error('${this.sentence(5)}');`,
        `  return items.filter((item) => item.${this.word()} > ${this.int(1000)}).length;`,
        '}',
        '',
      );
    }
    return lines.join('\n');
  }
  python(bytes: number): string {
    const lines = ['import os', 'import json', ''];
    while (lines.join('\n').length < bytes) {
      lines.push(
        `def ${this.word()}_${this.word()}(${this.word()}, ${this.word()}=None):`,
        `    """${this.sentence(9)}"""`,
        `    result = {"${this.word()}": ${this.int(100)}, "${this.word()}": os.environ.get("${this.word().toUpperCase()}_URL")}`,
        `    return json.dumps(result)`,
        '',
      );
    }
    return lines.join('\n');
  }
  golang(bytes: number): string {
    const lines = ['package main', '', 'import "fmt"', ''];
    while (lines.join('\n').length < bytes) {
      const name = this.camel(2);
      lines.push(`// ${name[0]!.toUpperCase()}${name.slice(1)} ${this.sentence(8)}`, `func ${name}(n int) error {`, `\tfmt.Println("${this.sentence(4)}", n)`, '\treturn nil', '}', '');
    }
    return lines.join('\n');
  }
  markdown(bytes: number): string {
    const lines = [`# ${this.sentence(4)}`, ''];
    while (lines.join('\n').length < bytes) {
      lines.push(`## ${this.sentence(3)}`, '', this.sentence(40), '', '```sh', `npm run ${this.word()} -- --${this.word()}=${this.int(10)}`, '```', '');
    }
    return lines.join('\n');
  }
  yaml(bytes: number): string {
    const lines = ['version: 2', 'services:'];
    while (lines.join('\n').length < bytes) {
      lines.push(`  ${this.word()}-${this.word()}:`, `    image: ${this.word()}:${this.int(20)}.${this.int(10)}`, '    environment:', `      - ${this.word().toUpperCase()}_PORT=${3000 + this.int(5000)}`, `      - LOG_LEVEL=${this.word()}`);
    }
    return lines.join('\n');
  }
  lockfile(bytes: number): string {
    const lines = ['{', '  "lockfileVersion": 3,', '  "packages": {'];
    while (lines.join('\n').length < bytes) {
      const name = `${this.word()}-${this.word()}`;
      lines.push(
        `    "node_modules/${name}": {`,
        `      "version": "${this.int(9)}.${this.int(30)}.${this.int(20)}",`,
        `      "resolved": "https://registry.npmjs.org/${name}/-/${name}-1.0.0.tgz",`,
        `      "integrity": "sha512-${this.chars(B64, 86)}==",`,
        `      "license": "MIT"`,
        '    },',
      );
    }
    lines.push(`    "sha": "${this.chars(LOWER_HEX, 40)}"`, '  }', '}');
    return lines.join('\n');
  }
}

export interface GeneratedFile {
  path: string;
  content: string;
}

/** The files of the first commit, in a stable order. */
export function* syntheticFiles(count: number, seed = 1): Generator<GeneratedFile> {
  const w = new Writer(random(seed));
  for (let i = 0; i < count; i++) {
    const pkg = `packages/${w.word()}-${i % 97}`;
    const roll = w.next();
    // Sizes: most files 2-16 KB, a few large ones (lockfiles, long docs), ~10 KB on average.
    const size = 2000 + w.int(14_000);
    let file: GeneratedFile;
    if (roll < 0.4) file = { path: `${pkg}/src/${w.word()}/${w.camel()}-${i}.ts`, content: w.typescript(size) };
    else if (roll < 0.5) file = { path: `${pkg}/py/${w.word()}_${i}.py`, content: w.python(size) };
    else if (roll < 0.58) file = { path: `${pkg}/go/${w.word()}_${i}.go`, content: w.golang(size) };
    else if (roll < 0.75) file = { path: `docs/${w.word()}/${w.word()}-${i}.md`, content: w.markdown(size) };
    else if (roll < 0.93) file = { path: `${pkg}/config/${w.word()}-${i}.yml`, content: w.yaml(size) };
    else file = { path: `${pkg}/package-lock-${i}.json`, content: w.lockfile(size * 2) };
    yield file;
  }
}

function writerFor(seed: number): Writer {
  return new Writer(random(seed));
}

/** New text for an existing file (the benchmark's staged changes), about `bytes` long. */
export function freshContent(seed: number, bytes: number): string {
  return writerFor(seed).typescript(bytes);
}

export function git(cwd: string, args: string[]): string {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** A fast-import `data` command. */
export const fastImportData = (content: string) => `data ${Buffer.byteLength(content)}\n${content}\n`;

/** Runs `git fast-import` on what `produce` writes; each write awaits back-pressure, so memory stays flat. */
export async function fastImportInto(repo: string, produce: (write: (text: string) => Promise<void>) => Promise<void>): Promise<void> {
  const child = spawn('git', ['fast-import', '--quiet'], { cwd: repo, stdio: ['pipe', 'inherit', 'inherit'] });
  const done = new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git fast-import exited with ${code}`))));
  });
  await produce(async (text) => {
    if (!child.stdin.write(text)) await new Promise((resolve) => child.stdin.once('drain', resolve));
  });
  child.stdin.end();
  await done;
}

/** Streams commits into `git fast-import`. */
async function fastImport(repo: string, files: number, commits: number): Promise<void> {
  await fastImportInto(repo, async (write) => {
    const blob = fastImportData;
    let time = 1_700_000_000;
    const header = (mark: number, message: string) =>
      `commit refs/heads/main\nmark :${mark}\ncommitter Bench <bench@example.invalid> ${time++} +0000\n${blob(message)}${mark > 1 ? `from :${mark - 1}\n` : ''}`;

    const paths: string[] = [];
    await write(header(1, 'Initial import'));
    for (const file of syntheticFiles(files)) {
      paths.push(file.path);
      await write(`M 100644 inline ${file.path}\n${blob(file.content)}`);
    }
    const w = writerFor(7);
    for (let mark = 2; mark <= commits; mark++) {
      await write(header(mark, w.sentence(6)));
      const changed = 1 + w.int(12);
      for (let k = 0; k < changed; k++) {
        const path = paths[w.int(paths.length)]!;
        await write(`M 100644 inline ${path}\n${blob(w.typescript(2000 + w.int(8000)))}`);
      }
    }
  });
}

/** The cached repository (built on first use). */
export async function syntheticRepository(options: SyntheticOptions, log: (line: string) => void): Promise<string> {
  const repo = join(options.cacheDir, `synthetic-v${GENERATOR_VERSION}-${options.files}-files-${options.commits}-commits`);
  const ready = join(repo, '.git', 'keyguard-bench-ready');
  if (existsSync(ready)) return repo;
  rmSync(repo, { recursive: true, force: true });
  mkdirSync(repo, { recursive: true });
  log(`building a synthetic repository (${options.files} files, ${options.commits} commits) in ${repo}; cached for later runs…`);
  git(repo, ['init', '--quiet', '--initial-branch=main']);
  git(repo, ['config', 'user.name', 'Bench']);
  git(repo, ['config', 'user.email', 'bench@example.invalid']);
  git(repo, ['config', 'commit.gpgSign', 'false']);
  await fastImport(repo, options.files, options.commits);
  git(repo, ['reset', '--quiet', '--hard', 'main']);
  writeFileSync(ready, `${new Date().toISOString()}\n`);
  return repo;
}

/**
 * `count` new commits on `branch`, starting from `from`, each changing one to three existing files
 * (small edits of mid-size files, as a day of pushes brings), through `git fast-import`.
 */
export async function appendCommits(repo: string, options: { branch: string; from: string; count: number; seed: number }): Promise<void> {
  const paths = git(repo, ['ls-tree', '-r', '--name-only', options.from]).trim().split('\n');
  const w = writerFor(options.seed);
  let time = 1_800_000_000;
  await fastImportInto(repo, async (write) => {
    for (let mark = 1; mark <= options.count; mark++) {
      await write(`commit refs/heads/${options.branch}\nmark :${mark}\ncommitter Bench <bench@example.invalid> ${time++} +0000\n${fastImportData(w.sentence(8))}`);
      await write(mark === 1 ? `from ${options.from}\n` : `from :${mark - 1}\n`);
      const changed = 1 + w.int(3);
      for (let k = 0; k < changed; k++) {
        const path = paths[w.int(paths.length)]!;
        const content = path.endsWith('.json') ? w.lockfile(4000 + w.int(8000)) : w.typescript(2000 + w.int(8000));
        await write(`M 100644 inline ${path}\n${fastImportData(content)}`);
      }
    }
  });
}
