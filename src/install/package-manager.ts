import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';

/**
 * The package manager a project installs with, and what it really runs on a teammate's install:
 * npm and pnpm run the project's own `prepare`; yarn berry (2+) runs no `prepare` on install, only
 * `postinstall`. pnpm (10+) and yarn (4.14+) do not run a dependency's install scripts unless the
 * project allows them, so keyguard's own postinstall cannot be what protects every clone.
 */
export interface PackageManager {
  name: 'npm' | 'pnpm' | 'yarn';
  /** The project's lifecycle script this manager runs on every install of the project. */
  script: 'prepare' | 'postinstall';
  /** What a teammate runs after cloning. */
  install: string;
  /** What adds keyguard to the project. */
  add: string;
  /** How to run keyguard's command in this project. */
  run: string;
  /** pnpm's workspace root: where pnpm-workspace.yaml (its settings, allowBuilds among them) belongs. */
  workspaceRoot?: string;
}

// keyguard is not on the npm registry yet: what adds it names its tarball or git URL, and npx runs
// only an installed copy (--no-install), never a package of the same name from the registry.
const SOURCE = '<keyguard tarball or git URL>';
const NPM: PackageManager = { name: 'npm', script: 'prepare', install: 'npm install', add: `npm install --save-dev ${SOURCE}`, run: 'npx --no-install keyguard' };
// --allow-build: pnpm 11+ fails the install while keyguard's build is neither allowed nor denied.
const PNPM = { name: 'pnpm', script: 'prepare', install: 'pnpm install', add: `pnpm add --save-dev ${SOURCE} --allow-build=keyguard`, run: 'pnpm exec keyguard' } as const;
const YARN_BERRY = { name: 'yarn', script: 'postinstall', install: 'yarn install', add: 'yarn add --dev keyguard@file:<keyguard tarball>', run: 'yarn keyguard' } as const;
// yarn 1 runs `prepare` after an install, like npm.
const YARN_CLASSIC = { ...YARN_BERRY, script: 'prepare' } as const;

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** `packageManager` of a package.json ("pnpm@12.1.0", "yarn@4.9.2+sha512…"): name and major version. */
function declared(packageJson: string): { name: string; major: number } | undefined {
  const text = readText(packageJson);
  if (text === undefined) return undefined;
  try {
    const field = (JSON.parse(text) as { packageManager?: unknown }).packageManager;
    const match = typeof field === 'string' ? /^(npm|pnpm|yarn)@(\d+)/.exec(field) : null;
    return match ? { name: match[1]!, major: Number(match[2]) } : undefined;
  } catch {
    return undefined;
  }
}

/** yarn.lock of yarn berry starts with a `__metadata:` block; yarn 1's does not. */
function isBerryLockfile(file: string): boolean {
  return /^__metadata:/m.test(readText(file)?.slice(0, 4096) ?? '');
}

/**
 * Which package manager installs the project at `projectDir`: its (or an enclosing workspace's, up
 * to the git top level) `packageManager` field, lockfile or settings file, else the one running
 * this command (`npm_config_user_agent`), else npm.
 */
export function detectPackageManager(projectDir: string, gitRoot: string, env: NodeJS.ProcessEnv = process.env): PackageManager {
  const inRepository = (dir: string) => !relative(gitRoot, dir).startsWith('..');
  for (let dir = projectDir; inRepository(dir); dir = dirname(dir)) {
    const at = (name: string) => existsSync(join(dir, name));
    const field = declared(join(dir, 'package.json'));
    if (field?.name === 'pnpm' || at('pnpm-lock.yaml') || at('pnpm-workspace.yaml')) {
      return { ...PNPM, workspaceRoot: dir };
    }
    if (field?.name === 'yarn') return { ...(field.major >= 2 ? YARN_BERRY : YARN_CLASSIC) };
    if (at('.yarnrc.yml') || at('.pnp.cjs') || (at('yarn.lock') && isBerryLockfile(join(dir, 'yarn.lock')))) return { ...YARN_BERRY };
    if (at('yarn.lock')) return { ...YARN_CLASSIC };
    if (field?.name === 'npm' || at('package-lock.json') || at('npm-shrinkwrap.json')) return { ...NPM };
    if (dirname(dir) === dir) break;
  }
  const agent = /^(pnpm|yarn)\/(\d+)/.exec(env.npm_config_user_agent ?? '');
  if (agent?.[1] === 'pnpm') return { ...PNPM, workspaceRoot: projectDir };
  if (agent?.[1] === 'yarn') return Number(agent[2]) >= 2 ? { ...YARN_BERRY } : { ...YARN_CLASSIC };
  return { ...NPM };
}

/**
 * The `.pnp.cjs` of yarn's Plug'n'Play that serves the project at `projectDir` (in it or in an
 * enclosing workspace, up to the git top level), or undefined when packages live in node_modules.
 */
export function plugAndPlayFile(projectDir: string, gitRoot: string): string | undefined {
  for (let dir = projectDir; !relative(gitRoot, dir).startsWith('..'); dir = dirname(dir)) {
    if (existsSync(join(dir, '.pnp.cjs'))) return join(dir, '.pnp.cjs');
    if (dirname(dir) === dir) break;
  }
  return undefined;
}
