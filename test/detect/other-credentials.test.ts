import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scanText, type CredentialKind, type Detection } from '../../src/detect/index.js';
import {
  freshAccountId,
  freshBedrockApiKey,
  freshBedrockShortTermKey,
  freshKeyId,
  freshSecret,
  freshServicePassword,
  freshSessionToken,
  freshSsoToken,
  keyIdForAccount,
} from '../../src/fake-keys.js';

/**
 * AWS credentials that are not access key pairs: Amazon Bedrock API keys (long-term and short-term),
 * service-specific credentials (CodeCommit HTTPS Git credentials, Amazon Keyspaces), and IAM
 * Identity Center tokens from the AWS CLI's cache. Every value is generated at run time.
 */

const only = (text: string) => scanText(text).map((d) => [d.kind, d.value] as [CredentialKind, string]);

function one(text: string, kind: CredentialKind): Detection {
  const found = scanText(text);
  expect(found.map((d) => d.kind)).toEqual([kind]);
  return found[0]!;
}

describe('Amazon Bedrock API keys', () => {
  it('a long-term key names its account and IAM user, decoded offline, in the places people put it', () => {
    const account = freshAccountId();
    const key = freshBedrockApiKey(account, 'BedrockAPIKey-q7x2');
    for (const text of [
      `AWS_BEARER_TOKEN_BEDROCK=${key}\n`,
      `export AWS_BEARER_TOKEN_BEDROCK="${key}"\n`,
      `{"bedrockApiKey": "${key.replace(/\//g, '\\/')}"}\n`,
      `client = AnthropicBedrock(api_key='${key}')\n`,
      `headers:\n  Authorization: Bearer ${key}\n`,
    ]) {
      const found = one(text, 'bedrock-api-key');
      expect(found.value).toBe(key);
      expect(found.accountId).toBe(account);
      expect(found.details).toEqual({ service: 'bedrock', serviceUserName: `BedrockAPIKey-q7x2-at-${account}`, iamUser: 'BedrockAPIKey-q7x2' });
      expect(found.redacted).not.toContain(key.slice(8, -8));
    }
  });

  it('a long-term key stored base64-encoded (a Kubernetes Secret) is found too', () => {
    const key = freshBedrockApiKey();
    const found = one(`data:\n  AWS_BEARER_TOKEN_BEDROCK: ${Buffer.from(key).toString('base64')}\n`, 'bedrock-api-key');
    expect(found.value).toBe(key);
    expect(found.encoding).toBe('base64');
  });

  it('a short-term key says which access key signed it, its region and when it expires; that key ID is not reported on its own', () => {
    const signer = freshKeyId('ASIA');
    const signedAt = new Date('2026-11-30T09:15:00Z');
    const key = freshBedrockShortTermKey({ signingKeyId: signer, region: 'eu-central-1', signedAt, expiresSeconds: 43_200 });
    const found = one(`AWS_BEARER_TOKEN_BEDROCK=${key}\n`, 'bedrock-short-term-key');
    expect(found.value).toBe(key);
    expect(found.details).toEqual({ service: 'bedrock', signingKeyId: signer, region: 'eu-central-1', expires: '2026-11-30T21:15:00Z' });
    expect(found.redacted).not.toContain(signer);
  });
});

describe('service-specific credentials', () => {
  it('CodeCommit HTTPS Git credentials in a URL (.git-credentials, a remote, CI files): the password, with its user and account', () => {
    const account = freshAccountId();
    const password = freshServicePassword();
    const url = `https://alice-at-${account}:${encodeURIComponent(password)}@git-codecommit.eu-west-1.amazonaws.com/v1/repos/app`;
    for (const text of [`${url}\n`, `[remote "origin"]\n\turl = ${url}\n`, `script:\n  - git clone ${url}\n`]) {
      const found = one(text, 'service-specific-credential');
      expect(found.value).toBe(password);
      expect(found.accountId).toBe(account);
      expect(found.details).toEqual({ service: 'codecommit', serviceUserName: `alice-at-${account}`, iamUser: 'alice' });
    }
  });

  it('the CodeCommit console download and Amazon Keyspaces connection settings, with the password near the user name', () => {
    const account = freshAccountId();
    const password = freshServicePassword();
    const csv = one(`User Name,Password\nbob-at-${account},${password}\n`, 'service-specific-credential');
    expect([csv.value, csv.details?.iamUser]).toEqual([password, 'bob']);

    const keyspaces = one(
      `datastax-java-driver {\n  basic.contact-points = ["cassandra.us-east-1.amazonaws.com:9142"]\n  advanced.auth-provider {\n    class = PlainTextAuthProvider\n    username = "carol-at-${account}"\n    password = "${password}"\n  }\n}\n`,
      'service-specific-credential',
    );
    expect([keyspaces.value, keyspaces.details?.service, keyspaces.line]).toEqual([password, 'keyspaces', 6]);

    const before = one(`auth = PlainTextAuthProvider(\n    password='${password}',\n    username='dave-at-${account}')\n`, 'service-specific-credential');
    expect([before.value, before.line]).toEqual([password, 2]);
  });
});

describe('IAM Identity Center (SSO) tokens and the AWS CLI caches', () => {
  it('the access and refresh tokens of an ~/.aws/sso/cache file', () => {
    const access = freshSsoToken('access');
    const refresh = freshSsoToken('refresh');
    const cache = JSON.stringify(
      {
        startUrl: 'https://d-9067642ac7.awsapps.com/start',
        region: 'us-east-1',
        accessToken: access,
        expiresAt: '2026-11-30T21:00:00Z',
        clientId: randomBytes(16).toString('base64url'),
        refreshToken: refresh,
      },
      null,
      2,
    );
    expect(scanText(cache).map((d) => [d.kind, d.value, d.details?.tokenType])).toEqual([
      ['sso-token', access, 'access'],
      ['sso-token', refresh, 'refresh'],
    ]);
  });

  it('an ~/.aws/cli/cache file: the temporary key ID, its secret and its session token', () => {
    const id = freshKeyId('ASIA');
    const secret = freshSecret();
    const token = freshSessionToken();
    const cache = JSON.stringify({ Credentials: { AccessKeyId: id, SecretAccessKey: secret, SessionToken: token, Expiration: '2026-11-30T21:00:00+00:00' } });
    expect(only(cache).sort()).toEqual(
      [
        ['access-key-id', id],
        ['secret-access-key', secret],
        ['session-token', token],
      ].sort(),
    );
  });
});

describe('decoys: no new false alarm', () => {
  const account = freshAccountId();
  it.each([
    ['truncated long-term key', `AWS_BEARER_TOKEN_BEDROCK=${freshBedrockApiKey().slice(0, 40)}`],
    ['long-term key of a documentation account', `AWS_BEARER_TOKEN_BEDROCK=${freshBedrockApiKey('111122223333')}`],
    ['EXAMPLE-filled long-term key', `AWS_BEARER_TOKEN_BEDROCK=ABSK${Buffer.from(`BedrockAPIKey-abcd-at-${account}:EXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLEEXAMPLE=`).toString('base64')}`],
    ['placeholders', 'AWS_BEARER_TOKEN_BEDROCK=ABSK...\nAWS_BEARER_TOKEN_BEDROCK=<your-bedrock-api-key>\nAWS_BEARER_TOKEN_BEDROCK=bedrock-api-key-example\nAWS_BEARER_TOKEN_BEDROCK=ABSKQmVkcm9ja0FQSUtleS0...'],
    ['ABSK in other base64', `ABSK${randomBytes(60).toString('base64')}`],
    ['wrong prefix', `AWS_BEARER_TOKEN_BEDROCK=ABSX${freshBedrockApiKey().slice(4)}`],
    ['a short-term key signed by the documentation key', `AWS_BEARER_TOKEN_BEDROCK=${freshBedrockShortTermKey({ signingKeyId: 'AKIAIOSFODNN7EXAMPLE' })}`],
    ['a CodeCommit URL without a password', `https://alice-at-${account}@git-codecommit.us-east-1.amazonaws.com/v1/repos/app`],
    ['a documentation user name and password', 'https://Mary-at-111122223333:abcdefghijklmnopqrstuvwxyzEXAMPLE1234567=@git-codecommit.us-east-2.amazonaws.com/v1/repos/MyDemoRepo'],
    ['a user name next to a hash and a lower-case word', `user: build-at-${account}\nchecksum: ${randomBytes(32).toString('hex')}\nnote: ${'abcdefghij'.repeat(5)}`],
    ['-at- in prose and in dates', 'meet-at-202611301200 and look-at-this\nkeep-at-123 with a 12-digit id 999999999999'],
    ['short SSO-like values', 'accessToken: aoaAAAAA...\nrefreshToken: "aorAAAA_refresh"'],
    ['an SSO-like head in the middle of base64', `${randomBytes(30).toString('base64')}aoaAAAAA${randomBytes(150).toString('base64')}`],
  ])('%s', (_name, text) => {
    expect(scanText(text)).toEqual([]);
  });

  it('a truncated short-term key is not one, but the key ID inside it is still a key ID', () => {
    const signer = freshKeyId('ASIA');
    expect(only(`AWS_BEARER_TOKEN_BEDROCK=${freshBedrockShortTermKey({ signingKeyId: signer }).slice(0, 200)}`)).toEqual([['access-key-id', signer]]);
  });

  it('the account in a key ID and in a service user name decode alike', () => {
    const account = freshAccountId();
    const id = keyIdForAccount(account);
    const fromKeyId = scanText(`${id}\n`)[0]!.accountId;
    const fromBedrock = scanText(`${freshBedrockApiKey(account)}\n`)[0]!.accountId;
    expect([fromKeyId, fromBedrock]).toEqual([account, account]);
  });
});
