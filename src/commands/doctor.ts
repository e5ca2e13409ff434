import { diagnose, isHealthy } from '../install/doctor.js';
import { styleFor } from '../report/style.js';
import { repositoryRoot } from './check.js';
import { EXIT_CLEAN, EXIT_ERROR, EXIT_FOUND, type ExitCode, type Io } from './io.js';

/** `keyguard doctor`: is this clone protected? Exit 0 yes, 1 no (with what to do), 2 when there is no repository to look at. */
export async function doctorCommand(io: Io): Promise<ExitCode> {
  if (repositoryRoot(io) === undefined) {
    io.stderr.write('keyguard doctor: this is not inside a git repository, so there is nothing to check.\n  Run it from your project folder.\n');
    return EXIT_ERROR;
  }
  const style = styleFor(io.stdout, io.env);
  const checks = diagnose(io.cwd, io.env);
  io.stdout.write('keyguard doctor\n');
  for (const check of checks) {
    const mark = check.ok ? style.green('✓') : check.warning ? style.yellow('!') : style.red('✗');
    io.stdout.write(`  ${mark} ${check.text}\n`);
    if (!check.ok && check.fix) io.stdout.write(`      fix: ${check.fix}\n`);
  }
  const healthy = isHealthy(checks);
  io.stdout.write(healthy ? style.green('Protected: commits and pushes here are checked.\n') : style.red('Not protected: see the fixes above.\n'));
  return healthy ? EXIT_CLEAN : EXIT_FOUND;
}
