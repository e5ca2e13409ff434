import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { scanText } from '../../src/detect/index.js';
import { freshKeyId, freshSecret, freshSessionToken } from '../../src/fake-keys.js';
import { BlobScanner } from '../../src/scan/blob-scanner.js';

/** Cases a review found missed or misreported; each stays fixed. */

const b64 = (value: string) => Buffer.from(value).toString('base64');

function secretWith(chars: string): string {
  for (;;) {
    const secret = freshSecret();
    if ([...chars].every((c) => secret.includes(c))) return secret;
  }
}

function scanBytes(bytes: Buffer, limits?: { chunkBytes: number; overlapBytes: number }) {
  const scanner = new BlobScanner(limits);
  scanner.data(bytes);
  scanner.end();
  return scanner.result;
}

describe('encodings a first version missed', () => {
  it('JSON \\u escapes around a key ID and inside a secret (Go and .NET encoders write them)', () => {
    const id = freshKeyId();
    const secret = secretWith('+/');
    const go = `{"body":"\\u003cAccessKeyId\\u003e${id}\\u003c/AccessKeyId\\u003e\\u003cSecretAccessKey\\u003e${secret.replace(/\+/g, '\\u002B')}\\u003c/SecretAccessKey\\u003e"}`;
    expect(scanText(go).map((d) => d.value).sort()).toEqual([id, secret].sort());
    expect(scanText(`"\\u0022${id}\\u0022"`).map((d) => d.value)).toEqual([id]);
  });

  it('line-wrapped base64 (cloud-init, 76 columns) holding a credentials file', () => {
    const id = freshKeyId();
    const secret = freshSecret();
    for (const lead of ['', 'r', 'rg']) {
      const encoded = b64(`[default]\n${lead}region = eu-west-1\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`);
      const wrapped = encoded.replace(/.{76}/g, '$&\n      ');
      const text = `write_files:\n  - path: /root/.aws/credentials\n    encoding: b64\n    content: |\n      ${wrapped}\n`;
      expect(scanText(text).map((d) => d.value).sort()).toEqual([id, secret].sort());
    }
  });

  it('a base64-encoded key ID vouches for the base64-encoded secret beside it, whatever their names', () => {
    const id = freshKeyId();
    const secret = freshSecret();
    const text = `kind: Secret\ndata:\n  username: ${b64(id)}\n  password: ${b64(secret)}\n`;
    expect(scanText(text).map((d) => [d.kind, d.value])).toEqual([
      ['access-key-id', id],
      ['secret-access-key', secret],
    ]);
  });

  it('several credentials in one base64 value are all reported', () => {
    const [a, b] = [freshKeyId(), freshKeyId()];
    const [s1, s2] = [freshSecret(), freshSecret()];
    const file = `[one]\naws_access_key_id = ${a}\naws_secret_access_key = ${s1}\n[two]\naws_access_key_id = ${b}\naws_secret_access_key = ${s2}\n`;
    const result = scanBytes(Buffer.from(`credentials: ${b64(file)}\n`));
    expect(result.detections.map((d) => d.value).sort()).toEqual([a, b, s1, s2].sort());
  });

  it('a key in a binary file (a SQLite database) is found, reading the bytes as characters', () => {
    const id = freshKeyId();
    const secret = freshSecret();
    const db = Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(100), Buffer.from(`aws_access_key_id=${id}\naws_secret_access_key=${secret}\n`), randomBytes(200)]);
    const result = scanBytes(db);
    expect(result.encoding).toBe('binary');
    expect(result.detections.map((d) => d.value).sort()).toEqual([id, secret].sort());
  });

  it('UTF-16 without a byte-order mark is recognised and decoded', () => {
    const id = freshKeyId();
    const le = Buffer.from(`$Env:AWS_ACCESS_KEY_ID = "${id}"\r\n`, 'utf16le');
    expect(scanBytes(le).encoding).toBe('utf-16le');
    expect(scanBytes(le).detections.map((d) => d.value)).toEqual([id]);
    expect(scanBytes(Buffer.from(le).swap16()).detections.map((d) => d.value)).toEqual([id]);
  });

  it('base64 on one line longer than a scan piece: found whatever the cut', () => {
    const id = freshKeyId();
    const secret = freshSecret();
    const payload = Buffer.concat([randomBytes(3000), Buffer.from(`\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`)]);
    const line = Buffer.from(`  data: ${payload.toString('base64')}\n`);
    for (const chunkBytes of [1024, 2048, 2500, 3000]) {
      const found = scanBytes(line, { chunkBytes, overlapBytes: 512 }).detections.map((d) => d.value);
      expect(found, `chunk ${chunkBytes}`).toContain(id);
    }
  });
});

describe('false alarms a first version raised', () => {
  it('a JWT or a short random token named like a session token is not an AWS session token', () => {
    const segment = (n: number) => randomBytes(n).toString('base64url');
    const jwt = `eyJ${segment(30)}.${segment(150)}.${segment(32)}`;
    expect(scanText(`const sessionToken = "${jwt}";`)).toEqual([]);
    expect(scanText(`"next-auth.session-token": "${segment(20)}.${segment(160)}"`)).toEqual([]);
    expect(scanText(`"securityToken": "${randomBytes(120).toString('base64')}"`)).toEqual([]);
    const token = freshSessionToken();
    expect(scanText(`"securityToken": "${token}"`).map((d) => d.value)).toEqual([token]);
  });
});

describe('linear time', () => {
  it('escaped slashes before session-token markers do not make every marker re-read the run', () => {
    const text = `{"data":"${'\\/IQoJb3JpZ2luX2Vj'.repeat(233_016)}"}`;
    expect(scanText(text)).toEqual([]);
  });
});
