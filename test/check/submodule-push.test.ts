import { afterEach, describe, expect, it } from 'vitest';
import { freshKeyId } from '../../src/fake-keys.js';
import { Sandbox } from '../support/sandbox.js';

/**
 * `git push --recurse-submodules=on-demand`: git runs the superproject's pre-push hook first, then
 * pushes each submodule's new commits (running only the submodule's own hooks, which husky does not
 * install). keyguard's pre-push in the superproject checks those submodule commits, and stops the
 * whole push before anything leaves.
 */

const made: Sandbox[] = [];
afterEach(() => {
  for (const sandbox of made.splice(0)) sandbox.remove();
});
const keep = (sandbox: Sandbox) => (made.push(sandbox), sandbox);

function setup(): { superproject: Sandbox; subRemote: Sandbox; superRemote: Sandbox } {
  const subRemote = keep(Sandbox.bare());
  const superRemote = keep(Sandbox.bare());
  const seed = keep(Sandbox.create());
  seed.write('lib.txt', 'library\n').gitOk('add', '.');
  seed.gitOk('commit', '-m', 'lib');
  seed.gitOk('push', '--quiet', subRemote.dir, 'HEAD:refs/heads/main');
  const superproject = keep(Sandbox.create());
  superproject.gitOk('-c', 'protocol.file.allow=always', 'submodule', 'add', '--quiet', subRemote.dir, 'lib');
  superproject.gitOk('commit', '-m', 'add lib');
  superproject.gitOk('remote', 'add', 'origin', superRemote.dir);
  superproject.gitOk('push', '--quiet', 'origin', 'HEAD:refs/heads/main');
  superproject.installHook(undefined, ['pre-push']);
  return { superproject, subRemote, superRemote };
}

describe('a push that recurses into submodules', () => {
  it('a key in a new submodule commit stops the push of both, before anything is sent', () => {
    const { superproject, subRemote, superRemote } = setup();
    const subBefore = superproject.gitIn(subRemote.dir, 'rev-parse', 'main').stdout.trim();
    const superBefore = superproject.gitIn(superRemote.dir, 'rev-parse', 'main').stdout.trim();
    const lib = superproject.path('lib');
    superproject.write('lib/config.ini', `aws_access_key_id = ${freshKeyId()}\n`);
    superproject.gitIn(lib, 'add', '.');
    superproject.gitIn(lib, 'commit', '-m', 'config');
    superproject.gitOk('add', 'lib');
    superproject.gitOk('commit', '-m', 'bump lib');

    const push = superproject.git('-c', 'protocol.file.allow=always', 'push', '--recurse-submodules=on-demand', 'origin', 'HEAD:refs/heads/main');
    expect(push.status).not.toBe(0);
    expect(push.stderr).toContain('push blocked');
    expect(push.stderr).toContain('lib/config.ini');
    expect(superproject.gitIn(subRemote.dir, 'rev-parse', 'main').stdout.trim()).toBe(subBefore);
    expect(superproject.gitIn(superRemote.dir, 'rev-parse', 'main').stdout.trim()).toBe(superBefore);
  });

  it('clean submodule commits, and submodule commits already on its remote, push as usual', () => {
    const { superproject, subRemote } = setup();
    const lib = superproject.path('lib');
    superproject.write('lib/readme.txt', 'docs\n');
    superproject.gitIn(lib, 'add', '.');
    superproject.gitIn(lib, 'commit', '-m', 'docs');
    superproject.gitOk('add', 'lib');
    superproject.gitOk('commit', '-m', 'bump lib');
    const push = superproject.git('-c', 'protocol.file.allow=always', 'push', '--recurse-submodules=on-demand', 'origin', 'HEAD:refs/heads/main');
    expect(push.status, push.stderr).toBe(0);
    expect(superproject.gitIn(subRemote.dir, 'rev-parse', 'main').stdout.trim()).toBe(superproject.gitIn(lib, 'rev-parse', 'HEAD').stdout.trim());
  });
});
