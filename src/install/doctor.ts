import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { configGet, runGitSync } from './git.js';
import { hookOwner } from './dispatcher.js';
import { detectManagers, managerFix } from './managers.js';
import { isProblem, locateProject } from './layout.js';
import { probeHooks, projectFolder, type ProbeResult } from './probe.js';
import { lfsCheck } from './lfs.js';
import { listWorktrees } from './worktrees.js';

export interface Check {
  ok: boolean;
  /** Not protected when false and not a warning; a warning is worth knowing but does not leave commits unchecked. */
  warning?: boolean;
  text: string;
  fix?: string;
}

// --no-install: keyguard is not on the npm registry, and npx must never fetch a package of that name.
const REINSTALL = 'npx --no-install keyguard install';

/** husky's per-user start-up file, which its dispatcher (and keyguard's) sources before every hook. */
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

/** The hooks folder git uses in `worktree`, absolute. */
function hooksDirOf(worktree: string, env: NodeJS.ProcessEnv): string | undefined {
  const result = runGitSync(worktree, ['rev-parse', '--git-path', 'hooks'], env);
  if (!result.ok) return undefined;
  return isAbsolute(result.stdout) ? result.stdout : resolve(worktree, result.stdout);
}

const PROBE_TEXT: Record<ProbeResult['hook'], string> = {
  'pre-commit': 'a commit of a file with an AWS key',
  'commit-msg': 'a commit message with an AWS key',
  'pre-push': 'a push of a commit with an AWS key',
};

/**
 * Whether this clone is protected, proven the way git will exercise it: a commit, a commit message
 * and a push with a generated fake key, through the hooks git runs here (see probe.ts), each of
 * which must be stopped by keyguard. It names the hook manager in charge and what to run to fix
 * each problem.
 */
export function diagnose(startDir: string, env: NodeJS.ProcessEnv = process.env): Check[] {
  const checks: Check[] = [];
  const layout = locateProject(startDir, env);
  if (isProblem(layout) && layout.problem !== 'not-a-dependency') {
    checks.push({ ok: false, text: layout.message });
    return checks;
  }
  const { gitRoot, commonDir } = layout;
  if (isProblem(layout)) {
    // The probe below says whether the hooks find a keyguard anyway (a linked worktree uses the main one's).
    const manager = layout.packageManager;
    checks.push({ ok: false, warning: true, text: 'keyguard is not installed in this worktree (no node_modules/keyguard)', fix: `${manager.install} (or, if the project does not list it yet: ${manager.add})` });
  }
  const hooksDir = hooksDirOf(startDir, env);
  if (!hooksDir) {
    checks.push({ ok: false, text: 'git cannot say which hooks folder it uses here' });
    return checks;
  }
  const hooksPath = configGet(startDir, 'core.hooksPath', undefined, env);
  const owner = hookOwner(join(hooksDir, 'pre-commit')) ?? 'nothing';
  const managers = detectManagers(gitRoot, layout.huskyDir, isProblem(layout) ? undefined : layout.packageJson);
  checks.push({
    ok: true,
    text: `git runs the hooks in ${hooksDir}${hooksPath !== undefined ? ` (core.hooksPath = ${hooksPath})` : ''}; its pre-commit hook is ${owner === 'nothing' ? 'missing' : `${owner}'s`}`,
  });

  if (env.HUSKY === '0') {
    checks.push({ ok: false, text: 'HUSKY=0 is set in this environment: git runs no husky or keyguard hooks here', fix: 'unset HUSKY (check your shell profile and ~/.config/husky/init.sh)' });
  }
  const init = huskyInitFile(env);
  if (init && setsHuskyOff(readFileSync(init, 'utf8'))) {
    checks.push({
      ok: false,
      text: `${init} sets HUSKY=0: it is sourced before every hook, so git runs no hooks (keyguard included)`,
      fix: `remove the HUSKY=0 line from ${init}`,
    });
  }

  const started = Date.now();
  let probes: ProbeResult[];
  try {
    probes = probeHooks(
      { worktree: layout.gitRoot, commonDir, hooksDir, projectDir: projectFolder(gitRoot, layout.projectDir), huskyDir: layout.huskyDir },
      env,
    );
  } catch (error) {
    checks.push({ ok: false, text: `could not run the hooks on a probe: ${(error as Error).message}` });
    return checks;
  }
  const reinstall = `${layout.packageManager.run} install`;
  const fix = managerFix(owner, managers, reinstall);
  for (const probe of probes) {
    if (probe.blocked) {
      checks.push({ ok: true, text: `${probe.hook}: keyguard blocked ${PROBE_TEXT[probe.hook]}` });
    } else if (probe.status === 0) {
      checks.push({ ok: false, text: `${probe.hook}: ${PROBE_TEXT[probe.hook]} went through (the ${probe.hook} hook git runs does not run keyguard)`, fix });
    } else {
      checks.push({
        ok: false,
        text: `${probe.hook}: git stopped ${PROBE_TEXT[probe.hook]}, but not with keyguard's finding (exit ${probe.status ?? 'timeout'}): ${probe.output}`,
        fix: /is missing|cannot find node|not found|lists no keyguard/.test(probe.output) ? `${layout.packageManager.install} (keyguard must be installed for the hooks to run it)` : fix,
      });
    }
  }
  const lfs = lfsCheck(commonDir, gitRoot, hooksDir, reinstall, env);
  if (lfs) checks.push(lfs);
  checks.push({ ok: true, text: `(the probe took ${((Date.now() - started) / 1000).toFixed(1)} s, in a throwaway clone)` });

  for (const manager of managers) {
    if (manager.name !== owner && !(owner === 'keyguard' && manager.name === 'husky')) {
      checks.push({
        ok: false,
        warning: true,
        text: `${manager.configFile} configures ${manager.name}, but git runs ${owner === 'nothing' ? 'no' : `${owner}'s`} hooks: ${manager.name}'s own checks do not run`,
        fix: manager.install,
      });
    }
  }

  for (const worktree of listWorktrees(gitRoot)) {
    if (worktree.bare || worktree.path === gitRoot) continue;
    const theirs = hooksDirOf(worktree.path, env);
    const same = theirs !== undefined && resolve(theirs) === resolve(hooksDir);
    checks.push(
      same
        ? { ok: true, text: `linked worktree ${worktree.path} runs the same hooks` }
        : { ok: false, text: `linked worktree ${worktree.path} runs other hooks (${theirs ?? 'none'}): its commits are not proven checked`, fix: reinstall },
    );
  }
  return checks;
}

export function isHealthy(checks: Check[]): boolean {
  return checks.every((check) => check.ok || check.warning);
}
