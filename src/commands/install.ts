import { install, uninstall, type InstallReport } from '../install/install.js';
import { printableShellWord } from '../shell-quote.js';
import { reportError } from './errors.js';
import { EXIT_CLEAN, EXIT_ERROR, type ExitCode, type Io } from './io.js';

function print(io: Io, report: InstallReport, title: string): void {
  io.stdout.write(`${title}\n`);
  for (const line of report.lines) io.stdout.write(`  - ${line}\n`);
}

/**
 * `keyguard install`: git's hooks, the project script that gives every clone the hooks (prepare,
 * or yarn's postinstall), pnpm's allowBuilds, linked worktrees. With --quiet (what that script
 * runs on every install) it prints one line at most and always exits 0: an install must never
 * fail because hooks could not be set up.
 */
export async function installCommand(io: Io, quiet: boolean): Promise<ExitCode> {
  let report: InstallReport;
  try {
    report = await install(io.cwd, io.env);
  } catch (error) {
    report = { lines: [], changed: false, failed: (error as Error).message };
  }
  if (report.skipped || report.failed) {
    const why = report.skipped ?? report.failed;
    if (quiet) {
      io.stderr.write(`keyguard: git hooks not installed: ${why}.\n`);
      return EXIT_CLEAN;
    }
    io.stderr.write(`keyguard: git hooks not installed: ${why}.\n`);
    return EXIT_ERROR;
  }
  if (quiet) {
    if (report.changed) io.stdout.write('keyguard: git hooks installed (AWS credentials are checked on commit and push).\n');
    return EXIT_CLEAN;
  }
  if (!report.changed) {
    io.stdout.write(report.lines.length > 0 ? `keyguard: ${report.lines.join('\n')}\n` : 'keyguard: the git hooks were already installed; nothing changed.\n');
    return EXIT_CLEAN;
  }
  print(io, report, 'keyguard: installed the git hooks. Commits and pushes are now checked for AWS credentials.');
  if (report.toCommit && report.toCommit.length > 0) {
    const files = report.toCommit.map(printableShellWord).join(' ');
    io.stdout.write(`Commit ${report.toCommit.join(' and ')}, so that everyone who clones gets the hooks with ${report.teammateInstall}: git add ${files}\n`);
  }
  return EXIT_CLEAN;
}

export async function uninstallCommand(io: Io): Promise<ExitCode> {
  const report = await uninstall(io.cwd, io.env);
  if (report.failed) {
    io.stderr.write(`keyguard: ${report.failed}.\n`);
    return EXIT_ERROR;
  }
  if (!report.changed) {
    io.stdout.write('keyguard: nothing to remove; keyguard was not installed here.\n');
    return EXIT_CLEAN;
  }
  print(io, report, 'keyguard: removed what keyguard install added.');
  return EXIT_CLEAN;
}

/** `keyguard install --server <bare repository | pre-receive.d folder>`: the server-side hook. */
export async function installServerCommand(io: Io, target: string): Promise<ExitCode> {
  try {
    const { installServerHook } = await import('../install/server.js');
    const { hook, changed } = installServerHook(target, io.cwd, io.env);
    io.stdout.write(
      changed
        ? `keyguard: wrote the pre-receive hook ${hook}: pushes that add AWS credentials are now rejected.\n`
        : `keyguard: the pre-receive hook ${hook} was already in place; nothing changed.\n`,
    );
    return EXIT_CLEAN;
  } catch (error) {
    return reportError(io, error, { consequence: 'The server hook was not installed.' });
  }
}
