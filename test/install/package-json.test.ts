import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HOOKS_COMMAND, updateScript, withHooksCommand, withoutHooksCommand } from '../../src/install/package-json.js';

/** package.json edits keep the project's own formatting: only the prepare script changes. */
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function manifest(text: string): string {
  const folder = mkdtempSync(join(tmpdir(), 'keyguard-pkg-'));
  folders.push(folder);
  const path = join(folder, 'package.json');
  writeFileSync(path, text);
  return path;
}

type Script = 'prepare' | 'postinstall';
const install = (path: string, script: Script = 'prepare') => updateScript(path, script, withHooksCommand);
const uninstall = (path: string, removeEmptyScripts = false, script: Script = 'prepare') =>
  updateScript(path, script, (current) => (current === undefined ? undefined : withoutHooksCommand(current)), removeEmptyScripts);

describe('the prepare script in package.json', () => {
  it.each([
    ['two spaces, inline array', '{\n  "name": "a",\n  "files": ["dist", "bin"],\n  "scripts": {\n    "test": "vitest"\n  }\n}\n'],
    ['four spaces', '{\n    "name": "a",\n    "scripts": {\n        "test": "vitest"\n    }\n}\n'],
    ['tabs and CRLF', '{\r\n\t"name": "a",\r\n\t"scripts": {\r\n\t\t"test": "vitest"\r\n\t}\r\n}\r\n'],
    ['one line', '{"name":"a","scripts":{"test":"vitest"}}'],
    ['empty scripts', '{\n  "name": "a",\n  "scripts": {}\n}\n'],
  ])('%s: install adds only the prepare member; uninstall restores the file byte for byte', (_name, text) => {
    const path = manifest(text);
    expect(install(path).changed).toBe(true);
    const installed = readFileSync(path, 'utf8');
    expect(JSON.parse(installed).scripts.prepare).toBe(HOOKS_COMMAND);
    expect(install(path).changed).toBe(false);
    uninstall(path);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('a package.json without "scripts" gets one, and loses it again on uninstall', () => {
    const text = '{\n  "name": "a",\n  "version": "1.0.0"\n}\n';
    const path = manifest(text);
    const change = install(path);
    expect(change.createdScripts).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ scripts: { prepare: HOOKS_COMMAND }, name: 'a', version: '1.0.0' });
    uninstall(path, true);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });

  it('yarn berry\'s postinstall script (yarn runs no prepare on install) is edited the same way', () => {
    const text = '{\n  "name": "a",\n  "scripts": {\n    "postinstall": "patch-package"\n  }\n}\n';
    const path = manifest(text);
    expect(install(path, 'postinstall').changed).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8')).scripts).toEqual({ postinstall: `patch-package && (${HOOKS_COMMAND})` });
    uninstall(path, true, 'postinstall');
    expect(readFileSync(path, 'utf8')).toBe(text);
    const bare = manifest('{"name":"a"}');
    expect(install(bare, 'postinstall').createdScripts).toBe(true);
    expect(JSON.parse(readFileSync(bare, 'utf8')).scripts).toEqual({ postinstall: HOOKS_COMMAND });
  });

  it('an existing prepare script is kept, runs first, and is given back unchanged', () => {
    expect(withHooksCommand('npm run build')).toBe(`npm run build && (${HOOKS_COMMAND})`);
    expect(withoutHooksCommand(`npm run build && (${HOOKS_COMMAND})`)).toBe('npm run build');
    // Edited by hand afterwards: the && on either side goes with keyguard's command.
    expect(withoutHooksCommand(`${HOOKS_COMMAND} && npm run build`)).toBe('npm run build');
    expect(withoutHooksCommand(`npm run build && ${HOOKS_COMMAND}`)).toBe('npm run build');
    expect(withoutHooksCommand(HOOKS_COMMAND)).toBeUndefined();
    expect(withHooksCommand('node node_modules/keyguard/bin/keyguard.js install')).toBe('node node_modules/keyguard/bin/keyguard.js install');
  });

  it.each([
    ['invalid JSON', '{ "name": "a", '],
    ['"scripts" that is not an object', '{ "name": "a", "scripts": null }'],
  ])('%s is reported and left alone', (_name, text) => {
    const path = manifest(text);
    expect(() => install(path)).toThrow(SyntaxError);
    expect(readFileSync(path, 'utf8')).toBe(text);
  });
});
