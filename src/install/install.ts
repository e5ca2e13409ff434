import { existsSync, readdirSync, readFileSync, realpathSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { packageRoot } from '../package-root.js';
import { toPosix } from '../posix-path.js';
import { configGet, configSet, configUnset, runGitSync } from './git.js';
import { DISPATCHED_HOOKS, removeDispatchers, renderDispatcher, stateDir, writeDispatchers, type ChainedFolder } from './dispatcher.js';
import { LFS_HOOKS, lfsEvidence } from './lfs.js';
import { hasBlock, isEmptyScript, withoutBlock } from './hook-scripts.js';
import { isProblem, locateProject, type ProjectLayout } from './layout.js';
import { detectManagers, managerRunsKeyguard } from './managers.js';
import { HOOKS_COMMAND, updateScript, withHooksCommand, withoutHooksCommand, type ScriptChange } from './package-json.js';
import { allowKeyguardBuilds, removeKeyguardBuilds, WORKSPACE_FILE } from './pnpm-workspace.js';
import { recordRemoteUrls } from './remote-urls.js';
import { ENABLED_WORKTREE_CONFIG, listWorktrees, unprotectWorktree } from './worktrees.js';

/**
 * Per-clone memory (local git config) of what install changed beyond files, so that uninstall
 * undoes exactly that: the core.hooksPath it replaced (or that there was none), whether
 * package.json had a "scripts" object, whether pnpm-workspace.yaml or its keyguard entry was added.
 */
const PREVIOUS_HOOKS_PATH = 'keyguard.previousHooksPath';
const HOOKS_PATH_WAS_UNSET = 'keyguard.hooksPathWasUnset';
const CREATED_SCRIPTS = 'keyguard.createdScripts';
const ALLOWED_BUILDS = 'keyguard.pnpmAllowBuilds';
/** Settings earlier keyguard versions kept, removed on the way. */
const RETIRED_KEYS = ['keyguard.createdDispatcher', 'keyguard.dispatcherBackup'];

export interface InstallReport {
  /** What was done or found, one line each, for people. */
  lines: string[];
  /** Nothing could be installed here (and why); not an error for npm lifecycle scripts. */
  skipped?: string;
  /** Something went wrong. */
  failed?: string;
  changed: boolean;
  /** Files whose change the user should commit, so that every clone gets the hooks (relative to where install ran). */
  toCommit?: string[];
  /** What a teammate runs after cloning (`npm install`, `pnpm install`, `yarn install`). */
  teammateInstall?: string;
}

/** The hooks folder git uses when no core.hooksPath is set: shared by every worktree. */
function commonHooksDir(layout: ProjectLayout): string {
  return join(layout.commonDir, 'hooks');
}

function absoluteFrom(gitRoot: string, path: string): string {
  return isAbsolute(path) ? path : resolve(gitRoot, path);
}

/** A husky 9 dispatcher folder (`.husky/_`, with its `h`): its scripts are in the folder above. */
function isHuskyDispatcherFolder(folder: string): boolean {
  return existsSync(join(folder, 'h'));
}

/**
 * What the hooks path git used before keyguard means: husky's (its scripts become the project's
 * scripts the dispatcher runs), keyguard's own, or a folder of hooks to keep running.
 */
function classifyHooksPath(layout: ProjectLayout, hooksPath: string | undefined): { huskyDir?: string; chained?: ChainedFolder } {
  if (hooksPath === undefined) return {};
  const folder = absoluteFrom(layout.gitRoot, hooksPath);
  if (resolve(folder) === resolve(commonHooksDir(layout))) return {};
  const fromRoot = relative(layout.gitRoot, folder);
  const inside = !fromRoot.startsWith('..') && !isAbsolute(fromRoot);
  // husky 9 (`.husky/_`) or husky 8 (`.husky` itself, whose scripts source `_/husky.sh`).
  if (inside && isHuskyDispatcherFolder(folder)) return { huskyDir: toPosix(relative(layout.gitRoot, dirname(folder))) };
  if (inside && toPosix(fromRoot) === layout.huskyDir) return { huskyDir: layout.huskyDir };
  return { chained: { kind: 'path', path: hooksPath } };
}

/** Removes the keyguard blocks keyguard 0.1 wrote into `.husky/` scripts: the dispatcher runs keyguard now. */
function removeOldBlocks(folder: string, gitRoot: string, report: InstallReport): void {
  if (!existsSync(folder)) return;
  for (const name of readdirSync(folder)) {
    const file = join(folder, name);
    if (!statSync(file).isFile()) continue;
    const script = readFileSync(file, 'utf8');
    if (!hasBlock(script)) continue;
    const rest = withoutBlock(script);
    const shown = toPosix(relative(gitRoot, file));
    if (isEmptyScript(rest)) {
      rmSync(file);
      report.lines.push(`removed ${shown}, which only ran keyguard (git's hooks run keyguard now)`);
    } else {
      writeFileSync(file, rest);
      report.lines.push(`removed the keyguard lines from ${shown} (git's hooks run keyguard now)`);
    }
    report.changed = true;
  }
}

export async function install(startDir: string, env: NodeJS.ProcessEnv = process.env): Promise<InstallReport> {
  const report: InstallReport = { lines: [], changed: false };
  if (env.HUSKY === '0') return { ...report, skipped: 'HUSKY=0 is set' };
  const located = locateProject(startDir, env);
  if (isProblem(located)) return { ...report, [located.problem === 'not-a-dependency' ? 'failed' : 'skipped']: located.message };
  const layout = located;
  const { gitRoot } = layout;

  // Another hook manager in charge: keyguard runs inside it, and never takes its hooks away.
  const manager = detectManagers(gitRoot, layout.huskyDir, layout.packageJson).find((candidate) => candidate.name !== 'husky');
  if (manager) {
    if (!managerRunsKeyguard(gitRoot, manager)) {
      return { ...report, failed: `${manager.name} manages git's hooks here (${manager.configFile}); add keyguard to it as the README shows (Install: ${manager.name}), then run: ${manager.install}` };
    }
    report.lines.push(`${manager.name} manages git's hooks here and runs keyguard (${manager.configFile}): nothing to change. Check with: ${layout.packageManager.run} doctor`);
    return report;
  }

  const localHooksPath = configGet(gitRoot, 'core.hooksPath', 'local', env);
  const globalHooksPath = configGet(gitRoot, 'core.hooksPath', 'global', env);
  const firstInstall = configGet(gitRoot, PREVIOUS_HOOKS_PATH, 'local', env) === undefined && configGet(gitRoot, HOOKS_PATH_WAS_UNSET, 'local', env) === undefined;
  if (firstInstall) {
    if (localHooksPath !== undefined) configSet(gitRoot, PREVIOUS_HOOKS_PATH, localHooksPath);
    else configSet(gitRoot, HOOKS_PATH_WAS_UNSET, 'true');
  }
  // What git ran before keyguard, remembered by the first install: a team's hooks folder keeps running.
  const remembered = configGet(gitRoot, PREVIOUS_HOOKS_PATH, 'local', env);
  const before = classifyHooksPath(layout, remembered);
  const now = classifyHooksPath(layout, localHooksPath);
  const huskyDir = now.huskyDir ?? before.huskyDir ?? layout.huskyDir;
  const chained: ChainedFolder[] = [];
  if (before.chained) chained.push(before.chained);
  if (now.chained && !(before.chained?.kind === 'path' && now.chained.kind === 'path' && before.chained.path === now.chained.path)) {
    // A hooks path set since the first install (another tool's): its hooks keep running too.
    chained.push(now.chained);
  }
  if (globalHooksPath !== undefined) chained.push({ kind: 'global' });

  // Where git looks: <common dir>/hooks, unless a global core.hooksPath sends it elsewhere, in
  // which case this clone points at its own common hooks folder (absolute: it cannot be relative
  // to every worktree at once).
  const hooksDir = commonHooksDir(layout);
  const wanted = globalHooksPath !== undefined ? hooksDir : undefined;
  if (localHooksPath !== wanted) {
    if (wanted === undefined) configUnset(gitRoot, 'core.hooksPath');
    else configSet(gitRoot, 'core.hooksPath', wanted);
    report.changed = true;
    report.lines.push(
      wanted === undefined
        ? `git now runs the hooks in ${hooksDir}${localHooksPath !== undefined ? ` (core.hooksPath was ${localHooksPath})` : ''}`
        : `set core.hooksPath to ${hooksDir}: your global core.hooksPath would hide it (its hooks keep running)`,
    );
  }

  const dispatcher = renderDispatcher(
    { huskyDir, keyguardDir: layout.keyguardDir, projectDir: layout.projectFromRoot, installCommand: layout.packageManager.install },
    chained,
  );
  const change = writeDispatchers(hooksDir, layout.commonDir, dispatcher);
  if (change.written.length > 0) {
    report.changed = true;
    report.lines.push(`wrote git's hooks in ${hooksDir}: keyguard checks pre-commit, commit-msg, pre-push, cherry-pick, rebase and git am; ${huskyDir}/ scripts keep running`);
  }
  const lfs = lfsEvidence(layout.commonDir, gitRoot);
  if (lfs && change.written.some((hook) => (LFS_HOOKS as readonly string[]).includes(hook))) {
    report.lines.push(`this repository uses Git LFS (${lfs}): keyguard's ${LFS_HOOKS.join(', ')} hooks run git-lfs's (do not run git lfs update --force: it would replace them)`);
  }
  if (change.kept.length > 0) {
    report.lines.push(`kept the hooks that were in ${hooksDir} running (${change.kept.join(', ')}); they run after the project's own scripts`);
  }
  if (change.conflicts.length > 0) {
    return {
      ...report,
      failed: `${hooksDir} has hooks (${change.conflicts.join(', ')}) that differ from the ones keyguard kept from before in ${join(stateDir(layout.commonDir), 'previous-hooks')}; merge them by hand, then run keyguard install again`,
    };
  }
  for (const chainedFolder of chained) {
    if (chainedFolder.kind === 'path') report.lines.push(`the hooks in ${chainedFolder.path} keep running, after the project's own scripts`);
  }

  removeOldBlocks(join(gitRoot, huskyDir), gitRoot, report);
  for (const worktree of listWorktrees(gitRoot)) {
    // Earlier versions pointed each linked worktree at another worktree's hooks: they share these now.
    if (!worktree.bare && unprotectWorktree(worktree.path)) report.changed = true;
  }
  if (configGet(gitRoot, ENABLED_WORKTREE_CONFIG, 'local', env) === 'true') {
    configUnset(gitRoot, 'extensions.worktreeConfig');
    configUnset(gitRoot, ENABLED_WORKTREE_CONFIG);
  }
  for (const key of RETIRED_KEYS) configUnset(gitRoot, key);

  // keyguard's own source checkout (its dogfood hooks) needs no install script.
  if (layout.packageJson && resolve(layout.projectDir) !== resolve(packageRoot())) routeToEveryClone(layout, startDir, report, env);
  recordRemoteUrls(gitRoot, env);
  return report;
}

/**
 * What gives a teammate's clone the hooks: keyguard's install in the project script the package
 * manager runs on every install (`prepare` for npm and pnpm, `postinstall` for yarn berry), and for
 * pnpm, keyguard allowed to build, without which pnpm 11+ fails the install before any script runs.
 */
function routeToEveryClone(layout: ProjectLayout, startDir: string, report: InstallReport, env: NodeJS.ProcessEnv): void {
  const manager = layout.packageManager;
  const packageJson = layout.packageJson!;
  const toCommit = new Set<string>();
  const here = realpathSync.native(startDir); // layout's paths are real paths
  let script: ScriptChange = { changed: false, createdScripts: false, before: undefined };
  try {
    script = updateScript(packageJson, manager.script, withHooksCommand);
  } catch (error) {
    // The hooks are in place; only the route to other clones is missing, and the user can add it.
    report.lines.push(`warning: could not add keyguard to the "${manager.script}" script: ${(error as Error).message} Add "${manager.script}": "${HOOKS_COMMAND}" by hand.`);
  }
  if (script.changed) {
    report.changed = true;
    toCommit.add(relative(here, packageJson));
    if (script.createdScripts) configSet(layout.gitRoot, CREATED_SCRIPTS, 'true');
    report.lines.push(`added keyguard to the "${manager.script}" script in package.json, so every clone gets the hooks on ${manager.install}`);
    if (/(^|[;&|(]\s*)husky(\s|$)/.test(script.before ?? '')) {
      report.lines.push(
        `note: your ${manager.script} script also runs husky, which points git at .husky/_; keyguard, which runs after it there, points git back at its own hooks, which run your .husky/ scripts. You can drop husky from it (it also fails under \`npm ci --omit=dev\`).`,
      );
    }
  }
  if (manager.name === 'pnpm' && manager.workspaceRoot) {
    const file = join(manager.workspaceRoot, WORKSPACE_FILE);
    const allowed = allowKeyguardBuilds(manager.workspaceRoot);
    if (allowed.manual) report.lines.push(`warning: pnpm fails every install while keyguard's build is neither allowed nor denied: ${allowed.manual}`);
    if (allowed.change !== 'none') {
      report.changed = true;
      toCommit.add(relative(here, file));
      if (configGet(layout.gitRoot, ALLOWED_BUILDS, 'local', env) === undefined) configSet(layout.gitRoot, ALLOWED_BUILDS, allowed.change);
      report.lines.push(`allowed keyguard's build in ${toPosix(relative(layout.gitRoot, file))} (allowBuilds), without which pnpm install fails (ERR_PNPM_IGNORED_BUILDS)`);
    }
  }
  if (toCommit.size > 0) {
    report.toCommit = [...toCommit].map(toPosix);
    report.teammateInstall = manager.install;
  }
}

export async function uninstall(startDir: string, env: NodeJS.ProcessEnv = process.env): Promise<InstallReport> {
  const report: InstallReport = { lines: [], changed: false };
  const layout = locateProject(startDir, env);
  if (isProblem(layout) && layout.problem !== 'not-a-dependency') return { ...report, failed: layout.message };
  const { gitRoot, commonDir } = layout;
  const hooksDir = join(commonDir, 'hooks');

  const { removed, restored } = removeDispatchers(hooksDir, commonDir);
  if (removed.length > 0) {
    report.changed = true;
    report.lines.push(`removed keyguard's hooks from ${hooksDir}`);
  }
  if (restored.length > 0) report.lines.push(`put back the hooks that were there before (${restored.join(', ')})`);

  if (!isProblem(layout)) {
    for (const folder of new Set([layout.huskyDir])) {
      const before: InstallReport = { lines: [], changed: false };
      removeOldBlocks(join(gitRoot, folder), gitRoot, before);
      report.lines.push(...before.lines);
      report.changed ||= before.changed;
    }
    if (layout.packageJson) {
      const createdScripts = configGet(gitRoot, CREATED_SCRIPTS, 'local', env) === 'true';
      // Both scripts: an earlier install may have used the other one, before the package manager changed.
      for (const script of ['prepare', 'postinstall'] as const) {
        try {
          const change = updateScript(layout.packageJson, script, (current) => (current === undefined ? undefined : withoutHooksCommand(current)), createdScripts);
          if (change.changed) {
            report.changed = true;
            report.lines.push(`removed keyguard from the "${script}" script in package.json`);
          }
        } catch (error) {
          report.lines.push(`warning: could not edit the "${script}" script: ${(error as Error).message} Remove keyguard from it by hand.`);
        }
      }
    }
    const allowedBuilds = configGet(gitRoot, ALLOWED_BUILDS, 'local', env);
    const workspaceRoot = layout.packageManager.workspaceRoot;
    if (allowedBuilds !== undefined && workspaceRoot && removeKeyguardBuilds(workspaceRoot, allowedBuilds === 'created')) {
      report.changed = true;
      report.lines.push(`removed keyguard from allowBuilds in ${toPosix(relative(gitRoot, join(workspaceRoot, WORKSPACE_FILE)))}`);
    }
  }

  const previous = configGet(gitRoot, PREVIOUS_HOOKS_PATH, 'local', env);
  const wasUnset = configGet(gitRoot, HOOKS_PATH_WAS_UNSET, 'local', env) === 'true';
  if (previous !== undefined || wasUnset) {
    if (previous !== undefined) configSet(gitRoot, 'core.hooksPath', previous);
    else configUnset(gitRoot, 'core.hooksPath');
    report.lines.push(previous !== undefined ? `restored core.hooksPath to ${previous}` : 'git runs the hooks it ran before keyguard');
    report.changed = true;
  }
  for (const key of [PREVIOUS_HOOKS_PATH, HOOKS_PATH_WAS_UNSET, CREATED_SCRIPTS, ALLOWED_BUILDS, ENABLED_WORKTREE_CONFIG, ...RETIRED_KEYS]) configUnset(gitRoot, key);
  const state = stateDir(commonDir);
  rmSync(join(state, 'remote-urls'), { force: true });
  try {
    rmdirSync(join(state, 'previous-hooks'));
    rmdirSync(state);
  } catch {
    // not empty: hooks keyguard could not put back (see above)
  }
  return report;
}

/** Hooks keyguard writes, for tests and doctor. */
export { DISPATCHED_HOOKS };

/** Whether a clone runs git's hooks from `<common dir>/hooks` (no hooksPath, or keyguard's absolute one). */
export function usesCommonHooks(gitRoot: string, commonDir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const result = runGitSync(gitRoot, ['rev-parse', '--git-path', 'hooks'], env);
  return result.ok && resolve(gitRoot, result.stdout) === resolve(commonDir, 'hooks');
}
