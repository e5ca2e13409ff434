import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The folder of the installed keyguard package (where package.json, bin/ and hooks/ are), found by
 * walking up from the running code, wherever the build put it.
 */
export function packageRoot(): string {
  if (cached) return cached;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === 'keyguard') {
      cached = dir;
      return dir;
    }
    if (dirname(dir) === dir) throw new Error('cannot find the keyguard package folder');
  }
}
