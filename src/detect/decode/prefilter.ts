import { doubleEncodedPrefixes, GZIP_IN_BASE64, GZIP_IN_DOUBLE_BASE64 } from './compressed.js';
import { ESCAPE_CLUSTER_ERE } from './escapes.js';
import { HEX_PREFIX_SOURCE } from './hex.js';

/**
 * The hook launcher's prefilter (see prefilterPattern in anchors.ts) for the decoded forms: what a
 * line that holds the start of such a finding always contains. POSIX ERE, also read as JavaScript.
 * The detector keeps a decoded finding only on a line this passes (findDecodedForms), so the hook
 * and `keyguard check` never disagree.
 */
export function decodedFormsPrefilter(prefixes: readonly string[]): string[] {
  return [
    HEX_PREFIX_SOURCE, // 414b4941…, 41 4b 49 41
    ESCAPE_CLUSTER_ERE, // \x41\x4b…, \u0041…, %41%4B…, &#65;…, 0x41, 0x4b…
    GZIP_IN_BASE64,
    GZIP_IN_DOUBLE_BASE64,
    ...doubleEncodedPrefixes(prefixes),
    // A key ID cut inside its prefix, at the end of a string literal: "AK" + "IA…"
    '(^|[^A-Za-z0-9])A(K|KI|S|SI|B|BI|C|CC)?["\'`]',
    // A secret-key name on the line: a secret split across literals is found next to it.
    '[Ss][Ee][Cc][Rr][Ee][Tt].?([Aa][Cc][Cc][Ee][Ss][Ss].?)?[Kk][Ee][Yy]|[Aa][Ww][Ss].?[Ss][Ee][Cc][Rr][Ee][Tt]',
    // A line of base64 wrapped at 16 to 39 columns (a diff line starts with +; CR may end it).
    '^[+ \t]*[A-Za-z0-9+/]{16,}=*[^ -~]?$',
  ];
}

let visible: RegExp | undefined;
/** Lines longer than this are tested around the offset only (enough for any form's start). */
const WINDOW = 4096;

/**
 * Whether the line that holds `offset` matches the whole prefilter. On a long line only the text
 * within WINDOW characters of `offset` is tested: what matches there matches the line too.
 */
export function prefilterSeesLine(text: string, offset: number, pattern: () => string): boolean {
  visible ??= new RegExp(pattern());
  const start = Math.max(text.lastIndexOf('\n', offset - 1) + 1, offset - WINDOW);
  let end = text.indexOf('\n', offset);
  if (end < 0 || end > offset + WINDOW) end = Math.min(text.length, offset + WINDOW);
  return visible.test(text.slice(start, end));
}
