import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanText } from '../../src/detect/index.js';
import { blobTokens, textTokens, tokenOf, TokenSink } from '../../src/exposure/candidates.js';
import { freshKeyId, freshSecret, freshSessionToken } from '../../src/fake-keys.js';

/**
 * The exposure record stores, per commit, the tokens candidates.ts finds. A credential the detector
 * reports anywhere must be among the tokens of that text, in every form the detector decodes:
 * otherwise the lookup would call a pushed key "staged".
 */

const filler = fc.stringMatching(/^[a-z0-9 ,.;:#()[\]{}<>!?'"=-]{0,80}$/);

/** A credential written in one of the forms people commit, and the (kind, value) the detector reports for it. */
const planted = fc.constantFrom('plain-id', 'named-secret', 'json-secret', 'url-secret', 'token', 'base64-id', 'wrapped-base64', 'glued-id').map((form) => {
  const id = freshKeyId();
  const secret = freshSecret();
  switch (form) {
    case 'plain-id':
      return { text: `aws_access_key_id = ${id}`, expect: [tokenOf('access-key-id', id)] };
    case 'named-secret':
      return { text: `aws_secret_access_key: "${secret}"`, expect: [tokenOf('secret-access-key', secret)] };
    case 'json-secret':
      return { text: `{"SecretAccessKey": "${secret.replace(/\//g, '\\/')}"}`, expect: [tokenOf('secret-access-key', secret)] };
    case 'url-secret':
      return { text: `https://x.invalid/?aws_secret_access_key=${encodeURIComponent(secret)}&x=1`, expect: [tokenOf('secret-access-key', secret)] };
    case 'token': {
      const token = freshSessionToken(400);
      return { text: `aws_session_token = ${token}`, expect: [tokenOf('session-token', token)] };
    }
    case 'base64-id':
      return { text: `data:\n  key: ${Buffer.from(`AWS_ACCESS_KEY_ID=${id}\n`).toString('base64')}`, expect: [tokenOf('access-key-id', id)] };
    case 'wrapped-base64': {
      const encoded = Buffer.from(`[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`).toString('base64');
      return { text: encoded.replace(/(.{64})/g, '$1\n'), expect: [tokenOf('access-key-id', id), tokenOf('secret-access-key', secret)] };
    }
    default:
      // Glued to a word: the detector does not report it there, the pickaxe would find it: the record keeps it.
      return { text: `prefix${id}suffix`, expect: [tokenOf('access-key-id', id)] };
  }
});

const document = fc.tuple(fc.array(filler, { maxLength: 5 }), fc.array(planted, { minLength: 1, maxLength: 3 }), fc.array(filler, { maxLength: 5 }), fc.constantFrom('\n', '\r\n'));

describe('exposure tokens', () => {
  it('hold every credential the detector reports, and every planted one, in every form', () => {
    fc.assert(
      fc.property(document, ([before, plants, after, eol]) => {
        const text = [...before, ...plants.map((p) => p.text), ...after].join(eol);
        const tokens = textTokens(text);
        for (const detection of scanText(text)) expect(tokens).toContain(tokenOf(detection.kind, detection.value));
        for (const plant of plants) for (const token of plant.expect) expect(tokens).toContain(token);
      }),
      { numRuns: 300 },
    );
  });

  it('are the same when a large blob arrives in pieces and is tokenized piece by piece', () => {
    fc.assert(
      fc.property(document, fc.integer({ min: 1, max: 997 }), fc.integer({ min: 0, max: 3000 }), ([before, plants, after, eol], feed, padding) => {
        // Long enough to be cut several times; plain text lines around the plants.
        const text = ['x '.repeat(padding), ...before, ...plants.map((p) => p.text), ...after, 'y '.repeat(padding)].join(eol);
        const bytes = Buffer.from(text);
        const sink = new TokenSink(2048, 512);
        for (let at = 0; at < bytes.length; at += feed) sink.data(bytes.subarray(at, at + feed));
        sink.end();
        expect([...sink.tokens].sort()).toEqual([...blobTokens(bytes)].sort());
      }),
      { numRuns: 200 },
    );
  });

  it('find a key at the very start, at the very end without a newline, past 64 KB lines, and in UTF-16', () => {
    const [first, last, deep, wide] = [freshKeyId(), freshKeyId(), freshKeyId(), freshKeyId()];
    const text = `${first} ${'word '.repeat(20_000)}\n${'a'.repeat(70_000)} ${deep}\n${last}`;
    const tokens = textTokens(text);
    for (const id of [first, last, deep]) expect(tokens).toContain(tokenOf('access-key-id', id));
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`$env:AWS_ACCESS_KEY_ID = "${wide}"\r\n`, 'utf16le')]);
    expect(blobTokens(utf16)).toContain(tokenOf('access-key-id', wide));
  });

  it('leave out what the detector never reports: placeholders, examples, hex digests, plain words', () => {
    const text = [
      'AKIAIOSFODNN7EXAMPLE wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      `AKIA${'X'.repeat(16)}`,
      `sha = ${'0123456789abcdef'.repeat(3).slice(0, 40)}`,
      'const someVeryLongIdentifierNameThatGoesOnAndOnForeverMore = 1;',
    ].join('\n');
    expect([...textTokens(text)]).toEqual([]);
  });

  it('stay linear on adversarial input (long base64, near-misses)', () => {
    const big = `${'AKIA2345'.repeat(200_000)} ${Buffer.alloc(3_000_000, 7).toString('base64')}`;
    const start = Date.now();
    textTokens(big);
    expect(Date.now() - start).toBeLessThan(5000);
  });
});
