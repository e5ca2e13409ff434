import { ACCESS_KEY_ID_SHAPE } from '../detect/anchors.js';
import { FINGERPRINT_PATTERN, redact } from '../detect/identity.js';
import { RepositoryReadError } from '../git/errors.js';
import type { PolicyFiles } from './files.js';

/**
 * keyguard's configuration: `keyguard.config.json`, or a "keyguard" key in package.json, at the
 * repository's top level or in a folder below it (a monorepo's package), where it applies to that
 * folder's files. Anything unknown or of the wrong type is an error (exit 2) naming the
 * key: a typo must never quietly turn a setting off.
 */
export interface KeyguardConfig {
  /** picomatch globs, repository-relative: files that are never scanned. */
  ignorePaths: string[];
  /** Fingerprints (kg2:…, or kg1:… from keyguard 0.1) of findings that are not reported. */
  allow: string[];
  /** Where the config came from, for messages. */
  source: string | undefined;
}

export const CONFIG_FILE = 'keyguard.config.json';

export class ConfigError extends RepositoryReadError {
  static override readonly brand: string = 'keyguard:ConfigError';
  override readonly name: string = 'ConfigError';
}

const KEYS = ['$schema', 'ignorePaths', 'allow'];

function stringList(value: unknown, key: string, source: string): string[] {
  if (!Array.isArray(value) || value.some((item) => typeof item !== 'string' || item === '')) {
    throw new ConfigError(`${source}: "${key}" must be a list of non-empty strings.`, `Example: "${key}": ["${key === 'allow' ? 'kg2:0123…' : '**/fixtures/**'}"]`);
  }
  return value as string[];
}

/** Probe paths that a pattern ignoring "everything" would all match. */
const PROBES = ['a', 'README.md', '.env', 'src/index.ts', 'config/prod/settings.yml', '.github/workflows/deploy.yml', 'x/y/z/w.txt'];


export function parseConfig(raw: unknown, source: string): KeyguardConfig {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new ConfigError(`${source}: the keyguard configuration must be a JSON object.`);
  }
  const record = raw as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!KEYS.includes(key)) {
      throw new ConfigError(`${source}: unknown key "${key}".`, `keyguard's configuration knows: ${KEYS.filter((k) => k !== '$schema').join(', ')}.`);
    }
  }
  const ignorePaths = record.ignorePaths === undefined ? [] : stringList(record.ignorePaths, 'ignorePaths', source);
  const allow = record.allow === undefined ? [] : stringList(record.allow, 'allow', source);
  // Fingerprints only: every value keyguard reports is credential-shaped, and writing one in the
  // configuration would commit it (as GitGuardian's ignore list stores hashes, not secrets).
  for (const value of allow) {
    if (!FINGERPRINT_PATTERN.test(value)) {
      const shown = ACCESS_KEY_ID_SHAPE.test(value) ? `an access key ID (${redact(value)}) in clear` : `"${redact(value)}", which is not a fingerprint`;
      throw new ConfigError(
        `${source}: "allow" lists ${shown}; a value written here would be committed with the configuration.`,
        'Allow a finding by its fingerprint (kg2:…, shown by keyguard check --format json).',
      );
    }
  }
  for (const pattern of ignorePaths) {
    if (pattern.startsWith('!')) {
      throw new ConfigError(
        `${source}: the ignorePaths pattern "${pattern}" is a negation; in a list of patterns to skip it would skip every other file.`,
        'List only the folders or files to skip.',
      );
    }
  }
  return { ignorePaths, allow, source };
}

/**
 * Refuses ignorePaths that match every file, one pattern or the list together (`matchesAll` is the
 * combined matcher): keyguard would check nothing.
 */
export function checkIgnorePatterns(config: KeyguardConfig, matches: (pattern: string, path: string) => boolean, matchesAny: (path: string) => boolean): void {
  for (const pattern of config.ignorePaths) {
    if (PROBES.every((path) => matches(pattern, path))) {
      throw new ConfigError(
        `${config.source}: the ignorePaths pattern "${pattern}" matches every file, so keyguard would check nothing.`,
        'Name the folders or files to skip, e.g. "**/fixtures/**" or "docs/examples/*.md".',
      );
    }
  }
  if (PROBES.every(matchesAny)) {
    throw new ConfigError(
      `${config.source}: the ignorePaths patterns together match every file, so keyguard would check nothing.`,
      'Name the folders or files to skip, e.g. "**/fixtures/**" or "docs/examples/*.md".',
    );
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${source}: not valid JSON (${(error as Error).message}).`);
  }
}

const NO_CONFIG: KeyguardConfig = { ignorePaths: [], allow: [], source: undefined };

/**
 * The configuration in one folder of the repository (`dir`: '' for the top level, `packages/a` for
 * a package of a monorepo, where it applies to the files below that folder): keyguard.config.json
 * or a "keyguard" key in package.json. None: the defaults. Both at once are an error: which one
 * wins would be a guess.
 */
export function loadConfig(files: PolicyFiles, dir = ''): KeyguardConfig {
  const at = (name: string) => (dir === '' ? name : `${dir}/${name}`);
  const manifestText = files.read(at('package.json'));
  let fromManifest: unknown;
  if (manifestText !== undefined) {
    let pkg: unknown;
    try {
      pkg = parseJson(manifestText, files.describe(at('package.json')));
    } catch (error) {
      // A broken package.json below the top level (a test fixture, a template) configures nothing:
      // skipping it can only scan more and allow less. The top level's is an error, as it always was.
      if (dir === '') throw error;
    }
    if (pkg && typeof pkg === 'object' && 'keyguard' in pkg) fromManifest = (pkg as { keyguard: unknown }).keyguard;
  }
  const configText = files.read(at(CONFIG_FILE));
  if (configText !== undefined) {
    if (fromManifest !== undefined) {
      throw new ConfigError(
        `both ${files.describe(at(CONFIG_FILE))} and a "keyguard" key in ${at('package.json')} configure keyguard.`,
        'Keep one of them: merge the settings into one place and delete the other.',
      );
    }
    return parseConfig(parseJson(configText, files.describe(at(CONFIG_FILE))), files.describe(at(CONFIG_FILE)));
  }
  if (fromManifest !== undefined) return parseConfig(fromManifest, `${files.describe(at('package.json'))} "keyguard"`);
  return NO_CONFIG;
}
