import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { chainedSources, hasBlock } from './hook-scripts.js';
import { isProblem, locateProject } from './layout.js';
import { findSilencedHooks } from './legacy-hooks.js';
import { configGet } from './git.js';
import { dispatcherWorks, effectiveHooksDir, listWorktrees } from './worktrees.js';

export interface Check {
  ok: boolean;
  /** Not protected when false and not a warning; a warning is worth knowing but does not leave commits unchecked. */
  warning?: boolean;
  text: string;
  fix?: string;
}

const BLOCKING_HOOKS = ['pre-commit', 'pre-merge-commit', 'commit-msg', 'pre-push'];
const REINSTALL = 'npx keyguard install';

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

/** Whether this clone is protected: hooks active, scripts in place, keyguard runnable from them, every worktree covered. */
export function diagnose(startDir: string, env: NodeJS.ProcessEnv = process.env): Check[] {
  const checks: Check[] = [];
  const layout = locateProject(startDir, env);
  if (isProblem(layout)) {
    checks.push({ ok: false, text: layout.message, fix: layout.problem === 'not-a-dependency' ? 'npm install --save-dev keyguard' : undefined });
    return checks;
  }
  const { gitRoot, huskyDir, keyguardFromHusky } = layout;
  checks.push({ ok: true, text: `git repository ${gitRoot}; hooks folder ${huskyDir}` });

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

  const hooksDir = effectiveHooksDir(gitRoot);
  const hooksPath = configGet(gitRoot, 'core.hooksPath', undefined, env);
  if (dispatcherWorks(hooksDir, keyguardFromHusky)) {
    checks.push({ ok: true, text: `core.hooksPath = ${hooksPath} (husky's dispatcher is there)` });
  } else {
    checks.push({
      ok: false,
      text: hooksPath ? `core.hooksPath = ${hooksPath}, but no working husky dispatcher is there` : 'core.hooksPath is not set: git runs .git/hooks, not keyguard',
      fix: REINSTALL,
    });
  }

  for (const hook of BLOCKING_HOOKS) {
    const file = join(gitRoot, huskyDir, hook);
    const runs = existsSync(file) && hasBlock(readFileSync(file, 'utf8'));
    checks.push(runs ? { ok: true, text: `${huskyDir}/${hook} runs keyguard` } : { ok: false, text: `${huskyDir}/${hook} does not run keyguard`, fix: REINSTALL });
  }

  const launcher = join(gitRoot, huskyDir, keyguardFromHusky, 'hooks', 'keyguard.sh');
  const ping = existsSync(launcher) ? spawnSync('sh', [launcher, 'ping'], { cwd: gitRoot, env, encoding: 'utf8' }) : undefined;
  if (ping?.status === 0) {
    checks.push({ ok: true, text: `keyguard runs from the hooks (${ping.stdout.trim()})` });
  } else {
    checks.push({
      ok: false,
      text: ping ? `the hooks cannot run keyguard: ${(ping.stderr || ping.stdout).trim().split('\n')[0]}` : `the hooks look for keyguard at ${relative(gitRoot, launcher)}, which is missing`,
      fix: 'npm install',
    });
  }

  for (const worktree of listWorktrees(gitRoot)) {
    if (worktree.bare || worktree.path === gitRoot) continue;
    const works = dispatcherWorks(effectiveHooksDir(worktree.path), keyguardFromHusky);
    checks.push(
      works
        ? { ok: true, text: `linked worktree ${worktree.path} is protected` }
        : { ok: false, text: `linked worktree ${worktree.path} has no hooks: its commits are not checked`, fix: REINSTALL },
    );
  }

  if (hooksPath !== undefined) {
    const silenced = findSilencedHooks(gitRoot, layout.commonDir, undefined, undefined);
    const chained = (hook: string) => {
      const file = join(gitRoot, huskyDir, hook);
      return existsSync(file) && chainedSources(readFileSync(file, 'utf8')).some((source) => source.kind === 'git-dir');
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
