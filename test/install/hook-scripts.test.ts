import { describe, expect, it } from 'vitest';
import { chainedSources, renderBlock, withBlock } from '../../src/install/hook-scripts.js';

/** The keyguard block in .husky/ scripts: what re-installing reads back from it. */
describe('chained hooks in an existing block', () => {
  it('reads back what it wrote: the git dir, the global hooks, literal paths (quoted or not)', () => {
    const sources = [{ kind: 'git-dir' } as const, { kind: 'global' } as const, { kind: 'path', path: '.githooks' } as const, { kind: 'path', path: "team's hooks" } as const];
    const script = withBlock('npx lint-staged\n', renderBlock('pre-commit', '../node_modules/keyguard', [...sources]));
    expect(chainedSources(script)).toEqual(sources);
  });

  it('recognises the global form earlier versions wrote (no --type=path), and never takes it for a path', () => {
    const old = [
      '# >>> keyguard: blocks commits (added by `keyguard install`; `keyguard uninstall` removes it)',
      'legacy="$(git config --global --get core.hooksPath)"/pre-commit',
      'if [ -x "$legacy" ]; then "$legacy" "$@"; fi',
      '# <<< keyguard',
      '',
    ].join('\n');
    expect(chainedSources(old)).toEqual([{ kind: 'global' }]);
  });
});
