import { randomBytes } from 'node:crypto';
import { median } from './measure.js';
import { random, syntheticFiles } from './synthetic-repo.js';

/** The detector alone, in this process (one core): throughput on ordinary and on adversarial text. */

type Scan = (text: string) => unknown[];

/** Ordinary text: the synthetic repository's own files, concatenated. */
export function ordinaryText(bytes: number): string {
  const parts: string[] = [];
  let size = 0;
  for (const file of syntheticFiles(Number.MAX_SAFE_INTEGER, 11)) {
    parts.push(file.content);
    size += file.content.length;
    if (size >= bytes) break;
  }
  return parts.join('\n').slice(0, bytes);
}

/**
 * Adversarial text: what makes a naive scanner slow. Long base64 runs, AKIA-prefixed near-misses
 * (one character outside base32), secret names followed by 40-character non-random values,
 * session-token names, escaped slashes, base64 fragments of encoded prefixes.
 */
export function adversarialText(bytes: number): string {
  const next = random(3);
  const pick = (alphabet: string, n: number) => {
    let out = '';
    for (let i = 0; i < n; i++) out += alphabet[Math.floor(next() * alphabet.length)];
    return out;
  };
  const base32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  const pieces = [
    () => randomBytes(3000).toString('base64'),
    () => `AKIA${pick(base32, 15)}1 ASIA${pick(base32, 15)}0 `,
    () => `aws_secret_access_key = ${'aB3/'.repeat(10)}\n`,
    () => `SessionToken: ${'Ab1+'.repeat(40)}\n`,
    () => `\\/${pick('abcdefABCDEF0123456789', 30)}%2F%2B%3D`,
    () => `QUtJQ${pick(base32, 20)} FLSU BS0lB `,
  ];
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const piece = pieces[Math.floor(next() * pieces.length)]!();
    parts.push(piece);
    size += piece.length;
  }
  return parts.join('').slice(0, bytes);
}

/**
 * Text heavy with the encodings the decoders read, and none of them holding a key: hex dumps and
 * digests, \x and \u escapes, percent-encoding, HTML entities, byte arrays, joined literals,
 * narrow base64, gzip streams in base64. Every decoder runs on it all the time.
 */
export function encodedText(bytes: number): string {
  const next = random(5);
  const words = 'the quick brown fox jumps over the lazy dog while config values load from the region table';
  const sample = () => words.slice(Math.floor(next() * 40), 40 + Math.floor(next() * 40));
  const each = (s: string, f: (c: number) => string) => [...Buffer.from(s)].map(f).join('');
  const hex2 = (c: number) => c.toString(16).padStart(2, '0');
  const pieces = [
    () => `${randomBytes(200).toString('hex')}\n`,
    () => `"${each(sample(), (c) => `\\x${hex2(c)}`)}",\n`,
    () => `{"t": "${each(sample(), (c) => `\\u00${hex2(c)}`)}"}\n`,
    () => `https://example.com/?q=${each(sample(), (c) => `%${hex2(c).toUpperCase()}`)}\n`,
    () => `<p>${each(sample(), (c) => `&#${c};`)}</p>\n`,
    () => `{${each(sample(), (c) => `0x${hex2(c)}, `)}}\n`,
    () => `s = "${sample()}" + "${sample()}" + 'AKIA' + "${sample()}";\n`,
    () => `${randomBytes(120).toString('base64').replace(/.{20}/g, '$&\n')}\n`,
    () => `H4sI${randomBytes(60).toString('base64')} SDRzS${randomBytes(60).toString('base64')}\n`,
    () => `414b4941${randomBytes(8).toString('hex')} 41 4b 49 41 ${randomBytes(4).toString('hex')}\n`,
  ];
  const parts: string[] = [];
  let size = 0;
  while (size < bytes) {
    const piece = pieces[Math.floor(next() * pieces.length)]!();
    parts.push(piece);
    size += piece.length;
  }
  return parts.join('').slice(0, bytes);
}

/** Median seconds of `runs` scans of `text`. */
function timeScan(scan: Scan, text: string, runs: number): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    scan(text);
    times.push(Number(process.hrtime.bigint() - start) / 1e9);
  }
  return median(times);
}

export interface DetectorFigures {
  ordinaryMBps: number;
  adversarialMBps: number;
  /** Time for 100 MB over time for 10 MB: 10 when linear. */
  ordinaryLinearity: number;
  adversarialLinearity: number;
  /** Hex- and escape-heavy text: every decoder at work (see encodedText). */
  encodedMBps: number;
  encodedLinearity: number;
}

export function measureDetector(scan: Scan, runs: number): DetectorFigures {
  const MB = 1024 * 1024;
  const ordinary = ordinaryText(100 * MB);
  const adversarial = adversarialText(100 * MB);
  scan(ordinary.slice(0, 5 * MB)); // warm up the JIT
  const ordinary100 = timeScan(scan, ordinary, runs);
  const ordinary10 = timeScan(scan, ordinary.slice(0, 10 * MB), runs);
  const adversarial100 = timeScan(scan, adversarial, runs);
  const adversarial10 = timeScan(scan, adversarial.slice(0, 10 * MB), runs);
  const encoded = encodedText(100 * MB);
  const encoded100 = timeScan(scan, encoded, runs);
  const encoded10 = timeScan(scan, encoded.slice(0, 10 * MB), runs);
  return {
    ordinaryMBps: 100 / ordinary100,
    adversarialMBps: 100 / adversarial100,
    ordinaryLinearity: ordinary100 / ordinary10,
    adversarialLinearity: adversarial100 / adversarial10,
    encodedMBps: 100 / encoded100,
    encodedLinearity: encoded100 / encoded10,
  };
}
