import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshKeyId, freshSecret, freshSessionToken } from '../../src/fake-keys.js';
import { run, Sandbox } from '../support/sandbox.js';

/**
 * keyguard's SARIF through Microsoft's SARIF multitool validator (npm: @microsoft/sarif-multitool,
 * a self-contained .NET build, no .NET install needed), with the SARIF rules and GitHub's
 * (`--rule-kind Sarif;Gh`), at every level. No errors, no warnings, and no notes but these three,
 * which cannot be met:
 * - SARIF2002 asks for message ids instead of message text, which GitHub code scanning refuses
 *   (its rules GH1015/GH1017 require the text);
 * - SARIF2006 fetches every URI over HTTP: there is no network here (the schema URI is OASIS's own);
 * - SARIF2011 asks for a context region: the text around a credential can hold other secrets keyguard
 *   does not report, so keyguard never copies it into a report.
 */
const ACCEPTED_NOTES = new Set(['SARIF2002', 'SARIF2006', 'SARIF2011']);
const VERSION = '5.7.0';

let tools: Sandbox;
let validator: string | undefined;
let skipped = '';

beforeAll(() => {
  tools = Sandbox.empty();
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    skipped = `the validator's npm package is built for ${process.platform}/${process.arch} here; only linux-x64 is tried`;
    return;
  }
  const install = run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', tools.dir, `@microsoft/sarif-multitool-linux@${VERSION}`], tools.dir, tools.env);
  const binary = join(tools.dir, 'node_modules', '@microsoft', 'sarif-multitool-linux', 'Sarif.Multitool');
  if (install.status !== 0 || !existsSync(binary)) {
    skipped = `npm could not install @microsoft/sarif-multitool-linux@${VERSION}: ${install.stderr.trim().split('\n').pop() ?? ''}`;
    return;
  }
  chmodSync(binary, 0o755);
  validator = binary;
}, 300_000);
afterAll(() => tools.remove());

interface Note {
  ruleId: string;
  level: string;
  text: string;
}

function validate(sarifText: string): Note[] {
  const input = join(tools.dir, `input-${Date.now()}.sarif`);
  const output = `${input}.validation.sarif`;
  writeFileSync(input, sarifText);
  const result = run(validator!, ['validate', '--rule-kind', 'Sarif;Gh', '--level', 'Error;Warning;Note', '-o', output, input], tools.dir, { ...tools.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1' });
  if (!existsSync(output)) throw new Error(`the validator wrote nothing (exit ${result.status}): ${result.stdout}${result.stderr}`);
  const log = JSON.parse(readFileSync(output, 'utf8'));
  return (log.runs[0].results ?? []).map((r: { ruleId: string; level?: string; message: { arguments?: string[]; text?: string } }) => ({
    ruleId: r.ruleId,
    level: r.level ?? 'warning',
    text: (r.message.arguments ?? [r.message.text ?? '']).join(' | '),
  }));
}

describe('SARIF against the SARIF multitool validator', () => {
  it('a report with every kind, allowed findings and history findings: no errors, warnings or other notes', (context) => {
    if (!validator) {
      console.log(`skipped: ${skipped}`);
      context.skip();
    }
    const repo = Sandbox.create();
    try {
      repo.gitOk('remote', 'add', 'origin', 'https://user:token@git.example.com/acme/app.git');
      repo.write('creds/aws.ini', `[x]\naws_access_key_id = ${freshKeyId()}\naws_secret_access_key = ${freshSecret()}\naws_session_token = ${freshSessionToken()}\n`);
      repo.write('test/sample.ini', `aws_access_key_id = ${freshKeyId()}  # keyguard:allow\n`);
      repo.write('docs/a b/ünïcode [1].md', `key: ${freshKeyId()}\n`).gitOk('add', '.');
      const staged = repo.keyguard(['check', '--format', 'sarif']);
      expect(staged.status).toBe(1);
      expect(staged.stdout).not.toContain('token@');
      repo.gitOk('commit', '--no-verify', '-m', 'keys');
      const history = repo.keyguard(['check', '--history', '--format', 'sarif']);
      const failed = repo.keyguard(['check', '--history', 'no-such-branch..HEAD', '--format', 'sarif']);
      expect(failed.status).toBe(2);
      for (const sarif of [staged.stdout, history.stdout, failed.stdout]) {
        const notes = validate(sarif);
        const unexpected = notes.filter((note) => note.level !== 'note' || !ACCEPTED_NOTES.has(note.ruleId));
        expect(unexpected).toEqual([]);
      }
      // The validator did run its rules: the accepted notes are there.
      expect(validate(staged.stdout).map((note) => note.ruleId)).toContain('SARIF2002');
    } finally {
      repo.remove();
    }
  });
});
