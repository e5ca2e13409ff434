import { DecodedBuilder, type Decoded } from './decoded.js';

/**
 * A key split across string literals joined in code: `'AKIA' + 'XXXX…'` (JavaScript, Java, C#,
 * Go), Python's implicit concatenation (`"AKIA" "XXXX…"`, also over lines inside parentheses),
 * `k = "AKIA"` then `k += "…"`, `"".join(["AKIA", "…"])`, Lua's `..`, VB's `&`. Found at the joint
 * between two literals whose touching characters could belong to a key; the literals of the chain
 * are joined and the result scanned, and only what spans a joint is kept (the rest is found anyway).
 */

const OPERATOR = '(?:\\+|\\.\\.|,|&|\\|\\|)';
const QUOTE = '["\'`]';
/**
 * From a closing quote (after a key character) to the next opening quote (before one): an operator,
 * a line end (with a trailing backslash or operator), `name +=`, in that order, each optional.
 */
export const JOINT_SOURCE =
  `${QUOTE}(?<=[A-Za-z0-9+/=]${QUOTE})[ \\t]*;?[ \\t]*(?:${OPERATOR}[ \\t]*)?(?:\\\\?\\r?\\n[ \\t]*(?:${OPERATOR}[ \\t]*)?)?` +
  `(?:[A-Za-z_$][\\w$.]*[ \\t]*\\+=[ \\t]*)?${QUOTE}(?=[A-Za-z0-9+/])`;

const JOINT_AT = new RegExp(JOINT_SOURCE, 'y');

/** A literal's content is at most this long (a secret and more), and a chain at most this many literals. */
const LITERAL_MAX = 200;
const CHAIN_MAX = 16;
/** Text before the chain kept for the evidence a secret needs (its name, three lines up). */
const CONTEXT_BEFORE = 300;
const CONTEXT_AFTER = 100;

interface Literal {
  start: number;
  end: number;
}

function literalEndingAt(text: string, closeQuote: number): Literal | undefined {
  const quote = text.charCodeAt(closeQuote);
  for (let i = closeQuote - 1; i >= 0 && closeQuote - i <= LITERAL_MAX + 1; i--) {
    const c = text.charCodeAt(i);
    if (c === 10) return undefined;
    if (c === quote) return { start: i + 1, end: closeQuote };
  }
  return undefined;
}

function literalStartingAt(text: string, openQuote: number): Literal | undefined {
  const quote = text.charCodeAt(openQuote);
  for (let i = openQuote + 1; i < text.length && i - openQuote <= LITERAL_MAX + 1; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) return undefined;
    if (c === quote) return { start: openQuote + 1, end: i };
  }
  return undefined;
}

/** How a key ID can begin in the literal that a joint closes: its prefix cut (`AK`) or whole, and part of its body. */
const KEY_ID_START = /(?:^|[^A-Za-z0-9])(?:A(?:K|KI|S|SI|B|BI|C|CC)?|(?:AKIA|ASIA|ABIA|ACCA)[A-Z2-7]{0,15})$/;

/** Whether the literal closed at `closeQuote` ends with the start of a key ID (a cheap test, before joining). */
export function mayStartKeyId(text: string, closeQuote: number): boolean {
  return KEY_ID_START.test(text.slice(Math.max(0, closeQuote - 21), closeQuote));
}

const last0 = (literals: Literal[]): number => literals[literals.length - 1]!.end;

export interface Chain {
  decoded: Decoded;
  /** Where the chain's last literal ends: joints before it are part of this chain. */
  end: number;
}

/**
 * The chain of joined literals through the joint that starts at `jointStart` (a closing quote) and
 * ends at `jointEnd` (after the next opening quote), decoded with the text around it, from no
 * earlier than `notBefore` (the end of the previous chain: no text is joined twice over).
 */
export function joinChain(text: string, jointStart: number, jointEnd: number, notBefore = 0): Chain | undefined {
  const first = literalEndingAt(text, jointStart);
  if (first === undefined) return undefined;
  const literals = [first];
  let next = literalStartingAt(text, jointEnd - 1);
  while (next !== undefined && literals.length < CHAIN_MAX) {
    literals.push(next);
    JOINT_AT.lastIndex = next.end;
    if (!JOINT_AT.test(text)) break;
    next = literalStartingAt(text, JOINT_AT.lastIndex - 1);
  }
  if (literals.length < 2) return undefined;
  const out = new DecodedBuilder(Math.min(text.length, last0(literals) + CONTEXT_AFTER) - Math.max(0, notBefore, first.start - CONTEXT_BEFORE));
  const contextStart = Math.max(0, notBefore, first.start - CONTEXT_BEFORE);
  for (let i = contextStart; i < first.start; i++) out.push(text.charCodeAt(i), i);
  for (const literal of literals) for (let i = literal.start; i < literal.end; i++) out.push(text.charCodeAt(i), i);
  const last = literals[literals.length - 1]!;
  const contextEnd = Math.min(text.length, last.end + CONTEXT_AFTER);
  for (let i = last.end; i < contextEnd; i++) out.push(text.charCodeAt(i), i);
  return { decoded: out.finish(contextEnd), end: last.end };
}
