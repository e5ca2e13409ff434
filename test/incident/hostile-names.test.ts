import { existsSync } from 'node:fs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { keyIdForAccount } from '../../src/fake-keys.js';
import { run } from '../support/sandbox.js';
import { HOME_REGION, Scenario } from './scenario.js';
import { ACCOUNT, at, record } from './story.js';
import { IncidentWorkspace } from './workspace.js';

/**
 * The names in CloudTrail records are the attacker's: key pair names, function names, user agents,
 * even event names. Whatever they hold, the review never sends it raw to the terminal, and the undo
 * script passes it to aws as one argument, exactly, or not at all (commented out, with why).
 */

const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const PARAM_FILE = /^(file|fileb|https?):\/\//i;
const runnable = (value: string) => !CONTROL.test(value) && !PARAM_FILE.test(value);

const dangerous = fc.constantFrom(
  "'", '"', '$(touch pwned)', '`touch pwned`', '; touch pwned #', '\ntouch pwned\n', '\u001b[31m', '\u009b2J', '\\', '--', '-x', 'file:///etc/passwd',
  'https://example.invalid/x', '*', '$HOME', '%s%n', '\t', ' ', 'ü', '\u2028', '{}', '${IFS}', '|', '&', '>pwned',
);
const hostile = fc
  .array(fc.oneof(dangerous, fc.string({ unit: 'binary-ascii', maxLength: 4 }), fc.string({ unit: 'grapheme', maxLength: 3 })), { minLength: 1, maxLength: 5 })
  .map((parts) => parts.join(''))
  .filter((value) => value.trim() !== '');
/** IAM names: what IAM allows, leading dashes and dots included. */
const iamName = fc.tuple(fc.constantFrom('', '-', '--', '=', '.', '..', '@'), fc.stringMatching(/^[\w+=,.@-]{1,12}$/)).map(([a, b]) => a + b);

const workspaces: IncidentWorkspace[] = [];
afterEach(() => {
  for (const workspace of workspaces.splice(0)) workspace.remove();
});

describe('names an attacker chose', () => {
  it('never reach the terminal raw, and reach aws as exactly one argument or not at all', () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, hostile, iamName, iamName, (keyName, functionName, agent, eventName, userName, policyName) => {
        const leaked = keyIdForAccount(ACCOUNT);
        const scenario = new Scenario(ACCOUNT, ['eu-west-1', HOME_REGION]);
        const lookup = { attribute: 'AccessKeyId' as const, value: leaked };
        const importKey = record.importKeyPair('eu-west-1', at(1), leaked, keyName, 'unused');
        delete (importKey.response as Record<string, unknown>).keyPairId; // by name, then
        scenario.addEvents(lookup, 'eu-west-1', [
          { ...importKey, agent, ip: agent },
          { ...record.createFunction('eu-west-1', at(2), leaked, functionName), agent },
          record.plain(eventName, 'ec2.amazonaws.com', 'eu-west-1', at(3), leaked, { agent, errorCode: eventName }),
          record.plain(eventName, 'ec2.amazonaws.com', 'eu-west-1', at(4), leaked, { agent, readOnly: false }),
        ]);
        scenario.addEvents(lookup, HOME_REGION, [
          record.createUser(at(5), leaked, userName),
          { name: 'PutUserPolicy', source: 'iam.amazonaws.com', region: HOME_REGION, time: at(6), keyId: leaked, request: { userName, policyName, policyDocument: '{}' } },
        ]);
        // No KeyPairId anywhere: the only way to name the pair is its name.
        scenario.inventory('eu-west-1', 'key-pairs', { KeyPairs: [{ KeyName: keyName }] });
        scenario.inventory('eu-west-1', 'lambda-functions', { Functions: [{ FunctionName: functionName }] });
        scenario.users = [
          { name: 'deploy-bot', accessKeys: [{ keyId: leaked, status: 'Active' }], loginProfile: false, attached: [], inline: [], groups: [] },
          { name: userName, accessKeys: [], loginProfile: false, attached: [], inline: [policyName], groups: [] },
        ];
        const ws = new IncidentWorkspace();
        workspaces.push(ws);
        scenario.writeRound(ws.path('incident'), 1, [lookup]);

        const text = ws.keyguard(['incident', '--review', 'incident']);
        expect(text.stderr).toBe('');
        expect(text.stdout.replace(/\n/g, '')).not.toMatch(CONTROL);
        const undo = ws.keyguard(['incident', '--review', 'incident', '--undo']).stdout;
        expect(undo.replace(/\n/g, '')).not.toMatch(CONTROL);
        expect(run('dash', ['-n'], ws.box.dir, ws.box.env, undo).status).toBe(0);

        const ran = ws.runScript('undo.sh', undo, [], { STUB_AWS_DEFAULT_OK: '1' });
        expect(ran.status).toBe(0);
        expect(existsSync(ws.path('pwned'))).toBe(false);
        expect(existsSync(ws.path('>pwned'))).toBe(false);
        const calls = ws.stub.calls();
        const made = (call: string[]) => calls.filter((c) => c.length === call.length && c.every((arg, i) => arg === call[i])).length;
        // Every call is one the script wrote; none came from a name.
        expect(calls.every((c) => ['iam', 'ec2', 'lambda', 'configure'].includes(c[0]!))).toBe(true);
        expect(made(['ec2', 'delete-key-pair', '--region', 'eu-west-1', `--key-name=${keyName}`])).toBe(runnable(keyName) ? 1 : 0);
        expect(made(['lambda', 'delete-function', '--region', 'eu-west-1', `--function-name=${functionName}`])).toBe(runnable(functionName) ? 1 : 0);
        if (!runnable(keyName) || !runnable(functionName)) expect(undo).toContain('# not run: a name ');
        expect(made(['iam', 'delete-user-policy', `--user-name=${userName}`, `--policy-name=${policyName}`])).toBe(1);
        expect(made(['iam', 'delete-user', `--user-name=${userName}`])).toBe(1);
        ws.remove();
        workspaces.pop();
      }),
      { numRuns: Number(process.env.KEYGUARD_PROPERTY_RUNS ?? 12) },
    );
  }, 240_000);

  it('a key pair is deleted by the ID the inventory gives when the event has only its name', () => {
    const leaked = keyIdForAccount(ACCOUNT);
    const scenario = new Scenario(ACCOUNT, ['eu-west-1']);
    const importKey = record.importKeyPair('eu-west-1', at(1), leaked, '$(touch pwned)', 'unused');
    delete (importKey.response as Record<string, unknown>).keyPairId;
    scenario.addEvents({ attribute: 'AccessKeyId', value: leaked }, 'eu-west-1', [importKey]);
    scenario.inventory('eu-west-1', 'key-pairs', { KeyPairs: [{ KeyName: '$(touch pwned)', KeyPairId: 'key-0123456789abcdef0' }] });
    const ws = new IncidentWorkspace();
    workspaces.push(ws);
    scenario.writeRound(ws.path('incident'), 1, [{ attribute: 'AccessKeyId', value: leaked }]);
    const undo = ws.keyguard(['incident', '--review', 'incident', '--undo']).stdout;
    expect(undo).toContain('run ec2 delete-key-pair --region eu-west-1 --key-pair-id=key-0123456789abcdef0');
    expect(undo).toContain('# key pair $(touch pwned) made by ImportKeyPair');
  });
});
