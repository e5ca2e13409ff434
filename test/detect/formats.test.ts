import { describe, expect, it } from 'vitest';
import { scanText, type CredentialKind, type Detection } from '../../src/detect/index.js';
import { freshKeyId, freshSecret, freshSessionToken } from '../../src/fake-keys.js';

/**
 * Keys where people really put them. Every key is generated fresh for each run; the expectation is
 * always "these exact values, of these kinds, and nothing else".
 */

/** A secret that contains both '/' and '+', so that escaping and encoding are exercised. */
function secretWithSlashAndPlus(): string {
  for (;;) {
    const secret = freshSecret();
    if (secret.includes('/') && secret.includes('+')) return secret;
  }
}

const id = freshKeyId();
const temporaryId = freshKeyId('ASIA');
const secret = secretWithSlashAndPlus();
const token = freshSessionToken();

function kindsAndValues(found: Detection[]): [CredentialKind, string][] {
  return found.map((d) => [d.kind, d.value]);
}

function expectExactly(text: string, expected: [CredentialKind, string][]): Detection[] {
  const found = scanText(text);
  expect(kindsAndValues(found).sort()).toEqual([...expected].sort());
  return found;
}

const pair: [CredentialKind, string][] = [
  ['access-key-id', id],
  ['secret-access-key', secret],
];

describe('where keys are written', () => {
  it.each([
    ['.env', `NODE_ENV=production\nAWS_ACCESS_KEY_ID=${id}\nAWS_SECRET_ACCESS_KEY=${secret}\n`],
    ['~/.aws/credentials', `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\nregion = eu-west-1\n`],
    ['shell exports', `export AWS_ACCESS_KEY_ID="${id}"\nexport AWS_SECRET_ACCESS_KEY='${secret}'\n`],
    ['aws configure set', `aws configure set aws_access_key_id ${id}\naws configure set aws_secret_access_key ${secret}\n`],
    [
      'aws configure transcript',
      `$ aws configure\nAWS Access Key ID [None]: ${id}\nAWS Secret Access Key [None]: ${secret}\nDefault region name [None]: us-east-1\n`,
    ],
    ['Python (boto3)', `s3 = boto3.client(\n    "s3",\n    aws_access_key_id="${id}",\n    aws_secret_access_key="${secret}",\n)\n`],
    ['JavaScript (SDK v3)', `const s3 = new S3Client({ credentials: { accessKeyId: '${id}', secretAccessKey: '${secret}' } });\n`],
    ['TypeScript', `const credentials: AwsCredentialIdentity = {\n  accessKeyId: "${id}",\n  secretAccessKey: "${secret}",\n};\n`],
    ['Java', `AWSCredentials credentials = new BasicAWSCredentials("${id}", "${secret}");\n`],
    ['Go', `sess := session.Must(session.NewSession(&aws.Config{\n\tCredentials: credentials.NewStaticCredentials("${id}", "${secret}", ""),\n}))\n`],
    ['C#', `var credentials = new BasicAWSCredentials("${id}", "${secret}");\nvar client = new AmazonS3Client(credentials, RegionEndpoint.EUWest1);\n`],
    ['PHP', `$s3 = new S3Client([\n    'credentials' => ['key' => '${id}', 'secret' => '${secret}'],\n]);\n`],
    ['Ruby', `Aws.config.update(credentials: Aws::Credentials.new('${id}', '${secret}'))\n`],
    ['Terraform', `provider "aws" {\n  region     = "us-west-2"\n  access_key = "${id}"\n  secret_key = "${secret}"\n}\n`],
    ['docker compose', `services:\n  app:\n    environment:\n      - AWS_ACCESS_KEY_ID=${id}\n      - AWS_SECRET_ACCESS_KEY=${secret}\n`],
    ['GitHub Actions', `jobs:\n  deploy:\n    env:\n      AWS_ACCESS_KEY_ID: ${id}\n      AWS_SECRET_ACCESS_KEY: ${secret}\n`],
    [
      'Kubernetes Secret (stringData)',
      `apiVersion: v1\nkind: Secret\nstringData:\n  aws_access_key_id: "${id}"\n  aws_secret_access_key: "${secret}"\n`,
    ],
    [
      'aws iam create-access-key output',
      `{\n    "AccessKey": {\n        "UserName": "Bob",\n        "AccessKeyId": "${id}",\n        "Status": "Active",\n        "SecretAccessKey": "${secret}",\n        "CreateDate": "2015-03-09T18:39:23.411Z"\n    }\n}\n`,
    ],
    ['console CSV download', `Access key ID,Secret access key\n${id},${secret}\n`],
    ['older console CSV', `User name,Password,Access key ID,Secret access key,Console login link\nalice,,${id},${secret},https://123456789012.signin.aws.amazon.com/console\n`],
    ['XML', `<Credentials>\n  <AccessKeyId>${id}</AccessKeyId>\n  <SecretAccessKey>${secret}</SecretAccessKey>\n</Credentials>\n`],
    ['TOML', `[aws]\naccess_key_id = "${id}"\nsecret_access_key = "${secret}"\n`],
    ['INI (.s3cfg)', `[default]\naccess_key = ${id}\nsecret_key = ${secret}\nhost_base = s3.amazonaws.com\n`],
    ['CRLF line ends', `[default]\r\naws_access_key_id = ${id}\r\naws_secret_access_key = ${secret}\r\n`],
    ['URL user info', `S3_URL=s3://${id}:${encodeURIComponent(secret)}@my-bucket/path\n`],
    ['YAML block scalar', `aws_secret_access_key: >-\n  ${secret}\naws_access_key_id: ${id}\n`],
    ['Java properties', `cloud.aws.credentials.access-key=${id}\ncloud.aws.credentials.secret-key=${secret}\n`],
  ])('%s', (_name, text) => {
    expectExactly(text, pair);
  });

  it.each([
    ['English', 'My AWS keys for the lab', 'access key', 'secret'],
    ['Spanish', 'Mis claves de AWS para el laboratorio', 'clave de acceso', 'clave secreta'],
    ['Chinese', '实验课用的 AWS 密钥', '访问密钥', '秘密访问密钥'],
    ['Russian', 'Ключи AWS для лабораторной', 'ключ доступа', 'секретный ключ'],
    ['Japanese', 'ラボ用のAWSキー', 'アクセスキー', 'シークレットキー'],
  ])('Markdown notes in %s', (_language, heading, idLabel, secretLabel) => {
    const text = `# ${heading}\n\n- ${idLabel}: \`${id}\`\n- ${secretLabel}: \`${secret}\`\n\n\`\`\`sh\nexport AWS_DEFAULT_REGION=eu-central-1\n\`\`\`\n`;
    expectExactly(text, pair);
  });

  it('Jupyter notebook cell (JSON-escaped source lines)', () => {
    const notebook = JSON.stringify(
      {
        cells: [
          {
            cell_type: 'code',
            source: ['import boto3\n', `session = boto3.Session(aws_access_key_id="${id}",\n`, `                        aws_secret_access_key="${secret}")\n`],
          },
        ],
      },
      null,
      1,
    );
    const found = expectExactly(notebook, [
      ['access-key-id', id],
      ['secret-access-key', secret],
    ]);
    // JSON.stringify writes '/' unescaped; the value is found in place.
    expect(found.every((d) => d.encoding === 'plain')).toBe(true);
  });

  it('JSON with escaped slashes (\\/), as PHP and some serializers write it', () => {
    const escaped = secret.replace(/\//g, '\\/');
    const found = expectExactly(`{"AccessKeyId":"${id}","SecretAccessKey":"${escaped}"}`, pair);
    expect(found.find((d) => d.kind === 'secret-access-key')!.encoding).toBe('json-escaped');
  });

  it('URL-encoded secret (%2F, %2B)', () => {
    const encoded = encodeURIComponent(secret);
    expect(encoded).toMatch(/%2F|%2B/);
    const found = expectExactly(`curl "https://example.com/setup?aws_access_key_id=${id}&aws_secret_access_key=${encoded}"`, pair);
    expect(found.find((d) => d.kind === 'secret-access-key')!.encoding).toBe('url-encoded');
  });

  it('SigV4 presigned URL: the key ID in X-Amz-Credential, the session token in X-Amz-Security-Token', () => {
    const url =
      `https://bucket.s3.eu-west-1.amazonaws.com/report.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256` +
      `&X-Amz-Credential=${temporaryId}%2F20250101%2Feu-west-1%2Fs3%2Faws4_request&X-Amz-Date=20250101T000000Z` +
      `&X-Amz-Expires=3600&X-Amz-Security-Token=${encodeURIComponent(token)}&X-Amz-SignedHeaders=host` +
      `&X-Amz-Signature=${'0123456789abcdef'.repeat(4)}`;
    const found = expectExactly(url, [
      ['access-key-id', temporaryId],
      ['session-token', token],
    ]);
    expect(found.find((d) => d.kind === 'session-token')!.encoding).toBe(token.includes('/') || token.includes('+') ? 'url-encoded' : 'plain');
  });

  it('SigV2 presigned URL (AWSAccessKeyId=)', () => {
    expectExactly(`https://bucket.s3.amazonaws.com/a.txt?AWSAccessKeyId=${id}&Expires=1700000000&Signature=abcd%2Fefgh%3D`, [['access-key-id', id]]);
  });

  it('aws sts assume-role output: temporary key ID, secret and session token', () => {
    const text = JSON.stringify(
      {
        Credentials: { AccessKeyId: temporaryId, SecretAccessKey: secret, SessionToken: token, Expiration: '2025-01-01T01:00:00Z' },
        AssumedRoleUser: { AssumedRoleId: 'AROA3XFRBF535PLBIFPI4:s3-access-example', Arn: 'arn:aws:sts::123456789012:assumed-role/x/y' },
      },
      null,
      4,
    );
    expectExactly(text, [
      ['access-key-id', temporaryId],
      ['secret-access-key', secret],
      ['session-token', token],
    ]);
  });

  it('credentials file with a session token', () => {
    expectExactly(`[tmp]\naws_access_key_id=${temporaryId}\naws_secret_access_key=${secret}\naws_session_token=${token}\n`, [
      ['access-key-id', temporaryId],
      ['secret-access-key', secret],
      ['session-token', token],
    ]);
  });

  it('a session token with no name next to it is recognised by its leading bytes', () => {
    expectExactly(`token: ${token}\n`, [['session-token', token]]);
  });

  it('Kubernetes Secret data: base64 values are decoded and scanned', () => {
    const b64 = (value: string) => Buffer.from(value).toString('base64');
    const text = `apiVersion: v1\nkind: Secret\ntype: Opaque\ndata:\n  AWS_ACCESS_KEY_ID: ${b64(id)}\n  AWS_SECRET_ACCESS_KEY: ${b64(`${secret}\n`)}\n`;
    const found = expectExactly(text, pair);
    expect(found.map((d) => d.encoding)).toEqual(['base64', 'base64']);
    expect(found.map((d) => d.line)).toEqual([5, 6]);
  });

  it('a whole credentials file encoded in base64 (at any alignment) is decoded and scanned', () => {
    for (const lead of ['', '#', '##']) {
      const encoded = Buffer.from(`${lead}[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`).toString('base64');
      expectExactly(`credentials: ${encoded}\n`, pair);
    }
  });

  it('a JSON string with \\n before the key (escaped newlines in one-line JSON)', () => {
    expectExactly(`{"notes":"keys:\\n${id}\\n${secret}\\n"}`, pair);
  });
});

describe('positions', () => {
  it('reports 1-based line and column of each value, CRLF or not', () => {
    for (const eol of ['\n', '\r\n']) {
      const text = ['[default]', `aws_access_key_id = ${id}`, `aws_secret_access_key = ${secret}`].join(eol);
      const found = scanText(text);
      expect(found.map((d) => [d.kind, d.line, d.column])).toEqual([
        ['access-key-id', 2, 21],
        ['secret-access-key', 3, 25],
      ]);
    }
  });

  it('counts columns in UTF-16 code units, as editors and SARIF do', () => {
    const [found] = scanText(`🔑 ключ = ${id}`);
    expect(found!.column).toBe('🔑 ключ = '.length + 1);
  });
});
