import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The hook managers a project may already use. keyguard runs inside whichever one is in charge
 * (a command in its configuration) rather than take git's hooks away from it; with husky or none,
 * keyguard's own dispatcher is in charge and runs the husky scripts.
 */
export interface HookManager {
  name: 'lefthook' | 'simple-git-hooks' | 'the pre-commit framework' | 'husky';
  /** Where the project configures it, relative to the worktree top. */
  configFile: string;
  /** What sets up (or re-installs) its hooks. */
  install: string;
}

const LEFTHOOK_FILES = ['lefthook.yml', 'lefthook.yaml', '.lefthook.yml', '.lefthook.yaml', '.config/lefthook.yml', '.config/lefthook.yaml', 'lefthook.json', 'lefthook.toml'];
const SIMPLE_GIT_HOOKS_FILES = ['.simple-git-hooks.json', 'simple-git-hooks.json', '.simple-git-hooks.cjs', 'simple-git-hooks.cjs', '.simple-git-hooks.js', 'simple-git-hooks.js', '.simple-git-hooks.mjs', 'simple-git-hooks.mjs'];

function packageJsonOf(packageJson: string | undefined): Record<string, unknown> {
  if (!packageJson) return {};
  try {
    return JSON.parse(readFileSync(packageJson, 'utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The managers configured in this project, the ones to integrate with first. */
export function detectManagers(gitRoot: string, huskyDir: string, packageJson: string | undefined): HookManager[] {
  const found: HookManager[] = [];
  const at = (file: string) => existsSync(join(gitRoot, file));
  const lefthook = LEFTHOOK_FILES.find(at);
  if (lefthook) found.push({ name: 'lefthook', configFile: lefthook, install: 'npx lefthook install' });
  if (at('.pre-commit-config.yaml')) {
    found.push({ name: 'the pre-commit framework', configFile: '.pre-commit-config.yaml', install: 'pre-commit install --hook-type pre-commit --hook-type commit-msg --hook-type pre-push' });
  }
  const manifest = packageJsonOf(packageJson);
  const packageFolder = packageJson ? packageJson.slice(gitRoot.length + 1, -'package.json'.length) : '';
  const simpleFile = SIMPLE_GIT_HOOKS_FILES.map((name) => `${packageFolder}${name}`).find(at);
  if ('simple-git-hooks' in manifest || simpleFile) {
    found.push({ name: 'simple-git-hooks', configFile: simpleFile ?? `${packageFolder}package.json`, install: 'npx simple-git-hooks' });
  }
  if (existsSync(join(gitRoot, huskyDir))) found.push({ name: 'husky', configFile: `${huskyDir}/`, install: 'npx --no-install keyguard install' });
  return found;
}

/** What to run when the hooks git runs do not run keyguard, given who owns them; `reinstall` runs keyguard's install with the project's package manager. */
export function managerFix(owner: string, managers: HookManager[], reinstall = 'npx --no-install keyguard install'): string {
  switch (owner) {
    case 'lefthook':
      return 'add keyguard to lefthook.yml as the README shows (Install > lefthook), then: npx lefthook install';
    case 'simple-git-hooks':
      return 'add keyguard to the "simple-git-hooks" config as the README shows (Install > simple-git-hooks), then: npx simple-git-hooks';
    case 'the pre-commit framework':
      return 'add keyguard\'s hooks to .pre-commit-config.yaml as the README shows (Install > pre-commit), then: pre-commit install --hook-type pre-commit --hook-type commit-msg --hook-type pre-push';
    default: {
      const other = managers.find((manager) => manager.name !== 'husky');
      return other ? `${other.install} (after adding keyguard to ${other.configFile}, see the README), or ${reinstall}` : reinstall;
    }
  }
}

/** Whether a manager's configuration runs keyguard (a command naming it). */
export function managerRunsKeyguard(gitRoot: string, manager: HookManager): boolean {
  const file = join(gitRoot, manager.configFile);
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  if (manager.name === 'simple-git-hooks' && file.endsWith('package.json')) {
    const config = (packageJsonOf(file)['simple-git-hooks'] ?? {}) as Record<string, unknown>;
    return typeof config['pre-commit'] === 'string' && /keyguard/.test(config['pre-commit']);
  }
  return /keyguard/.test(text);
}
