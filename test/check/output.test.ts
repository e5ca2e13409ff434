import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret, freshSessionToken } from '../../src/fake-keys.js';
import { styleFor } from '../../src/report/style.js';
import { Sandbox } from '../support/sandbox.js';

/** What keyguard prints, in each format; and that no format ever prints a whole credential. */

describe('output', () => {
  let repo: Sandbox;
  const id = freshKeyId();
  const secret = freshSecret();
  const token = freshSessionToken();

  beforeAll(() => {
    repo = Sandbox.create();
    repo.write('creds/aws.ini', `[x]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\naws_session_token = ${token}\n`);
    repo.gitOk('add', '.');
  });
  afterAll(() => repo.remove());

  it('never prints a whole credential, in any format', () => {
    for (const args of [['check'], ['check', '-v'], ['check', '--format', 'json'], ['check', '--format', 'sarif'], ['check', '--all', '-v']]) {
      const result = repo.keyguard(args);
      expect(result.status).toBe(1);
      const printed = result.stdout + result.stderr;
      for (const value of [id, secret, token, secret.slice(0, 20), token.slice(0, 30)]) expect(printed).not.toContain(value);
      expect(printed).toContain(`${id.slice(0, 4)}...${id.slice(-2)}`);
    }
  });

  it('json: repository-relative paths, redacted values, fingerprints, the decoded account', () => {
    const result = repo.findings();
    expect(result.findings).toEqual([
      {
        path: 'creds/aws.ini',
        line: 2,
        column: 21,
        kind: 'access-key-id',
        redacted: `${id.slice(0, 4)}...${id.slice(-2)}`,
        fingerprint: expect.stringMatching(/^kg2:[0-9a-f]{32}$/),
        accountId: expect.stringMatching(/^\d{12}$/),
        exposure: 'staged',
        commitsSearched: 0,
      },
      expect.objectContaining({ line: 3, column: 25, kind: 'secret-access-key' }),
      expect.objectContaining({ line: 4, column: 21, kind: 'session-token' }),
    ]);
  });

  it('sarif: version 2.1.0, one rule per kind, results with regions and fingerprints', () => {
    const sarif = JSON.parse(repo.keyguard(['check', '--format', 'sarif']).stdout);
    expect(sarif.version).toBe('2.1.0');
    const run = sarif.runs[0];
    expect(run.tool.driver.name).toBe('keyguard');
    expect(run.tool.driver.rules.map((r: { id: string }) => r.id)).toEqual(['KG1001', 'KG1002', 'KG1003', 'KG1004', 'KG1005', 'KG1006', 'KG1007']);
    expect(run.tool.driver.rules.map((r: { deprecatedIds: string[] }) => r.deprecatedIds[0])).toEqual([
      'aws-access-key-id',
      'aws-secret-access-key',
      'aws-session-token',
      'aws-bedrock-api-key',
      'aws-bedrock-short-term-key',
      'aws-service-specific-credential',
      'aws-sso-token',
    ]);
    expect(run.results).toHaveLength(3);
    expect(run.results[0]).toMatchObject({
      ruleId: 'KG1001',
      level: 'error',
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: 'creds/aws.ini', uriBaseId: '%SRCROOT%' },
            region: { startLine: 2, startColumn: 21, endColumn: 41, snippet: { text: `${id.slice(0, 4)}...${id.slice(-2)}` } },
          },
        },
      ],
      partialFingerprints: { 'keyguard/v2': expect.stringMatching(/^kg2:/) },
    });
  });

  it('text: grouped by file, with the account and what to do; no colour when not on a terminal', () => {
    const { stderr, stdout } = repo.keyguard(['check']);
    expect(stdout).toBe('');
    // Run by hand: nothing is being committed, so nothing is "blocked" (the hook says that: staged.test.ts).
    expect(stderr).toContain('keyguard: found 3 AWS credentials in 1 staged file.');
    expect(stderr).not.toContain('Nothing was committed');
    expect(stderr).toMatch(/creds\/aws\.ini\n\s+2:21\s+access key ID\s+AKIA\.\.\.\S{2}\s+account \d{12}/);
    expect(stderr).toContain('What to do now');
    expect(stderr).toContain('`git add -- creds/aws.ini`');
    expect(stderr).not.toContain('\u001b[');
    expect(stderr.replace(/\s+/g, ' ')).toContain('Not a credential (a test fixture)? Mark its line `keyguard:allow`, or allow its fingerprint');
  });

  it('text, verbose: each finding with its fingerprint, ready for "allow"', () => {
    const fingerprints = repo.findings().findings.map((f) => f.fingerprint);
    const { stderr } = repo.keyguard(['check', '--verbose']);
    for (const fingerprint of fingerprints) expect(stderr).toContain(fingerprint);
  });

  it('colours only on a terminal, and never with NO_COLOR', () => {
    const tty = { isTTY: true };
    expect(styleFor(tty, {}).red('x')).toContain('\u001b[31m');
    expect(styleFor(tty, { NO_COLOR: '1' }).red('x')).toBe('x');
    expect(styleFor(tty, { TERM: 'dumb' }).red('x')).toBe('x');
    expect(styleFor({ isTTY: false }, {}).red('x')).toBe('x');
    expect(styleFor(tty, {}, true).red('x')).toBe('x');
  });

  it('bad usage: exit 2 with one line saying what to do', () => {
    for (const args of [['check', '--format', 'xml'], ['check', '--bogus'], ['frobnicate'], ['check', 'stray'], ['check', '--files']]) {
      const result = repo.keyguard(args);
      expect(result.status, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^keyguard: .+\n {2}Run `keyguard (help|check --help)` for (usage|its options)\.\n$/);
    }
  });

  it('help and version', () => {
    expect(repo.keyguard(['--help']).stdout).toContain('keyguard check');
    expect(repo.keyguard(['--version']).stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});
