import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * pnpm 11+ fails every install (ERR_PNPM_IGNORED_BUILDS, exit 1) while a dependency with install
 * scripts, keyguard among them, is neither allowed nor denied in `allowBuilds` of
 * pnpm-workspace.yaml (it no longer reads onlyBuiltDependencies or package.json's "pnpm" field).
 * keyguard allows its own build there, so that a teammate's `pnpm install` finishes, runs the
 * project's `prepare` and keyguard's postinstall. The file is edited as text, one line added or
 * removed; a layout keyguard cannot edit safely is left to the user, with the line to add.
 */

export const WORKSPACE_FILE = 'pnpm-workspace.yaml';
const ENTRY = 'keyguard: true';

export interface AllowBuildsChange {
  /** 'created' the file, added an 'entry' to it, or 'none' (already decided, or not editable). */
  change: 'created' | 'entry' | 'none';
  /** What the user must add by hand, when the file could not be edited. */
  manual?: string;
}

interface Section {
  lines: string[];
  /** Index of the `allowBuilds:` line, -1 when there is none. */
  header: number;
  /** Indexes of the lines of its block (indented entries, blank lines and comments among them). */
  block: number[];
}

function section(text: string): Section {
  const lines = text.split('\n');
  const header = lines.findIndex((line) => /^allowBuilds\s*:/.test(line));
  const block: number[] = [];
  if (header >= 0) {
    for (let i = header + 1; i < lines.length && /^(\s|#|\r?$)/.test(lines[i]!); i++) block.push(i);
    while (block.length > 0 && !/^\s+\S/.test(lines[block.at(-1)!]!)) block.pop(); // trailing blank lines belong to no one
  }
  return { lines, header, block };
}

const KEYGUARD_KEY = /^\s*(keyguard|'keyguard'|"keyguard")\s*:/;

export function allowKeyguardBuilds(workspaceRoot: string): AllowBuildsChange {
  const file = join(workspaceRoot, WORKSPACE_FILE);
  if (!existsSync(file)) {
    writeFileSync(file, `allowBuilds:\n  ${ENTRY}\n`);
    return { change: 'created' };
  }
  const text = readFileSync(file, 'utf8');
  const eol = text.includes('\r\n') ? '\r\n' : '\n';
  if (/^dangerouslyAllowAllBuilds\s*:\s*true\b/m.test(text)) return { change: 'none' };
  const { lines, header, block } = section(text);
  if (header < 0) {
    const ending = text === '' || text.endsWith('\n') ? '' : eol;
    writeFileSync(file, `${text}${ending}allowBuilds:${eol}  ${ENTRY}${eol}`);
    return { change: 'entry' };
  }
  const inline = lines[header]!.replace(/^allowBuilds\s*:/, '').replace(/\s+#.*$/, '').trim();
  if (inline !== '') {
    // A flow mapping (`allowBuilds: { esbuild: true }`): not edited.
    if (/[{,]\s*['"]?keyguard['"]?\s*:/.test(inline)) return { change: 'none' };
    return { change: 'none', manual: `add keyguard: true to allowBuilds in ${file}` };
  }
  if (block.some((i) => KEYGUARD_KEY.test(lines[i]!))) return { change: 'none' };
  const firstEntry = block.find((i) => /^\s+[^\s#]/.test(lines[i]!));
  const indent = firstEntry === undefined ? '  ' : /^\s+/.exec(lines[firstEntry]!)![0];
  lines.splice(header + 1, 0, `${indent}${ENTRY}${eol === '\r\n' ? '\r' : ''}`);
  writeFileSync(file, lines.join('\n'));
  return { change: 'entry' };
}

/** Takes back what allowKeyguardBuilds did: the entry it added, or the file it created (when nothing else was written into it since). */
export function removeKeyguardBuilds(workspaceRoot: string, created: boolean): boolean {
  const file = join(workspaceRoot, WORKSPACE_FILE);
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  const { lines, header, block } = section(text);
  const entry = block.find((i) => lines[i]!.trim() === ENTRY);
  if (entry === undefined) return false;
  lines.splice(entry, 1);
  const entriesLeft = block.length > 1;
  if (!entriesLeft) lines.splice(header, 1);
  const rest = lines.join('\n');
  if (created && rest.trim() === '') rmSync(file);
  else writeFileSync(file, rest);
  return true;
}
