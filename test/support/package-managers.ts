import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packedKeyguard } from './package.js';
import { Sandbox, run, type RunResult } from './sandbox.js';

/**
 * pnpm and yarn as a user has them, installed from the npm registry into a folder the test file
 * owns: pnpm's current major, and yarn berry from @yarnpkg/cli-dist (the package corepack itself
 * downloads when COREPACK_NPM_REGISTRY is set; corepack's default source, repo.yarnpkg.com, is not
 * reachable from every machine). keyguard comes from a local registry (registry-server.mjs), as
 * if published: pnpm allows builds and yarn resolves upgrades by package name and version.
 */

export const PNPM_SPEC = 'pnpm@12';
export const YARN_SPEC = '@yarnpkg/cli-dist@4';

export interface PackageManagers {
  /** Folder holding the tools, the registry's tarballs, pnpm's store and yarn's cache. */
  dir: string;
  /** The environment that runs them: tools on PATH, the local registry, stores inside `dir`. */
  env: NodeJS.ProcessEnv;
  pnpmVersion: string;
  yarnVersion: string;
  /** Puts a tarball into the local registry as a published version. */
  publish(tarball: string): void;
  stop(): void;
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function upstreamRegistry(env: NodeJS.ProcessEnv): string {
  const configured = run('npm', ['config', 'get', 'registry'], process.cwd(), env).stdout.trim();
  return (configured || 'https://registry.npmjs.org/').replace(/\/+$/, '');
}

/**
 * Installs pnpm and yarn and starts the local registry with keyguard's packed version published.
 * Returns why not, as a sentence, when the tools cannot be installed (no registry reachable).
 */
export function setUpPackageManagers(): PackageManagers | string {
  const base = Sandbox.empty();
  const dir = base.dir;
  const tools = join(dir, 'tools');
  const installed = run('npm', ['install', '--no-audit', '--no-fund', '--prefix', tools, PNPM_SPEC, YARN_SPEC], dir, base.env);
  if (installed.status !== 0) {
    base.remove();
    return `could not install ${PNPM_SPEC} and ${YARN_SPEC} from the npm registry: ${installed.stderr.trim().split('\n').at(-1) ?? ''}`;
  }
  const packages = join(dir, 'registry');
  mkdirSync(packages);
  copyFileSync(packedKeyguard(), join(packages, 'keyguard-current.tgz'));
  const portFile = join(dir, 'registry-port');
  const server: ChildProcess = spawn(
    process.execPath,
    [join(dirname(fileURLToPath(import.meta.url)), 'registry-server.mjs'), portFile, upstreamRegistry(base.env), packages],
    { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] },
  );
  for (let waited = 0; !existsSync(portFile) && waited < 20_000; waited += 50) sleep(50);
  if (!existsSync(portFile)) {
    server.kill();
    base.remove();
    return 'the local test registry did not start';
  }
  const registry = `http://127.0.0.1:${readFileSync(portFile, 'utf8').trim()}`;
  const env: NodeJS.ProcessEnv = {
    ...base.env,
    PATH: `${join(tools, 'node_modules', '.bin')}:${base.env.PATH ?? ''}`,
    PNPM_CONFIG_REGISTRY: `${registry}/`,
    PNPM_CONFIG_STORE_DIR: join(dir, 'pnpm-store'),
    YARN_NPM_REGISTRY_SERVER: registry,
    YARN_UNSAFE_HTTP_WHITELIST: '127.0.0.1',
    YARN_GLOBAL_FOLDER: join(dir, 'yarn-global'),
    YARN_ENABLE_TELEMETRY: '0',
    YARN_ENABLE_PROGRESS_BARS: '0',
  };
  const version = (command: string) => run(command, ['--version'], dir, env).stdout.trim();
  return {
    dir,
    env,
    pnpmVersion: version('pnpm'),
    yarnVersion: version('yarn'),
    publish: (tarball) => copyFileSync(tarball, join(packages, tarball.split('/').at(-1)!)),
    stop: () => {
      server.kill();
      base.remove();
    },
  };
}

/** keyguard's packed tarball with its version's patch number raised: the release a user upgrades to. */
export function nextRelease(folder: string): { tarball: string; version: string } {
  const unpacked = join(folder, 'next');
  mkdirSync(unpacked, { recursive: true });
  const untar = run('tar', ['-xzf', packedKeyguard(), '-C', unpacked], folder, process.env);
  if (untar.status !== 0) throw new Error(`tar failed: ${untar.stderr}`);
  const manifestFile = join(unpacked, 'package', 'package.json');
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8')) as { version: string };
  const [major, minor, patch] = manifest.version.split(/[.-]/).map(Number);
  manifest.version = `${major}.${minor}.${(patch ?? 0) + 1}`;
  writeFileSync(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
  const tarball = join(folder, `keyguard-${manifest.version}.tgz`);
  const tar = run('tar', ['-czf', tarball, '-C', unpacked, 'package'], folder, process.env);
  if (tar.status !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  rmSync(unpacked, { recursive: true, force: true });
  return { tarball, version: manifest.version };
}

/** The package manager's command in `cwd`, with the test environment. */
export function manager(tools: PackageManagers, command: 'pnpm' | 'yarn', args: string[], cwd: string): RunResult {
  return run(command, args, cwd, tools.env);
}
