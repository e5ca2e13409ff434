// npm run bench: bundles bench/main.ts (TypeScript, type-checked with the tests) and runs it.
// Arguments are passed on: npm run bench -- --files 20000 --runs 11 --json results.json
import { build } from 'esbuild';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(mkdtempSync(join(tmpdir(), 'keyguard-bench-')), 'bench.mjs');
await build({
  absWorkingDir: root,
  entryPoints: ['bench/main.ts'],
  outfile: out,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
  // The bench resolves the project from its own location: tell it where that is.
  define: { 'import.meta.url': JSON.stringify(pathToFileURL(join(root, 'bench', 'main.ts')).href) },
});
await import(pathToFileURL(out).href);
