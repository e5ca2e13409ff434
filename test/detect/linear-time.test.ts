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
    ['a 20 MB line of escape clusters, each just apart', () => repeatTo(`${'\\x41'.repeat(8)} `, 20 * MB)],
    ['a 20 MB line of percent-encoding', () => repeatTo('%41%4B%49%41%32%33%34%35%36%37 ', 20 * MB)],
    ['20 MB of hex key ID prefixes', () => repeatTo('414b4941 41 4b 49 41 ', 20 * MB)],
    ['a 20 MB line of joined literals', () => repeatTo('"AKIA" + "ABC", ', 20 * MB)],
    ['20 MB of joined literals after secret names', () => repeatTo('aws_secret_access_key = "abc" + "def"\n', 20 * MB)],
    ['20 MB of gzip starts in base64', () => repeatTo('H4sI SDRzS H4sIAAAA ', 20 * MB)],
    ['20 MB of narrow wrapped base64', () => repeatTo('QUtJQUFBQUFBQUFB\n', 20 * MB)],
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
