import { prepareCredentialDigests } from '../detect/identity.js';
import { openRepository, backendFromEnv } from '../git/open.js';
import type { Repository } from '../git/types.js';
import { baselineEntries, BASELINE_FILE, writeBaseline } from '../policy/baseline.js';
import { loadPolicy } from '../policy/policy.js';
import { plural } from '../report/labels.js';
import { scanHistory, scanIndex } from '../scan/sources.js';
import type { Finding } from '../scan/types.js';
import { progressOn, repositoryRoot } from './check.js';
import { reportError } from './errors.js';
import { EXIT_CLEAN, EXIT_ERROR, type ExitCode, type Io } from './io.js';

/**
 * `keyguard baseline`: records the credentials the repository already contains (every tracked file,
 * and every commit reachable from HEAD) as fingerprints in .keyguard-baseline.json, so that a team
 * adopting keyguard on an old repository blocks only new leaks.
 */
export async function baselineCommand(io: Io): Promise<ExitCode> {
  let repository: Repository | undefined;
  try {
    const root = repositoryRoot(io);
    if (root === undefined) {
      io.stderr.write('keyguard: this is not inside a git repository.\n');
      return EXIT_ERROR;
    }
    repository = await openRepository(backendFromEnv(io.env) ?? 'auto', io.cwd, io.env);
    // The existing baseline must not hide what is recorded again; allow and ignorePaths still apply.
    const policy = await loadPolicy(root, { baseline: false });
    const tree = await scanIndex(repository, policy);
    let historyFindings: Finding[] = [];
    if (repository.backend === 'git') {
      const progress = progressOn(io);
      historyFindings = (await scanHistory(repository, policy, undefined, progress.update).finally(progress.done)).findings;
    } else {
      io.stderr.write('keyguard: without git, the baseline covers the tracked files but not the history.\n');
    }
    const found = [...tree.findings, ...historyFindings];
    await prepareCredentialDigests(found);
    const entries = baselineEntries(found);
    writeBaseline(root, entries);
    const files = new Set(entries.map((entry) => entry.path)).size;
    io.stdout.write(`keyguard: wrote ${BASELINE_FILE}: ${plural(entries.length, 'credential')} in ${plural(files, 'file')}, as fingerprints only.\n`);
    if (entries.length > 0) {
      io.stdout.write(
        '  keyguard will not report these again in these files; any new credential is still blocked.\n' +
          '  Commit the file. These keys are in your repository: if it was ever pushed anywhere, rotate them (keyguard incident <key id>).\n',
      );
    }
    return EXIT_CLEAN;
  } catch (error) {
    return reportError(io, error);
  } finally {
    repository?.close();
  }
}
