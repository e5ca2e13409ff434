import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';

const pkg = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8')) as { version: string };

export default defineConfig({
  define: { __KEYGUARD_VERSION__: JSON.stringify(pkg.version) },
  test: {
    include: ['test/**/*.test.ts'],
    // Tests drive real git and real npm in temporary folders: give them time, and run files in
    // separate processes so that one test's environment never leaks into another's.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
