import { scanText } from '../detect/scan-text.js';
import { redactedIn } from './blob-scanner.js';
import type { Finding } from './types.js';

/**
 * Credentials in file names (`keys/AKIA….json`): a name is committed and pushed like the file's
 * content. Such a finding is reported under the name with the credential redacted, since a report
 * never shows a full key: `(file name) keys/AKIA...XY.json`.
 */
export const NAME_PATH_PREFIX = '(file name) ';

export function isNamePath(path: string): boolean {
  return path.startsWith(NAME_PATH_PREFIX);
}

/**
 * The credentials in these repository-relative paths (ignored paths left out). The names are scanned
 * as one text, a name a line (a line end inside a name reads as a space), so that twenty thousand
 * names cost one scan.
 */
export function scanPathNames(paths: readonly string[], ignores: (path: string) => boolean = () => false): Finding[] {
  const named = paths.filter((path) => !ignores(path));
  if (named.length === 0) return [];
  const detections = scanText(named.map((path) => path.replace(/[\r\n]/g, ' ')).join('\n'));
  const findings: Finding[] = [];
  for (const line of new Set(detections.map((d) => d.line))) {
    const path = named[line - 1]!;
    const inName = detections.filter((d) => d.line === line && d.endLine === line);
    const shown = redactedIn(path, inName.map((d) => ({ ...d, offset: d.column - 1 })));
    for (const { offset: _offset, length: _length, ...detection } of inName) {
      findings.push({ ...detection, path: NAME_PATH_PREFIX + shown, line: 1, endLine: 1 });
    }
  }
  return findings;
}
