import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * A repository's own configuration file (`<common dir>/config`, or a worktree's `config.worktree`), read in-process: starting git costs
 * tens of milliseconds on a busy machine, more than everything else a blocked commit does. Only for
 * settings that live there by nature (extensions, remotes, what `keyguard install` and husky set);
 * `include` directives are not followed.
 *
 * Keys are `section.key` or `section.subsection.key`, section and key lower-cased as git does;
 * values are unquoted. A key set twice has both values, in order.
 */
export function readConfigFile(dir: string, name = 'config'): Map<string, string[]> {
  let text: string;
  try {
    text = readFileSync(join(dir, name), 'utf8');
  } catch {
    return new Map();
  }
  return parseConfig(text);
}

export function parseConfig(text: string): Map<string, string[]> {
  const values = new Map<string, string[]>();
  let section = '';
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[\s*([^\s\]"]+)(?:\s+"((?:[^"\\]|\\.)*)")?\s*\]/.exec(line);
    if (header) {
      const name = header[1]!.toLowerCase();
      // [section.sub] is the old spelling of [section "sub"].
      const dot = name.indexOf('.');
      section = header[2] !== undefined ? `${name}.${header[2].replace(/\\(.)/g, '$1')}` : dot > 0 ? `${name.slice(0, dot)}.${name.slice(dot + 1)}` : name;
      continue;
    }
    const entry = /^([A-Za-z][\w-]*)\s*(?:=\s*(.*))?$/.exec(line);
    if (!entry || section === '') continue;
    const key = `${section}.${entry[1]!.toLowerCase()}`;
    const value = entry[2] === undefined ? 'true' : unquote(entry[2]);
    values.set(key, [...(values.get(key) ?? []), value]);
  }
  return values;
}

/** A value as git reads it: quotes removed, escapes resolved, an unquoted comment dropped. */
function unquote(value: string): string {
  let out = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"') quoted = !quoted;
    else if (c === '\\' && i + 1 < value.length) {
      const next = value[++i]!;
      out += next === 'n' ? '\n' : next === 't' ? '\t' : next;
    } else if (!quoted && (c === '#' || c === ';')) break;
    else out += c;
  }
  return quoted ? out : out.trimEnd();
}
