import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT, Sandbox, run } from './sandbox.js';

/**
 * The package as users get it: `npm pack` of this repository (built by `npm test`), once per test
 * file, in a temporary folder that lives as long as the test process.
 */
let tarball: string | undefined;

export function packedKeyguard(): string {
  if (tarball) return tarball;
  const folder = Sandbox.empty();
  const packed = run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', folder.dir], PROJECT_ROOT, folder.env);
  if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`);
  tarball = join(folder.dir, readdirSync(folder.dir).find((name) => name.endsWith('.tgz'))!);
  return tarball;
}

/**
 * package.json content that denies keyguard's install scripts (npm 11's allowScripts), as a team
 * that blocks dependency scripts has it: keyguard's postinstall does not run there.
 */
export function denyKeyguardScripts(): Record<string, boolean> {
  return { [`file:${packedKeyguard()}`]: false };
}

/** A git repository with a package.json, and keyguard installed from the tarball as a dev dependency. */
export function projectWithKeyguard(
  options: { npmArgs?: string[]; env?: NodeJS.ProcessEnv; subfolder?: string; blockScripts?: boolean; manifest?: Record<string, unknown> } = {},
): Sandbox {
  const project = Sandbox.create({ env: options.env });
  const folder = options.subfolder ? project.path(options.subfolder) : project.dir;
  const manifest = { name: 'app', version: '1.0.0', private: true, ...options.manifest, ...(options.blockScripts ? { allowScripts: denyKeyguardScripts() } : {}) };
  project.write(join(options.subfolder ?? '', 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  project.write('.gitignore', 'node_modules/\n');
  const install = run('npm', ['--no-audit', '--no-fund', 'install', '--save-dev', ...(options.npmArgs ?? []), packedKeyguard()], folder, project.env);
  if (install.status !== 0) throw new Error(`npm install failed:\n${install.stderr}`);
  return project;
}
