import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';
import { PROJECT_ROOT, Sandbox, cleanEnv, run } from '../support/sandbox.js';

/** The published package, as a user gets it: npm pack, install the tarball in a fresh project, run it. */

describe('the npm package', () => {
  let work: Sandbox;
  let tarball: string;

  beforeAll(() => {
    work = Sandbox.empty();
    const packed = run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work.dir], PROJECT_ROOT, work.env);
    expect(packed.status, packed.stderr).toBe(0);
    tarball = join(work.dir, readdirSync(work.dir).find((name) => name.endsWith('.tgz'))!);
  });
  afterAll(() => work?.remove());

  it('contains what a user needs and nothing else', () => {
    const listing = run('tar', ['-tzf', tarball], work.dir, work.env).stdout.split('\n').filter(Boolean);
    expect(listing).toContain('package/bin/keyguard.js');
    expect(listing).toContain('package/dist/cli.cjs');
    expect(listing).toContain('package/bin/package.json');
    expect(listing).toContain('package/hooks/keyguard.sh');
    expect(listing).toContain('package/dist/index.js');
    expect(listing).toContain('package/dist/types/index.d.ts');
    expect(listing).toContain('package/README.md');
    expect(listing).toContain('package/hooks/pre-receive.sh');
    expect(listing).toContain('package/ci/keyguard-ci.sh');
    expect(listing).toContain('package/ci/gitlab-ci.yml');
    expect(listing.filter((path) => /\/(src|test|scripts|\.ci|\.husky)\//.test(path))).toEqual([]);
  });

  it('installs into a fresh project, where npx keyguard runs and blocks a staged key', () => {
    const project = Sandbox.create();
    try {
      project.write('package.json', JSON.stringify({ name: 'fresh-project', version: '1.0.0', private: true }));
      const install = run('npm', ['install', '--no-audit', '--no-fund', '--save-dev', tarball], project.dir, project.env);
      expect(install.status, install.stderr).toBe(0);

      const help = run('npx', ['--no-install', 'keyguard', '--help'], project.dir, project.env);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('keyguard check');

      const clean = run('npx', ['--no-install', 'keyguard', 'check'], project.dir, project.env);
      expect(clean.status, clean.stderr).toBe(0);

      project.write('src/aws.js', `export const credentials = { accessKeyId: '${freshKeyId()}', secretAccessKey: '${freshSecret()}' };\n`);
      project.gitOk('add', 'src/aws.js');
      const blocked = run('npx', ['--no-install', 'keyguard', 'check'], project.dir, project.env);
      expect(blocked.status).toBe(1);
      expect(blocked.stderr).toContain('src/aws.js');
    } finally {
      project.remove();
    }
  });
});

describe('this repository', () => {
  it('suggests no command that would fetch a package called keyguard from the registry (keyguard is not published yet)', () => {
    const files = run('git', ['ls-files', '-z', '--', 'src', 'bin', 'hooks', 'ci', 'action.yml', 'README.md'], PROJECT_ROOT, cleanEnv());
    if (files.status !== 0) return; // not a git checkout
    const offenders: string[] = [];
    for (const file of files.stdout.split('\0').filter(Boolean)) {
      readFileSync(join(PROJECT_ROOT, file), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          // npx without --no-install fetches a missing package; npm install/add of the bare name (or name@version)
          // fetches whatever has that name; name@file:…, @git+…, @https:… name where it comes from.
          if (/\bnpx (?!--no-install\b)(-\S+ )*keyguard\b/.test(line) || /\b(npm (install|i|add)|pnpm add|yarn add)( -\S+)* keyguard(@(?!file:|git\+|https?:|<)\S*)?(\s|$|`|')/.test(line)) {
            offenders.push(`${file}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    expect(offenders).toEqual([]);
  });

  it('passes keyguard check --all on itself', () => {
    const inside = run('git', ['rev-parse', '--is-inside-work-tree'], PROJECT_ROOT, cleanEnv());
    if (inside.status !== 0) return; // not a git checkout (an unpacked archive): nothing to check
    const result = run(process.execPath, [join(PROJECT_ROOT, 'bin', 'keyguard.js'), 'check', '--all', '--verbose'], PROJECT_ROOT, cleanEnv());
    expect(result.stderr).toContain('no AWS credentials found');
    expect(result.status).toBe(0);
  });
});
