import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { packageRoot } from '../package-root.js';
import { toPosix } from '../posix-path.js';
import { configGet, configSet, configUnset, runGitSync } from './git.js';
import {
  chainedSources,
  hasBlock,
  HUSKY_HOOKS,
  isEmptyScript,
  KEYGUARD_HOOKS,
  renderBlock,
  sameSource,
  withBlock,
  withoutBlock,
  type LegacySource,
} from './hook-scripts.js';
import { isProblem, locateProject, type ProjectLayout } from './layout.js';
import { findSilencedHooks } from './legacy-hooks.js';
import { PREPARE_COMMAND, updatePrepare, withoutPrepare, withPrepare, type PrepareChange } from './package-json.js';
import { ENABLED_WORKTREE_CONFIG, listWorktrees, protectWorktree, unprotectWorktree } from './worktrees.js';

/**
 * Per-clone memory (local git config) of what install changed beyond files, so that uninstall
 * undoes exactly that: the core.hooksPath it replaced (or that there was none), whether husky's
 * `_` folder was created, whether package.json had a "scripts" object.
 */
const PREVIOUS_HOOKS_PATH = 'keyguard.previousHooksPath';
const HOOKS_PATH_WAS_UNSET = 'keyguard.hooksPathWasUnset';
const CREATED_DISPATCHER = 'keyguard.createdDispatcher';
const CREATED_SCRIPTS = 'keyguard.createdScripts';
const DISPATCHER_BACKUP = 'keyguard.dispatcherBackup';

export interface InstallReport {
  /** What was done or found, one line each, for people. */
  lines: string[];
  /** Nothing could be installed here (and why); not an error for npm lifecycle scripts. */
  skipped?: string;
  /** Something went wrong. */
  failed?: string;
  changed: boolean;
}

function readIfExists(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : '';
}

function writeIfChanged(path: string, content: string): boolean {
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return false;
  writeFileSync(path, content);
  return true;
}

/** Runs husky's own installer (core.hooksPath and the `_` dispatcher) from the worktree's top level. */
async function runHusky(gitRoot: string, huskyDir: string): Promise<string> {
  const { default: husky } = await import('husky');
  const previous = process.cwd();
  process.chdir(gitRoot);
  try {
    return husky(huskyDir);
  } finally {
    process.chdir(previous);
  }
}

/**
 * Where the keyguard blocks go: the husky folder git already dispatches to, if core.hooksPath is a
 * husky `_` folder (another package of a monorepo set husky up), else the project's `.husky`.
 */
function chooseHuskyDir(layout: ProjectLayout, localHooksPath: string | undefined): { huskyDir: string; keyguardFromHusky: string } {
  if (localHooksPath !== undefined) {
    const dispatcher = resolve(layout.gitRoot, localHooksPath);
    if (dispatcher.endsWith(`${sep}_`) && existsSync(join(dispatcher, 'h'))) {
      const huskyAbsolute = dirname(dispatcher);
      const fromRoot = relative(layout.gitRoot, huskyAbsolute);
      if (!fromRoot.startsWith('..') && !isAbsolute(fromRoot)) {
        return { huskyDir: toPosix(fromRoot), keyguardFromHusky: toPosix(relative(huskyAbsolute, packageRoot())) };
      }
    }
  }
  return { huskyDir: layout.huskyDir, keyguardFromHusky: layout.keyguardFromHusky };
}

export async function install(startDir: string, env: NodeJS.ProcessEnv = process.env): Promise<InstallReport> {
  const report: InstallReport = { lines: [], changed: false };
  if (env.HUSKY === '0') return { ...report, skipped: 'HUSKY=0 is set' };
  const located = locateProject(startDir, env);
  if (isProblem(located)) return { ...report, [located.problem === 'not-a-dependency' ? 'failed' : 'skipped']: located.message };
  const { gitRoot } = located;

  // What git runs today, before husky takes over core.hooksPath.
  const localHooksPath = configGet(gitRoot, 'core.hooksPath', 'local', env);
  const { huskyDir, keyguardFromHusky } = chooseHuskyDir(located, localHooksPath);
  const huskyFolder = join(gitRoot, huskyDir);
  const huskyHooksPath = `${huskyDir}/_`;
  const huskyAlready = localHooksPath !== undefined && resolve(gitRoot, localHooksPath) === resolve(gitRoot, huskyHooksPath);
  let silenced = huskyAlready
    ? undefined
    : findSilencedHooks(gitRoot, located.commonDir, localHooksPath, configGet(gitRoot, 'core.hooksPath', 'global', env));
  // The folder the blocks go into (husky 8 pointed core.hooksPath at .husky itself): husky 9's
  // dispatcher runs its scripts already, and chaining it would run them twice. Any other folder,
  // husky 8's included (`husky install .config/husky`), is chained.
  if (silenced && resolve(silenced.folder) === resolve(huskyFolder)) silenced = undefined;

  const dispatcher = join(huskyFolder, '_');
  const dispatcherExisted = existsSync(dispatcher);
  const firstInstall = configGet(gitRoot, PREVIOUS_HOOKS_PATH, 'local', env) === undefined && configGet(gitRoot, HOOKS_PATH_WAS_UNSET, 'local', env) === undefined;
  if (firstInstall && dispatcherExisted && !existsSync(join(dispatcher, 'h'))) {
    // husky 8's `_` (its husky.sh, which the scripts source): husky 9 replaces it; uninstall puts it back.
    const backup = join(located.commonDir, 'keyguard', 'husky-dispatcher-backup');
    rmSync(backup, { recursive: true, force: true });
    cpSync(dispatcher, backup, { recursive: true });
    configSet(gitRoot, DISPATCHER_BACKUP, backup);
  }
  const huskySaid = await runHusky(gitRoot, huskyDir);
  if (huskySaid !== '') return { ...report, failed: `husky could not set up the hooks: ${huskySaid.trim()}` };
  if (!huskyAlready) {
    report.changed = true;
    // Remember the first state only: a second install must not overwrite what the first replaced.
    if (firstInstall) {
      if (localHooksPath !== undefined) configSet(gitRoot, PREVIOUS_HOOKS_PATH, localHooksPath);
      else configSet(gitRoot, HOOKS_PATH_WAS_UNSET, 'true');
      if (!dispatcherExisted) configSet(gitRoot, CREATED_DISPATCHER, 'true');
    }
    report.lines.push(`set core.hooksPath to ${huskyHooksPath} (husky)`);
  }
  if (silenced) {
    const kept = silenced.hooks.filter((hook) => HUSKY_HOOKS.has(hook));
    const lost = silenced.hooks.filter((hook) => !HUSKY_HOOKS.has(hook));
    if (kept.length > 0) {
      report.lines.push(`kept the hooks in ${silenced.folder} running (${kept.join(', ')}): husky's core.hooksPath would have silenced them`);
    }
    if (lost.length > 0) {
      report.lines.push(`warning: husky has no dispatcher for ${lost.join(', ')} in ${silenced.folder}: git no longer runs them`);
    }
    silenced = { ...silenced, hooks: kept };
  }

  mkdirSync(huskyFolder, { recursive: true });
  const hookNames = new Set<string>([...KEYGUARD_HOOKS, ...(silenced?.hooks ?? [])]);
  for (const hook of hookNames) {
    const file = join(huskyFolder, hook);
    const script = readIfExists(file);
    const chained: LegacySource[] = chainedSources(script);
    if (silenced?.hooks.includes(hook) && !chained.some((source) => sameSource(source, silenced.source))) chained.push(silenced.source);
    if (writeIfChanged(file, withBlock(script, renderBlock(hook, keyguardFromHusky, chained)))) {
      report.changed = true;
      report.lines.push(`${script ? 'updated' : 'wrote'} ${huskyDir}/${hook}`);
    }
  }

  if (located.packageJson) {
    let prepare: PrepareChange = { changed: false, createdScripts: false, before: undefined };
    try {
      prepare = updatePrepare(located.packageJson, withPrepare);
    } catch (error) {
      // The hooks are in place; only the route to other clones is missing, and the user can add it.
      report.lines.push(`warning: could not add keyguard to the "prepare" script: ${(error as Error).message} Add "prepare": "${PREPARE_COMMAND}" by hand.`);
    }
    if (prepare.changed) {
      report.changed = true;
      if (prepare.createdScripts) configSet(gitRoot, CREATED_SCRIPTS, 'true');
      report.lines.push('added keyguard to the "prepare" script in package.json, so every clone gets the hooks on npm install');
      if (/(^|[;&|(]\s*)husky(\s|$)/.test(prepare.before ?? '')) {
        report.lines.push(
          'note: your prepare script also runs husky, which fails under `npm ci --omit=dev` (husky is not installed there); keyguard sets up husky itself, so you can drop that part',
        );
      }
    }
  }

  for (const worktree of listWorktrees(gitRoot)) {
    if (worktree.bare || worktree.path === gitRoot) continue;
    if (protectWorktree(worktree.path, join(huskyFolder, '_'), keyguardFromHusky)) {
      report.changed = true;
      report.lines.push(`protected the linked worktree ${worktree.path}`);
    }
  }
  return report;
}

/**
 * Called by the post-checkout hook in a new linked worktree (which has no node_modules of its own,
 * typically): make it run the hooks that ran `git worktree add`, from `hooksDir`.
 */
export function protectCurrentWorktree(cwd: string, hooksDir: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const top = runGitSync(cwd, ['rev-parse', '--show-toplevel'], env);
  if (!top.ok) return false;
  const dispatcher = resolve(hooksDir);
  const keyguardFromHusky = toPosix(relative(dirname(dispatcher), packageRoot()));
  return protectWorktree(top.stdout, dispatcher, keyguardFromHusky);
}

function scriptsIn(folder: string): string[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .map((name) => join(folder, name))
    .filter((path) => statSync(path).isFile());
}

/** The husky folders that hold keyguard blocks: the project's, and the one core.hooksPath dispatches to. */
function huskyFoldersOf(layout: ProjectLayout, env: NodeJS.ProcessEnv): string[] {
  const folders = new Set([join(layout.gitRoot, layout.huskyDir)]);
  const hooksPath = configGet(layout.gitRoot, 'core.hooksPath', 'local', env);
  if (hooksPath) folders.add(join(layout.gitRoot, chooseHuskyDir(layout, hooksPath).huskyDir));
  return [...folders];
}

export async function uninstall(startDir: string, env: NodeJS.ProcessEnv = process.env): Promise<InstallReport> {
  const report: InstallReport = { lines: [], changed: false };
  const layout = locateProject(startDir, env);
  if (isProblem(layout)) return { ...report, failed: layout.message };
  const { gitRoot } = layout;
  const huskyFolders = huskyFoldersOf(layout, env);

  for (const file of huskyFolders.flatMap(scriptsIn)) {
    const script = readFileSync(file, 'utf8');
    if (!hasBlock(script)) continue;
    const rest = withoutBlock(script);
    const name = toPosix(relative(gitRoot, file));
    if (isEmptyScript(rest)) {
      rmSync(file);
      report.lines.push(`removed ${name}`);
    } else {
      writeFileSync(file, rest);
      report.lines.push(`removed keyguard's lines from ${name}`);
    }
    report.changed = true;
  }

  if (layout.packageJson) {
    const createdScripts = configGet(gitRoot, CREATED_SCRIPTS, 'local', env) === 'true';
    try {
      const prepare = updatePrepare(layout.packageJson, (current) => (current === undefined ? undefined : withoutPrepare(current)), createdScripts);
      if (prepare.changed) {
        report.changed = true;
        report.lines.push('removed keyguard from the "prepare" script in package.json');
      }
    } catch (error) {
      report.lines.push(`warning: could not edit the "prepare" script: ${(error as Error).message} Remove keyguard from it by hand.`);
    }
  }

  const worktrees = listWorktrees(gitRoot).filter((worktree) => !worktree.bare);
  for (const worktree of worktrees) {
    if (unprotectWorktree(worktree.path)) {
      report.changed = true;
      report.lines.push(`removed the worktree hooks setting of ${worktree.path}`);
    }
  }
  if (configGet(gitRoot, ENABLED_WORKTREE_CONFIG, 'local', env) === 'true') {
    // Only when no worktree keeps settings of its own (a sparse checkout, say) that need the extension.
    const stillUsed = worktrees.some((worktree) => runGitSync(worktree.path, ['config', '--worktree', '--list'], env).stdout !== '');
    if (!stillUsed) configUnset(gitRoot, 'extensions.worktreeConfig');
  }

  const previous = configGet(gitRoot, PREVIOUS_HOOKS_PATH, 'local', env);
  const wasUnset = configGet(gitRoot, HOOKS_PATH_WAS_UNSET, 'local', env) === 'true';
  if (previous !== undefined || wasUnset) {
    if (previous !== undefined) configSet(gitRoot, 'core.hooksPath', previous);
    else configUnset(gitRoot, 'core.hooksPath');
    report.lines.push(previous !== undefined ? `restored core.hooksPath to ${previous}` : 'removed the core.hooksPath keyguard install set');
    if (configGet(gitRoot, CREATED_DISPATCHER, 'local', env) === 'true') {
      for (const worktree of worktrees) for (const folder of huskyFolders) rmSync(join(worktree.path, relative(gitRoot, folder), '_'), { recursive: true, force: true });
    }
    const backup = configGet(gitRoot, DISPATCHER_BACKUP, 'local', env);
    if (backup !== undefined && existsSync(backup)) {
      const dispatcher = join(gitRoot, layout.huskyDir, '_');
      rmSync(dispatcher, { recursive: true, force: true });
      cpSync(backup, dispatcher, { recursive: true });
      rmSync(backup, { recursive: true, force: true });
      report.lines.push(`restored husky's ${layout.huskyDir}/_ folder as it was`);
    }
    for (const folder of huskyFolders) {
      const left = scriptsIn(folder);
      if (left.length > 0 && previous === undefined) {
        report.lines.push(`note: ${toPosix(relative(gitRoot, folder))}/ still has scripts of yours, which git no longer runs; \`npx husky\` sets husky up for them`);
      }
      try {
        rmdirSync(folder); // only if empty
      } catch {
        // not empty: something else lives there
      }
    }
    report.changed = true;
  }
  for (const key of [PREVIOUS_HOOKS_PATH, HOOKS_PATH_WAS_UNSET, CREATED_DISPATCHER, CREATED_SCRIPTS, DISPATCHER_BACKUP, ENABLED_WORKTREE_CONFIG]) {
    configUnset(gitRoot, key);
  }
  return report;
}
