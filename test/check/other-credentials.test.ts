import { afterEach, describe, expect, it } from 'vitest';
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
import { Sandbox } from '../support/sandbox.js';

/**
 * Every AWS credential that is not an access key pair, in the places people commit it, through the
 * real `git commit` and its hook (the launcher's prefilter included): each commit is blocked, and
 * the report names the kind.
 */

let repo: Sandbox;
afterEach(() => repo?.remove());

function hooked(): Sandbox {
  repo = Sandbox.create();
  repo.installHook();
  repo.write('README.md', '# app\n').gitOk('add', '.');
  repo.gitOk('commit', '-m', 'init');
  return repo;
}

function blocked(path: string, content: string): { kinds: string[]; stderr: string } {
  repo.write(path, content).gitOk('add', '--', path);
  const head = repo.gitOk('rev-parse', 'HEAD');
  const result = repo.git('commit', '-m', `add ${path}`);
  expect(repo.gitOk('rev-parse', 'HEAD'), `${path} was committed`).toBe(head);
  expect(result.status).not.toBe(0);
  const kinds = repo.findings().findings.map((f) => f.kind);
  repo.gitOk('reset', '--quiet', '--hard', 'HEAD');
  return { kinds, stderr: result.stderr };
}

describe('other AWS credentials are blocked at commit', () => {
  it('Amazon Bedrock API keys, long-term and short-term, in .env files, code and CI settings', () => {
    hooked();
    const account = freshAccountId();
    const long = blocked('.env', `AWS_REGION=us-east-1\nAWS_BEARER_TOKEN_BEDROCK=${freshBedrockApiKey(account)}\n`);
    expect(long.kinds).toEqual(['bedrock-api-key']);
    expect(long.stderr).toContain(`account ${account}`);
    expect(blocked('app/llm.py', `client = boto3.client("bedrock-runtime")\nos.environ["AWS_BEARER_TOKEN_BEDROCK"] = "${freshBedrockApiKey()}"\n`).kinds).toEqual([
      'bedrock-api-key',
    ]);
    expect(blocked('.github/workflows/ai.yml', `env:\n  AWS_BEARER_TOKEN_BEDROCK: ${freshBedrockShortTermKey()}\n`).kinds).toEqual(['bedrock-short-term-key']);
    expect(blocked('k8s/secret.yaml', `data:\n  token: ${Buffer.from(freshBedrockApiKey()).toString('base64')}\n`).kinds).toEqual(['bedrock-api-key']);
  });

  it('CodeCommit HTTPS Git credentials and Amazon Keyspaces credentials', () => {
    hooked();
    const account = freshAccountId();
    const password = freshServicePassword();
    expect(blocked('.git-credentials', `https://dev-at-${account}:${encodeURIComponent(password)}@git-codecommit.us-east-1.amazonaws.com\n`).kinds).toEqual([
      'service-specific-credential',
    ]);
    expect(blocked('ci/clone.sh', `git clone https://ci-at-${account}:${encodeURIComponent(freshServicePassword())}@git-codecommit.eu-west-1.amazonaws.com/v1/repos/app\n`).kinds).toEqual([
      'service-specific-credential',
    ]);
    expect(
      blocked('conf/application.conf', `datastax-java-driver.advanced.auth-provider {\n  username = "app-at-${account}"\n  password = "${freshServicePassword()}"\n}\n`).kinds,
    ).toEqual(['service-specific-credential']);
  });

  it('AWS CLI cache files committed by accident: SSO tokens, and the temporary credentials of an assumed role', () => {
    hooked();
    const sso = JSON.stringify({ startUrl: 'https://d-123.awsapps.com/start', region: 'us-east-1', accessToken: freshSsoToken(), expiresAt: '2026-12-01T00:00:00Z', refreshToken: freshSsoToken('refresh') });
    expect(blocked('.aws/sso/cache/0f1e2d.json', sso).kinds).toEqual(['sso-token', 'sso-token']);
    const cli = JSON.stringify({ Credentials: { AccessKeyId: freshKeyId('ASIA'), SecretAccessKey: freshSecret(), SessionToken: freshSessionToken(), Expiration: '2026-12-01T00:00:00Z' } });
    expect(blocked('.aws/cli/cache/3c4d.json', cli).kinds.sort()).toEqual(['access-key-id', 'secret-access-key', 'session-token']);
  });

  it('every report format names the kind, and never prints the secret', () => {
    hooked();
    const key = freshBedrockApiKey();
    repo.write('.env', `AWS_BEARER_TOKEN_BEDROCK=${key}\n`).gitOk('add', '.');
    const text = repo.keyguard(['check']);
    const json = repo.keyguard(['check', '--format', 'json']);
    const sarif = repo.keyguard(['check', '--format', 'sarif']);
    for (const output of [text.stderr, json.stdout, sarif.stdout]) expect(output).not.toContain(key.slice(4, -4));
    expect(text.stderr).toContain('Bedrock API key');
    expect((JSON.parse(json.stdout) as { findings: { kind: string }[] }).findings[0]!.kind).toBe('bedrock-api-key');
    const run = (JSON.parse(sarif.stdout) as { runs: { results: { ruleId: string }[] }[] }).runs[0]!;
    expect(run.results.map((r) => r.ruleId)).toEqual(['KG1004']); // aws-bedrock-api-key before the ids took the SARIF validator's form
  });

  it('a pushed Bedrock API key gets its own plan: deactivate and delete its service-specific credential and the user the console made for it', () => {
    hooked();
    const remote = Sandbox.bare();
    try {
      const account = freshAccountId();
      repo.gitOk('remote', 'add', 'origin', remote.dir);
      repo.write('.env', `AWS_BEARER_TOKEN_BEDROCK=${freshBedrockApiKey(account, 'BedrockAPIKey-k3y9')}\n`).gitOk('add', '.');
      repo.gitOk('commit', '--no-verify', '-m', 'oops');
      repo.gitOk('push', '--no-verify', '--quiet', 'origin', 'HEAD:main');
      repo.gitOk('fetch', '--quiet', 'origin');
      const result = repo.keyguard(['check', '--all']);
      const text = result.stderr.replace(/\s+/g, ' ');
      expect(text).toContain(`Treat the Bedrock API key of IAM user BedrockAPIKey-k3y9 (account ${account}) as compromised`);
      expect(text).toContain('Deactivate the Bedrock API key now, then delete it. It is a service-specific credential of the IAM user BedrockAPIKey-k3y9');
      expect(text).toContain('Delete the IAM user BedrockAPIKey-k3y9');
      expect(text).not.toContain('Deactivate the exposed key now');
    } finally {
      remote.remove();
    }
  });
});

describe('keyguard incident for the other kinds', () => {
  it('a Bedrock API key, by the location the check reported, by its service user name or by value: its plan with the user filled in', () => {
    hooked();
    const account = freshAccountId();
    const key = freshBedrockApiKey(account, 'BedrockAPIKey-w8v2');
    repo.write('.env', `# settings\nAWS_BEARER_TOKEN_BEDROCK=${key}\n`);
    for (const target of ['.env:2', `BedrockAPIKey-w8v2-at-${account}`, key]) {
      const result = repo.keyguard(['incident', target]);
      expect(result.status, result.stderr).toBe(0);
      expect(result.stdout.replace(/\s+/g, ' ')).toContain(`keyguard incident: the Bedrock API key of IAM user BedrockAPIKey-w8v2 (account ${account})`);
      expect(result.stdout).toContain('aws iam update-service-specific-credential --user-name BedrockAPIKey-w8v2 --service-specific-credential-id <ServiceSpecificCredentialId> --status Inactive');
      expect(result.stdout).toContain('aws iam delete-user --user-name BedrockAPIKey-w8v2');
      expect(result.stdout).not.toContain(key.slice(4, 40));
    }
    const collect = repo.keyguard(['incident', `BedrockAPIKey-w8v2-at-${account}`, '--collect']);
    expect(collect.status).toBe(0);
    expect(collect.stdout).toContain('BedrockAPIKey-w8v2');
    expect(collect.stdout).toContain('lookup-events');
  });

  it('a CodeCommit credential, a short-term Bedrock key and an SSO token', () => {
    hooked();
    const account = freshAccountId();
    repo.write('.git-credentials', `https://dev-at-${account}:${encodeURIComponent(freshServicePassword())}@git-codecommit.us-east-1.amazonaws.com\n`);
    const codecommit = repo.keyguard(['incident', '.git-credentials:1']);
    expect(codecommit.stdout).toContain('aws iam list-service-specific-credentials --user-name dev --service-name codecommit.amazonaws.com');

    const signer = freshKeyId('ASIA');
    const short = repo.keyguard(['incident', freshBedrockShortTermKey({ signingKeyId: signer, region: 'ap-south-1' })]);
    expect(short.status).toBe(0);
    expect(short.stdout).toContain('ap-south-1');
    expect(short.stdout).toContain('Revoke active sessions');
    expect(short.stdout).toContain(`keyguard incident ${signer} --collect`);

    const sso = repo.keyguard(['incident', freshSsoToken()]);
    expect(sso.stdout).toContain('aws sso logout');
    expect(repo.keyguard(['incident', freshSsoToken(), '--collect']).status).toBe(2);
  });
});
