import { describe, expect, it } from 'vitest';
import { scanText } from '../../src/detect/index.js';
import { freshKeyId, freshSecret } from '../../src/fake-keys.js';

/**
 * Pathological inputs that make backtracking or per-hit rescanning explode. Each must finish: a
 * quadratic scanner would take hours on these sizes. (No time is asserted; the test timeout is the
 * hang guard. Throughput is measured by `npm run bench`.)
 */

const MB = 1024 * 1024;

function repeatTo(unit: string, bytes: number): string {
  return unit.repeat(Math.ceil(bytes / unit.length));
}

describe('linear time on adversarial input', () => {
  it.each([
    ['a 50 MB line of key-ID near-misses', () => repeatTo('AKIAAAAAAAAAAAAAAAA1', 50 * MB)],
    ['a 50 MB line of AKIA prefixes', () => repeatTo('AKIA', 50 * MB)],
    ['a 50 MB base64 run', () => repeatTo('QUtJQUFBQUFBQUFBQUFBQUFB', 50 * MB)],
    ['a 20 MB line of secret names and 40-character tokens', () => repeatTo(`aws_secret_access_key=${'aB3/'.repeat(10)} `, 20 * MB)],
    ['a 20 MB line of session token names', () => repeatTo('SessionToken=', 20 * MB)],
    ['a 20 MB line of escapes', () => repeatTo('\\/%2F%2B%3D', 20 * MB)],
    ['a 20 MB line of encoded-prefix fragments', () => repeatTo('QUtJQ FLSU BS0lB ', 20 * MB)],
  ])('%s', (_name, make) => {
    expect(scanText(make())).toEqual([]);
  });

  it('still finds a real key at the end of a 20 MB hostile line', () => {
    const id = freshKeyId();
    const secret = freshSecret();
    const text = repeatTo('secret_key=AKIA ', 20 * MB) + ` ${id} ${secret}`;
    expect(scanText(text).map((d) => d.value)).toEqual([id, secret]);
  });
});
