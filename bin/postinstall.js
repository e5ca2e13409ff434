#!/usr/bin/env node
// keyguard's postinstall: when keyguard is installed as a dependency of a project inside a git
// repository, set up the project's git hooks (npm runs it; pnpm and yarn 4.14+ only where the
// project allows keyguard's build, and the project's own script that `keyguard install` adds
// covers every clone). It never fails and never slows an install: wherever hooks cannot or should
// not be installed, it says so in one line and exits 0.
'use strict';
const { existsSync, readdirSync, readFileSync, realpathSync } = require('node:fs');
const { dirname, join, resolve } = require('node:path');

const packageDir = resolve(__dirname, '..');
const env = process.env;
const project = env.INIT_CWD;

function skip(reason) {
  console.log(`keyguard: git hooks not installed (${reason}).`);
  process.exit(0);
}

function insideGitRepository(dir) {
  for (let at = resolve(dir); ; at = dirname(at)) {
    if (existsSync(join(at, '.git'))) return true;
    if (dirname(at) === at) return false;
  }
}

function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function real(path) {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

const DEPENDENCY_FIELDS = ['dependencies', 'devDependencies', 'optionalDependencies', 'peerDependencies'];
const lists = (manifest) => DEPENDENCY_FIELDS.some((field) => manifest && manifest[field] && typeof manifest[field].keyguard === 'string');

/** The packages installed at the top of node_modules (`name`, `@scope/name`). */
function topLevelManifests(nodeModules) {
  const manifests = [];
  let names = [];
  try {
    names = readdirSync(nodeModules);
  } catch {
    return manifests;
  }
  for (const name of names) {
    if (name.startsWith('.') || name === 'keyguard') continue;
    const folders = name.startsWith('@') ? (() => { try { return readdirSync(join(nodeModules, name)).map((inner) => join(name, inner)); } catch { return []; } })() : [name];
    for (const folder of folders) manifests.push(readJson(join(nodeModules, folder, 'package.json')));
  }
  return manifests;
}

/**
 * Only a direct dependency of the root project installs hooks: keyguard must be the project's own
 * node_modules/keyguard, and either the project lists it or no other installed package does (npm
 * writes package.json after install scripts, so keyguard, being installed (`npm install -D <tarball>`), is not listed yet). A
 * package that depends on keyguard must not set up git hooks in its users' repositories.
 */
function directDependency(projectDir) {
  if (process.versions.pnp) return plugAndPlayDependency(projectDir);
  if (real(join(projectDir, 'node_modules', 'keyguard')) !== real(packageDir)) return false;
  if (lists(readJson(join(projectDir, 'package.json')))) return true;
  return !topLevelManifests(join(projectDir, 'node_modules')).some(lists);
}

/**
 * yarn's Plug'n'Play (yarn runs install scripts with the project's .pnp.cjs loaded) has no
 * node_modules: the project's own keyguard is the one Plug'n'Play resolves for the project, and
 * yarn has written the project's package.json before it runs install scripts.
 */
function plugAndPlayDependency(projectDir) {
  let resolved;
  try {
    resolved = require.resolve('keyguard/package.json', { paths: [projectDir] });
  } catch {
    return false;
  }
  return real(dirname(resolved)) === real(packageDir) && lists(readJson(join(projectDir, 'package.json')));
}

/** How a project adds keyguard with the package manager running this script. */
function addCommand() {
  const manager = /^(pnpm|yarn)\//.exec(env.npm_config_user_agent || '');
  if (manager && manager[1] === 'pnpm') return 'pnpm add --save-dev <keyguard tarball or git URL> --allow-build=keyguard';
  if (manager && manager[1] === 'yarn') return 'yarn add --dev keyguard@file:<keyguard tarball>';
  return 'npm install --save-dev <keyguard tarball or git URL>';
}

/**
 * `npm install` in keyguard's own source checkout: build dist/ and install its dogfood hooks. This
 * is not a `prepare` script because `npm pack` runs prepare and prints its banner on stdout, where
 * the pre-commit framework reads the name of the packed file (language: node).
 */
function developmentSetup() {
  const { spawnSync } = require('node:child_process');
  if (!existsSync(join(packageDir, 'scripts', 'build.mjs'))) process.exit(0);
  const build = spawnSync(process.execPath, [join(packageDir, 'scripts', 'build.mjs')], { cwd: packageDir, stdio: ['ignore', 'inherit', 'inherit'] });
  if (build.status !== 0) process.exit(build.status ?? 1);
  const hooks = spawnSync(process.execPath, [join(packageDir, 'bin', 'keyguard.js'), 'install', '--quiet'], { cwd: packageDir, stdio: ['ignore', 'inherit', 'inherit'] });
  process.exit(hooks.status ?? 0);
}

async function main() {
  if (!project) skip('not run by npm');
  if (resolve(project) === packageDir) developmentSetup(); // installing keyguard's own dependencies
  if (env.KEYGUARD_SKIP_INSTALL === '1') skip('KEYGUARD_SKIP_INSTALL=1');
  if (env.HUSKY === '0') skip('HUSKY=0');
  if (env.CI && env.CI !== 'false' && env.CI !== '0') skip('CI');
  if ((env.npm_config_omit ?? '').split(/[\s,]+/).includes('dev') || env.NODE_ENV === 'production') skip('production install');
  if (!insideGitRepository(project)) skip('no git repository');
  if (!directDependency(resolve(project))) skip(`keyguard is a dependency of another package here, not of this project; to protect this repository: ${addCommand()}`);
  if (!existsSync(join(packageDir, 'dist', 'cli.cjs'))) skip('keyguard is not built');

  const cli = require('../dist/cli.cjs');
  const io = { cwd: resolve(project), env, stdout: process.stdout, stderr: process.stdout, readStdin: async () => '', readStdinBytes: async () => Buffer.alloc(0) };
  await cli.main(['install', '--quiet'], io);
}

main().then(
  () => process.exit(0),
  (error) => skip(error instanceof Error ? error.message.split('\n')[0] : String(error)),
);
