// Build: the CLI as one CommonJS file (what every commit runs: Node starts a CommonJS entry and
// loads built-in modules faster than through the ES module loader), the library as an ES module,
// and type declarations from tsc, which also type-checks.
import { build } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

rmSync(join(root, 'dist'), { recursive: true, force: true });
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  // Runtime dependencies stay packages of their own (installed beside keyguard), loaded only when used.
  packages: 'external',
  define: { __KEYGUARD_VERSION__: JSON.stringify(pkg.version) },
  logLevel: 'warning',
};
// Code the commit hook does not run (other commands, other report formats, the isomorphic-git
// backend) goes into chunks of its own, required only when used: every commit parses less.
const COLD = /^(\.\.?\/)+(commands\/(hook|install|doctor|incident|demo|baseline|errors|help|ci|pre-receive)|report\/(json|sarif|provenance)|install\/(install|server)|git\/iso-backend|iso-backend|git\/exposure|exposure|scan\/detect-pool|detect-pool)\.js$/;
const coldEntries = {};
/** Turns a dynamic import of cold code into a require of its chunk, relative to the file being built. */
const splitCold = (chunksDir) => ({
  name: 'split-cold-code',
  setup(plugin) {
    plugin.onResolve({ filter: COLD }, (args) => {
      if (args.kind !== 'dynamic-import') return undefined;
      const source = join(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      const name = source.slice(join(root, 'src').length + 1).replace(/\.ts$/, '').replace(/\//g, '-');
      coldEntries[name] = source;
      return { path: `${chunksDir}${name}.cjs`, external: true };
    });
  },
});
const cjs = (outfile, chunksDir) => ({
  ...common,
  outfile,
  format: 'cjs',
  banner: { js: 'const __importMetaUrl = require("node:url").pathToFileURL(__filename).href;' },
  define: { ...common.define, 'import.meta.url': '__importMetaUrl' },
  plugins: [splitCold(chunksDir)],
});
await build({ ...cjs('dist/cli.cjs', './chunks/'), entryPoints: ['src/cli.ts'] });
// The detection worker the whole-tree and history scans start (src/scan/detect-pool.ts).
await build({ ...cjs('dist/detect-worker.cjs', './chunks/'), entryPoints: ['src/scan/detect-worker.ts'] });
// Chunks may load further chunks: build until no new one appears.
for (let built = new Set(); Object.keys(coldEntries).some((name) => !built.has(name)); ) {
  for (const [name, source] of Object.entries(coldEntries).filter(([name]) => !built.has(name))) {
    await build({ ...cjs(`dist/chunks/${name}.cjs`, './'), entryPoints: [source] });
    built.add(name);
  }
}
// esbuild leaves import() of an external file as it is; a chunk is CommonJS, and require() loads it
// without starting the ES module loader.
for (const file of ['dist/cli.cjs', ...Object.keys(coldEntries).map((name) => `dist/chunks/${name}.cjs`)]) {
  const path = join(root, file);
  writeFileSync(path, readFileSync(path, 'utf8').replace(/\bimport\(("\.\/[^"]+\.cjs")\)/g, 'Promise.resolve(require($1))'));
}
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', format: 'esm' });
try {
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.json'), '--emitDeclarationOnly'], {
    stdio: 'inherit',
  });
} catch {
  console.error('build: the type check failed (see above).');
  process.exit(1);
}
