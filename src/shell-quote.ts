/** Control characters (C0, DEL, C1): a terminal acts on them instead of showing them. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
const CONTROLS = new RegExp(CONTROL.source, 'g');

/** A value as one word of a POSIX shell command line (in a script), quoted only when it needs it. */
export function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * A value as one word of a command printed for a person to copy. With control characters (a file
 * named with a newline or an escape sequence) it is written $'…' with escapes, as bash and zsh read
 * it, so the command stays right and nothing reaches the terminal raw.
 */
export function printableShellWord(value: string): string {
  if (!CONTROL.test(value)) return shellQuote(value);
  return `$'${value.replace(/[\\']/g, '\\$&').replace(CONTROLS, controlEscape)}'`;
}

/**
 * A path as shown to a person: as it is, or, when it holds control characters, in double quotes
 * with C escapes (as git shows such names), so that a file name cannot drive the terminal.
 */
export function displayPath(path: string): string {
  if (!CONTROL.test(path)) return path;
  return `"${path.replace(/["\\]/g, '\\$&').replace(CONTROLS, controlEscape)}"`;
}

function controlEscape(char: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\t': '\\t', '\r': '\\r' };
  const code = char.charCodeAt(0);
  return named[char] ?? (code < 0x80 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}
