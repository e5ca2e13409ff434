import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { toPosix } from '../posix-path.js';
import { chainedSources, hasBlock } from './hook-scripts.js';
import { isProblem, locateProject } from './layout.js';
import { findSilencedHooks } from './legacy-hooks.js';
import { configGet } from './git.js';
import { dispatcherWorks, effectiveHooksDir, isHuskyDispatcher, launcherPath, listWorktrees } from './worktrees.js';

export interface Check {
  ok: boolean;
  /** Not protected when false and not a warning; a warning is worth knowing but does not leave commits unchecked. */
  warning?: boolean;
  text: string;
  fix?: string;
}

const BLOCKING_HOOKS = ['pre-commit', 'pre-merge-commit', 'commit-msg', 'pre-push'];
// --no-install: keyguard is not on the npm registry, and npx must never fetch a package of that name.
const REINSTALL = 'npx --no-install keyguard install';

/** husky's per-user start-up file, which its dispatcher sources before every hook. */
function huskyInitFile(env: NodeJS.ProcessEnv): string | undefined {
  const home = env.HOME ?? env.USERPROFILE;
  const config = env.XDG_CONFIG_HOME || (home ? join(home, '.config') : undefined);
  const file = config ? join(config, 'husky', 'init.sh') : undefined;
  return file && existsSync(file) ? file : undefined;
}

/** A line that switches husky off (`HUSKY=0`, `export HUSKY=0`), not commented out. */
function setsHuskyOff(script: string): boolean {
  return script.split('\n').some((line) => /^\s*(export\s+)?HUSKY=(0|"0"|'0')(\s|;|$)/.test(line));
}

/** The launcher path a keyguard block gives, relative to the husky folder: `../node_modules/keyguard`. */
function keyguardFromBlock(script: string): string | undefined {
  return /^keyguard="\$\{0%\/\*\}\/(.+)\/hooks\/keyguard\.sh"$/m.exec(script)?.[1];
}

function readIfExists(file: string): string | undefined {
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
}

/**
 * Whether this clone is protected: hooks active, scripts in place, keyguard runnable from them, every
 * worktree covered. It follows the hooks git really runs here (core.hooksPath, worktree-scoped or
 * not), so it answers right from any folder: a monorepo's top level, a linked worktree that has no
 * node_modules of its own.
 */
export function diagnose(startDir: string, env: NodeJS.ProcessEnv = process.env): Check[] {
  const checks: Check[] = [];
  const layout = locateProject(startDir, env);
  if (isProblem(layout) && layout.problem !== 'not-a-dependency') {
    checks.push({ ok: false, text: layout.message });
    return checks;
  }
  const hooksDir = effectiveHooksDir(startDir);
  const hooksPath = configGet(startDir, 'core.hooksPath', undefined, env);
  const dispatcher = isHuskyDispatcher(hooksDir);
  // The scripts husky's dispatcher runs are in the folder above it; without a dispatcher, the ones
  // `keyguard install` would set up for this project.
  let scriptsDir: string;
  if (dispatcher) scriptsDir = dirname(hooksDir);
  else if (!isProblem(layout)) scriptsDir = join(layout.gitRoot, layout.huskyDir);
  else {
    checks.push({ ok: false, text: layout.message, fix: 'install keyguard as a devDependency (from its tarball or git URL: see keyguard\'s README)' });
    return checks;
  }
  const { gitRoot, commonDir } = layout;
  const shown = (path: string) => toPosix(relative(gitRoot, path)) || '.';
  checks.push({ ok: true, text: `git repository ${gitRoot}; hooks folder ${shown(scriptsDir)}` });

  if (env.HUSKY === '0') {
    checks.push({ ok: false, text: 'HUSKY=0 is set in this environment: git runs no hooks here', fix: 'unset HUSKY (check your shell profile and ~/.config/husky/init.sh)' });
  }

  const init = huskyInitFile(env);
  if (init && setsHuskyOff(readFileSync(init, 'utf8'))) {
    checks.push({
      ok: false,
      text: `${init} sets HUSKY=0: husky sources it before every hook, so git runs no hooks (keyguard included)`,
      fix: `remove the HUSKY=0 line from ${init}`,
    });
  }

  const keyguardFromHusky =
    keyguardFromBlock(readIfExists(join(scriptsDir, 'pre-commit')) ?? '') ?? (isProblem(layout) ? undefined : layout.keyguardFromHusky);
  const launcher = keyguardFromHusky === undefined ? undefined : launcherPath(scriptsDir, keyguardFromHusky);
  const launcherExists = launcher !== undefined && existsSync(launcher);
  if (dispatcher && launcherExists) {
    checks.push({ ok: true, text: `core.hooksPath = ${hooksPath} (husky's dispatcher is there)` });
  } else {
    checks.push({
      ok: false,
      text: hooksPath ? `core.hooksPath = ${hooksPath}, but no working husky dispatcher is there` : 'core.hooksPath is not set: git runs .git/hooks, not keyguard',
      fix: REINSTALL,
    });
  }

  for (const hook of BLOCKING_HOOKS) {
    const script = readIfExists(join(scriptsDir, hook));
    const runs = script !== undefined && hasBlock(script);
    const name = `${shown(scriptsDir)}/${hook}`;
    checks.push(runs ? { ok: true, text: `${name} runs keyguard` } : { ok: false, text: `${name} does not run keyguard`, fix: REINSTALL });
  }

  // HUSKY=0 (reported above) would make the launcher exit before answering.
  const pingEnv = { ...env };
  delete pingEnv.HUSKY;
  const ping = launcherExists ? spawnSync('sh', [launcher, 'ping'], { cwd: gitRoot, env: pingEnv, encoding: 'utf8' }) : undefined;
  if (ping?.status === 0 && ping.stdout.trim() !== '') {
    checks.push({ ok: true, text: `keyguard runs from the hooks (${ping.stdout.trim()})` });
  } else {
    checks.push({
      ok: false,
      text: ping
        ? `the hooks cannot run keyguard: ${(ping.stderr || ping.stdout).trim().split('\n')[0]}`
        : `the hooks look for keyguard at ${launcher ? shown(launcher) : 'a path no keyguard block gives'}, which is missing`,
      fix: 'npm install',
    });
  }

  for (const worktree of listWorktrees(gitRoot)) {
    if (worktree.bare || worktree.path === gitRoot) continue;
    const works = keyguardFromHusky !== undefined && dispatcherWorks(effectiveHooksDir(worktree.path), keyguardFromHusky);
    checks.push(
      works
        ? { ok: true, text: `linked worktree ${worktree.path} is protected` }
        : { ok: false, text: `linked worktree ${worktree.path} has no hooks: its commits are not checked`, fix: REINSTALL },
    );
  }

  if (hooksPath !== undefined) {
    const silenced = findSilencedHooks(gitRoot, commonDir, undefined, undefined);
    const chained = (hook: string) => {
      const script = readIfExists(join(scriptsDir, hook));
      return script !== undefined && chainedSources(script).some((source) => source.kind === 'git-dir');
    };
    const notRunning = silenced?.hooks.filter((hook) => !chained(hook)) ?? [];
    if (notRunning.length > 0) {
      checks.push({
        ok: false,
        warning: true,
        text: `hooks in ${silenced!.folder} do not run while core.hooksPath is set: ${notRunning.join(', ')}`,
        fix: 'if you need them (git-lfs, pre-commit), call them from the matching .husky/ scripts',
      });
    }
  }
  return checks;
}

export function isHealthy(checks: Check[]): boolean {
  return checks.every((check) => check.ok || check.warning);
}
