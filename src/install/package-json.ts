import { readFileSync, writeFileSync } from 'node:fs';

/**
 * The command, in the `prepare` script (npm, pnpm) or the `postinstall` script (yarn berry), that
 * gives every clone the hooks on install. It must not fail where keyguard is not installed
 * (`npm ci --omit=dev`, a production Docker build): `|| exit 0` turns a missing command into
 * success, in sh, cmd.exe and yarn's shell alike.
 */
export const HOOKS_COMMAND = 'keyguard install --quiet || exit 0';
const APPENDED = ` && (${HOOKS_COMMAND})`;

/** A script that already runs keyguard's install, in keyguard's words or the project's own. */
const RUNS_INSTALL = /keyguard(\.js)?\s+install\b/;

/** The script with keyguard's command: alone, or after an existing script. */
export function withHooksCommand(existing: string | undefined): string {
  if (!existing || existing.trim() === '') return HOOKS_COMMAND;
  if (RUNS_INSTALL.test(existing)) return existing;
  return existing + APPENDED;
}

/**
 * The script without keyguard's command (and the `&&` that joined it to what the user wrote
 * before or after it), or undefined when nothing else was in it.
 */
export function withoutHooksCommand(existing: string): string | undefined {
  let rest = existing.replace(APPENDED, '');
  if (rest === existing) {
    rest = rest
      .replace(new RegExp(`^\\s*${escape(HOOKS_COMMAND)}\\s*&&\\s*`), '')
      .replace(new RegExp(`\\s*&&\\s*${escape(HOOKS_COMMAND)}\\s*$`), '')
      .replace(new RegExp(`^\\s*${escape(HOOKS_COMMAND)}\\s*$`), '');
  }
  return rest.trim() || undefined;
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/*
 * package.json is edited in place, as text: only the script's value (or the members added for it)
 * changes, so the project's formatting, key order, inline arrays and line ends stay as they were.
 */

interface Member {
  key: string;
  /** Where the member starts (its key's opening quote) and where its value ends. */
  start: number;
  valueStart: number;
  valueEnd: number;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

function skipString(text: string, i: number): number {
  for (i++; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i + 1;
  }
  throw new SyntaxError('unterminated string in package.json');
}

function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return skipString(text, i);
  if (c === '{' || c === '[') {
    let depth = 0;
    for (; i < text.length; i++) {
      const d = text[i];
      if (d === '"') i = skipString(text, i) - 1;
      else if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
    }
    throw new SyntaxError('unterminated value in package.json');
  }
  while (i < text.length && !/[\s,}\]]/.test(text[i]!)) i++;
  return i;
}

/** The members of the object whose `{` is at `open`, and the position of its `}`. */
function members(text: string, open: number): { list: Member[]; close: number } {
  const list: Member[] = [];
  let i = skipSpace(text, open + 1);
  while (text[i] !== '}') {
    const start = i;
    const keyEnd = skipString(text, i);
    const key = JSON.parse(text.slice(start, keyEnd)) as string;
    i = skipSpace(text, keyEnd);
    i = skipSpace(text, i + 1); // the colon
    const valueStart = i;
    const valueEnd = skipValue(text, i);
    list.push({ key, start, valueStart, valueEnd });
    i = skipSpace(text, valueEnd);
    if (text[i] === ',') i = skipSpace(text, i + 1);
  }
  return { list, close: i };
}

/** The indentation of the line holding position `at`. */
function indentAt(text: string, at: number): string {
  const lineStart = text.lastIndexOf('\n', at - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

/** Removes a member and one comma next to it (the one after it, else the one before); an object left empty becomes `{}`. */
function removeMember(text: string, member: Member): string {
  let end = skipSpace(text, member.valueEnd);
  let start = member.start;
  if (text[end] === ',') {
    end = skipSpace(text, end + 1);
  } else {
    let before = start - 1;
    while (before >= 0 && /\s/.test(text[before]!)) before--;
    if (text[before] === ',') {
      start = before;
      end = member.valueEnd;
    } else {
      start = before + 1; // the only member: the object becomes `{}`
    }
  }
  return text.slice(0, start) + text.slice(end);
}

/** Inserts `"key": value` as the first member of the object opened at `open`, in the file's layout. */
function insertMember(text: string, open: number, key: string, value: string, unit: string): string {
  const { list, close } = members(text, open);
  const oneLine = !text.slice(open, close).includes('\n') && list.length > 0;
  const outer = indentAt(text, open);
  const member = `${JSON.stringify(key)}:${unit || /":\s/.test(text) ? ' ' : ''}${value}`;
  if (list.length === 0) {
    if (!unit) return `${text.slice(0, open + 1)}${member}${text.slice(close)}`;
    return `${text.slice(0, open + 1)}\n${outer}${unit}${member}\n${outer}${text.slice(close)}`;
  }
  const first = list[0]!;
  if (oneLine || !unit) return `${text.slice(0, first.start)}${member},${/,\s/.test(text) ? ' ' : ''}${text.slice(first.start)}`;
  return `${text.slice(0, first.start)}${member},\n${indentAt(text, first.start)}${text.slice(first.start)}`;
}

/** The indentation unit the file uses ('' for a one-line file). */
function indentUnit(text: string): string {
  if (!text.trim().includes('\n')) return '';
  return /\n([ \t]+)"/.exec(text)?.[1] ?? '  ';
}

export interface ScriptChange {
  changed: boolean;
  /** The "scripts" object did not exist and was added. */
  createdScripts: boolean;
  before: string | undefined;
}

/** Sets scripts[`script`] to what `next` makes of the current value; returns what changed. */
export function updateScript(
  path: string,
  script: 'prepare' | 'postinstall',
  next: (current: string | undefined) => string | undefined,
  removeEmptyScripts = false,
): ScriptChange {
  let text = readFileSync(path, 'utf8');
  JSON.parse(text); // an invalid package.json is reported, not edited
  const top = members(text, text.indexOf('{'));
  const scripts = top.list.find((m) => m.key === 'scripts');
  if (scripts && text[scripts.valueStart] !== '{') throw new SyntaxError(`"scripts" in ${path} is not an object; package.json was left unchanged.`);
  const member = scripts ? members(text, scripts.valueStart).list.find((m) => m.key === script) : undefined;
  const before = member ? (JSON.parse(text.slice(member.valueStart, member.valueEnd)) as string) : undefined;
  const after = next(before);
  if (after === before) return { changed: false, createdScripts: false, before };
  const unit = indentUnit(text);
  let createdScripts = false;
  if (after === undefined) {
    text = removeMember(text, member!);
    const scriptsNow = members(text, text.indexOf('{')).list.find((m) => m.key === 'scripts')!;
    if (removeEmptyScripts && members(text, scriptsNow.valueStart).list.length === 0) text = removeMember(text, scriptsNow);
  } else if (member) {
    text = text.slice(0, member.valueStart) + JSON.stringify(after) + text.slice(member.valueEnd);
  } else if (scripts) {
    text = insertMember(text, scripts.valueStart, script, JSON.stringify(after), unit);
  } else {
    const open = text.indexOf('{');
    const inner = unit ? `{\n${indentAt(text, top.list[0]?.start ?? open)}${unit}${JSON.stringify(script)}: ${JSON.stringify(after)}\n${indentAt(text, top.list[0]?.start ?? open)}}` : `{${JSON.stringify(script)}:${JSON.stringify(after)}}`;
    text = insertMember(text, open, 'scripts', inner, unit);
    createdScripts = true;
  }
  JSON.parse(text); // never write a broken file
  writeFileSync(path, text);
  return { changed: true, createdScripts, before };
}
