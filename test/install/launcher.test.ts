import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prefilterPattern } from '../../src/detect/anchors.js';
import { scanText } from '../../src/detect/index.js';
import {
  freshAccountId,
  freshBedrockApiKey,
  freshBedrockShortTermKey,
  freshKeyId,
  freshSecret,
  freshServicePassword,
  freshSessionToken,
  freshSsoToken,
} from '../../src/fake-keys.js';
import { PRESET_STATUS_MARKER, presetDiffOutput, STAGED_DIFF_ARGS } from '../../src/git/cli-backend.js';
import { KEYGUARD_LAUNCHER, Sandbox, run } from '../support/sandbox.js';

/**
 * The hook launcher does part of keyguard's work in shell, for speed: it lists the staged changes
 * while node starts, and skips node for commit messages that cannot hold a key. Both must stay in
 * step with the TypeScript they stand in for.
 */

const launcher = readFileSync(KEYGUARD_LAUNCHER, 'utf8');

describe('hooks/keyguard.sh', () => {
  it('runs the same git command as the git backend, and appends the status marker keyguard reads', () => {
    expect(launcher).toContain(`git ${STAGED_DIFF_ARGS.join(' ')} 2>/dev/null`);
    expect(launcher).toContain(`printf '${PRESET_STATUS_MARKER}%d\\0' "$?"`);
  });

  it('carries the detector\'s own prefilter pattern', () => {
    expect(launcher).toContain(`pattern='${prefilterPattern().replace(/'/g, "'\\''")}'`);
  });

  it('the prefilter matches every line on which the detector reports something (a superset)', () => {
    const pattern = new RegExp(prefilterPattern());
    const b64 = (value: string) => Buffer.from(value).toString('base64');
    const planted = fc.constantFrom(
      () => freshKeyId(),
      () => `aws_secret_access_key=${freshSecret()}`,
      () => `"SecretAccessKey": "${freshSecret().replace(/\//g, '\\/').replace(/\+/g, '\\u002B')}"`,
      () => `secret_key=${encodeURIComponent(freshSecret())}`,
      () => `${freshKeyId()}\n${freshSecret()}`,
      () => `SessionToken: ${freshSessionToken()}`,
      () => `password: ${b64(freshSecret())}\nusername: ${b64(freshKeyId())}`,
      () => `blob: |\n  ${b64(`x\naws_access_key_id=${freshKeyId()}\naws_secret_access_key=${freshSecret()}\n`).replace(/.{60}/g, '$&\n  ')}`,
      () => `AWS_BEARER_TOKEN_BEDROCK=${freshBedrockApiKey()}`,
      () => `AWS_BEARER_TOKEN_BEDROCK: ${b64(freshBedrockApiKey())}`,
      () => `token=${freshBedrockShortTermKey()}`,
      () => `url = https://ci-at-${freshAccountId()}:${encodeURIComponent(freshServicePassword())}@git-codecommit.us-east-1.amazonaws.com/v1/repos/x`,
      () => `username = "ks-at-${freshAccountId()}"\npassword = "${freshServicePassword()}"`,
      () => `"refreshToken": "${freshSsoToken('refresh')}"`,
      () => `k = "${Buffer.from(`${freshKeyId()}\n${freshSecret()}`).toString('hex')}"`,
      () => `s = "${[...Buffer.from(`aws_secret_access_key=${freshSecret()}`)].map((c) => `\\x${c.toString(16).padStart(2, '0')}`).join('')}"`,
      () => `{"k": "${[...Buffer.from(freshKeyId())].map((c) => `\\u00${c.toString(16).padStart(2, '0')}`).join('')}"}`,
      () => `<p>${[...Buffer.from(freshKeyId())].map((c) => `&#${c};`).join('')}</p>`,
      () => `id = "${freshKeyId().slice(0, 7)}" +\n  "${freshKeyId().slice(7)}"`,
      () => `aws_secret_access_key = ("${freshSecret().slice(0, 22)}"\n  "${freshSecret().slice(22)}")`,
      () => b64(`aws_access_key_id=${freshKeyId()}\naws_secret_access_key=${freshSecret()}\n`).replace(/.{20}/g, '$&\n'),
    );
    const filler = fc.stringMatching(/^[a-zA-Z0-9 =:"'{}\n-]{0,80}$/);
    fc.assert(
      fc.property(filler, planted, filler, (before, make, after) => {
        const text = `${before}${make()}${after}`;
        const lines = text.split('\n');
        for (const finding of scanText(text)) expect(pattern.test(lines[finding.line - 1]!), lines[finding.line - 1]).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  it('with real git: when the pre-commit prefilter lets a change through, keyguard finds nothing in it', () => {
    const repo = Sandbox.create();
    try {
      repo.write('base.txt', 'start\n').gitOk('add', '.');
      repo.gitOk('commit', '-m', 'init');
      const b64 = (value: string) => Buffer.from(value).toString('base64');
      const contents = [
        () => `plain text ${Math.random()}\n`,
        () => `id = ${freshKeyId()}\n`,
        () => `${freshKeyId()}\nsecret line ${freshSecret()}\n`,
        () => `x = "${freshSecret().replace(/\//g, '\\/')}"\n`,
        () => `data: ${b64(freshKeyId())}\n`,
        () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`k=${freshKeyId()}\r\n`, 'utf16le')]),
        // UTF-16 with no NUL in its first 8000 bytes: git diffs it as text.
        () => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${'日本語'.repeat(1500)}\r\nk=${freshKeyId()}\r\n`, 'utf16le')]),
        () => Buffer.concat([Buffer.from('bin\0'), Buffer.from(`k=${freshKeyId()}\n`)]),
        () => `a very long path without keys: ${'abcdefgh/'.repeat(6)}\n`,
      ];
      const outcomes = { skipped: 0, checked: 0 };
      for (let round = 0; round < 3; round++) {
        contents.forEach((make, i) => {
          repo.write(`f${i}.txt`, make()).gitOk('add', `f${i}.txt`);
          const prefilter = run('sh', ['-c', `sed -n '/^pattern=/,/^esac/p' "${KEYGUARD_LAUNCHER}" > /tmp/kg-prefilter-$$.sh; set -- pre-commit; . /tmp/kg-prefilter-$$.sh; rm -f /tmp/kg-prefilter-$$.sh; exit 9`], repo.dir, repo.env);
          const skipped = prefilter.status === 0; // the prefilter's `exit 0`: node would not start
          expect([0, 9]).toContain(prefilter.status);
          outcomes[skipped ? 'skipped' : 'checked']++;
          const found = repo.findings().findings.length > 0;
          if (skipped) expect(found, `f${i}.txt round ${round}`).toBe(false);
          repo.gitOk('reset', '--quiet', `f${i}.txt`);
        });
      }
      // Both ways were exercised: clean changes skip node, the others reach it.
      expect(outcomes.skipped).toBeGreaterThanOrEqual(3);
      expect(outcomes.checked).toBeGreaterThanOrEqual(18);
    } finally {
      repo.remove();
    }
  });

  it('the pre-commit prefilter lets UTF-8 text skip node, and sends compressed bytes that git diffs as text to it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kg-nottext-'));
    try {
      // The launcher's own notText rule, run by the same grep in the C locale.
      const grep = (flags: string, files: string[]) => run('sh', ['-c', `eval "$(grep '^notText=' "${KEYGUARD_LAUNCHER}")"; LC_ALL=C grep ${flags} "$notText" "$@"`, 'sh', ...files], dir, process.env);
      const texts: string[] = [];
      fc.assert(
        fc.property(fc.array(fc.string({ unit: 'grapheme', maxLength: 80 }), { maxLength: 20 }), (lines) => {
          texts.push(lines.join('\n').replace(/[\0-\x08\x0e-\x1a\x1c-\x1f\x7f]/g, ''));
        }),
        { numRuns: 300 },
      );
      texts.push('héllo € 😀 ü\t日本語テキスト\r', 'Ünïcödé — “quotes” ‘single’ … ß\x0c\x1b[0m');
      writeFileSync(join(dir, 'text.txt'), texts.join('\n'));
      expect(grep('-cE', ['text.txt']).stdout.trim()).toBe('0');
      // Compressed credential lines of 2 to 41 characters, in zlib, raw deflate and gzip: every one is caught.
      const samples: string[] = [];
      for (let i = 0; i < 300; i++) {
        const text = `aws_secret_access_key = ${freshSecret()}\n`.slice(0, 2 + (i % 40));
        const compressed = [deflateSync, deflateRawSync, gzipSync][i % 3]!(text, { level: 1 + (i % 9) });
        samples.push(`c${i}.bin`);
        writeFileSync(join(dir, `c${i}.bin`), compressed.filter((b) => b !== 0)); // as the hook's tr -d '\\000' leaves it
      }
      const missed = grep('-LE', samples);
      expect(missed.stdout, 'files the rule does not send to node').toBe('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a preset diff counts only when git succeeded', () => {
    const diff = Buffer.from(':100644 100644 aaa bbb M\0a.txt\0');
    expect(presetDiffOutput(Buffer.concat([diff, Buffer.from(`${PRESET_STATUS_MARKER}0\0`)]))?.equals(diff)).toBe(true);
    expect(presetDiffOutput(Buffer.concat([diff, Buffer.from(`${PRESET_STATUS_MARKER}128\0`)]))).toBeUndefined();
    expect(presetDiffOutput(diff)).toBeUndefined(); // cut short: no marker
  });

  it('a clean commit message does not start node; a message with a key does', () => {
    const repo = Sandbox.create();
    try {
      repo.write('clean.txt', 'Fix the build\n').write('leaky.txt', `Deploy with ${freshKeyId()}\n`);
      // PATH without node: a clean message never needs it, a leaky one stops git (exit 2).
      const env = { ...repo.env, PATH: '/usr/bin:/bin', HOME: repo.dir, NVM_BIN: '/none' };
      const hasNodeInPath = run('sh', ['-c', 'command -v node'], repo.dir, env).status === 0;
      const clean = run('sh', [KEYGUARD_LAUNCHER, 'commit-msg', 'clean.txt'], repo.dir, env);
      expect(clean.status).toBe(0);
      const leaky = run('sh', [KEYGUARD_LAUNCHER, 'commit-msg', 'leaky.txt'], repo.dir, { ...repo.env });
      expect(leaky.status).toBe(1);
      expect(leaky.stderr).toContain('the commit message contains 1 AWS credential');
      if (!hasNodeInPath) expect(run('sh', [KEYGUARD_LAUNCHER, 'commit-msg', 'leaky.txt'], repo.dir, env).status).not.toBe(0);
    } finally {
      repo.remove();
    }
  });
});
