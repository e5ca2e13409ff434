import { scanText } from '../detect/scan-text.js';
import type { Finding } from './types.js';

/** How a commit message appears in reports. */
export const MESSAGE_PATH = '(commit message)';

/**
 * Credentials in a commit message (a key pasted into `git commit -m "…"`). Comment lines are
 * scanned too: `git commit -m` keeps them (its cleanup mode is "whitespace" when no editor runs),
 * and the hook cannot tell which mode will apply. Only what lies below the scissors line that
 * `commit -v` adds is left out: the staged diff, which the pre-commit hook checks.
 */
export function scanCommitMessage(message: string, commentChar = '#'): Finding[] {
  const lines = message.split('\n');
  const scissors = lines.findIndex((line) => line.startsWith(`${commentChar} `) && / -+ >8 -+\s*$/.test(line));
  const kept = scissors >= 0 ? lines.slice(0, scissors) : lines;
  return scanText(kept.join('\n')).map(({ offset: _o, length: _l, ...detection }) => ({ ...detection, path: MESSAGE_PATH }));
}

/** How the headers of a commit (a merged tag's `mergetag`, author, signature) appear in reports. */
export const COMMIT_HEADER_PATH = '(commit header)';

/** A stored commit or tag object split into its headers and its message. */
export function splitObject(object: Buffer): { header: string; message: string } {
  const text = object.toString('utf8');
  const blank = text.indexOf('\n\n');
  return blank < 0 ? { header: text, message: '' } : { header: text.slice(0, blank + 1), message: text.slice(blank + 2) };
}

/** The message of a stored commit or tag object: what follows its headers. */
export function messageOfObject(object: Buffer): string {
  return splitObject(object).message;
}

/**
 * Credentials in a stored commit: its message, and its headers, where `git merge` of a signed tag
 * copies the whole tag, message included (`mergetag`); the push sends them with the commit.
 */
export function scanCommitObject(object: Buffer): Finding[] {
  const { header, message } = splitObject(object);
  return [...scanStoredMessage(message, MESSAGE_PATH), ...scanStoredMessage(header, COMMIT_HEADER_PATH)];
}

/** Credentials in a message as git stored it (nothing is stripped any more), reported under `path`. */
export function scanStoredMessage(message: string, path: string): Finding[] {
  return scanText(message).map(({ offset: _o, length: _l, ...detection }) => ({ ...detection, path }));
}
