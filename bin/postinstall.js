#!/usr/bin/env node
// keyguard's postinstall: when keyguard is installed as a dependency of a project inside a git
// repository, set up the project's git hooks. It never fails and never slows an install: wherever
// hooks cannot or should not be installed, it says so in one line and exits 0.
'use strict';
const { existsSync } = require('node:fs');
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

async function main() {
  if (!project) skip('not run by npm');
  if (resolve(project) === packageDir) process.exit(0); // installing keyguard's own dependencies
  if (env.KEYGUARD_SKIP_INSTALL === '1') skip('KEYGUARD_SKIP_INSTALL=1');
  if (env.HUSKY === '0') skip('HUSKY=0');
  if (env.CI && env.CI !== 'false' && env.CI !== '0') skip('CI');
  if ((env.npm_config_omit ?? '').split(/[\s,]+/).includes('dev') || env.NODE_ENV === 'production') skip('production install');
  if (!insideGitRepository(project)) skip('no git repository');
  if (!existsSync(join(packageDir, 'dist', 'cli.cjs'))) skip('keyguard is not built');

  const cli = require('../dist/cli.cjs');
  const io = { cwd: resolve(project), env, stdout: process.stdout, stderr: process.stdout, readStdin: async () => '', readStdinBytes: async () => Buffer.alloc(0) };
  await cli.main(['install', '--quiet'], io);
}

main().then(
  () => process.exit(0),
  (error) => skip(error instanceof Error ? error.message.split('\n')[0] : String(error)),
);
