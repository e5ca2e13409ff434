import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACCOUNT_INVENTORY,
  FORMAT_VERSION,
  IDENTITY,
  lookupFile,
  MANIFEST,
  MANIFEST_MARKER,
  pageFile,
  REGION_NAME,
  REGIONAL_INVENTORY,
  regionalFile,
  REGIONS,
  ROUND_DIR,
  roundDir,
  USER_INVENTORY,
  userFile,
  type AccountInventory,
  type CallSpec,
  type RegionalInventory,
  type UserInventory,
} from './layout.js';
import { asArray, asObject, asString, at, isoTime, stringAt, type JsonObject } from './json-value.js';
import { IAM_NAME, isValidLookup, type CloudTrailLookup } from './target.js';

/**
 * Reads an incident folder (layout.ts) and says what is wrong with it: every file that is missing,
 * failed, malformed or cut short becomes a Problem naming the file. Nothing is skipped silently.
 */

export interface Problem {
  /** The file, relative to the incident folder (`round-1/eu-west-1/instances.2.error`). */
  file: string;
  problem: string;
}

export interface Page {
  file: string;
  body: JsonObject;
}

/**
 * One call's answer. `partial`: some pages were read, a later one failed or is missing; `absent`:
 * AWS said there is none (a user without a login profile).
 */
export interface CallData {
  state: 'ok' | 'partial' | 'failed' | 'absent';
  pages: Page[];
}

export interface Manifest {
  round: number;
  lookups: CloudTrailLookup[];
  startedAt: string;
  finishedAt?: string;
}

export interface LookupData {
  region: string;
  lookup: CloudTrailLookup;
  call: CallData;
}

export interface RoundData {
  round: number;
  manifest: Manifest | undefined;
  /** The account the round was collected in (sts get-caller-identity). */
  accountId: string | undefined;
  regions: string[];
  lookups: LookupData[];
  regional: Map<string, Record<RegionalInventory, CallData>>;
  account: Record<AccountInventory, CallData>;
  users: Map<string, Record<UserInventory, CallData>>;
}

export interface FolderData {
  rounds: RoundData[];
  problems: Problem[];
}

/** The folder cannot be reviewed at all (it does not exist, or holds no collected round). */
export class IncidentFolderError extends Error {}

/** Larger than this is not an AWS CLI page keyguard wrote (and would not fit a string). */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

class RoundReader {
  constructor(
    private readonly folder: string,
    private readonly dir: string,
    private readonly problems: Problem[],
  ) {}

  private rel(file: string): string {
    return `${this.dir}/${file}`;
  }

  private path(file: string): string {
    return join(this.folder, this.dir, file);
  }

  problem(file: string, problem: string): void {
    this.problems.push({ file: this.rel(file), problem });
  }

  /** A JSON file as an object, or undefined with the reason recorded. */
  readJson(file: string): JsonObject | undefined {
    let text: string;
    try {
      const size = statSync(this.path(file)).size;
      if (size > MAX_FILE_BYTES) {
        this.problem(file, `too large to read (${Math.round(size / 1024 / 1024)} MB).`);
        return undefined;
      }
      text = readFileSync(this.path(file), 'utf8');
    } catch (error) {
      this.problem(file, `cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
      return undefined;
    }
    if (text.trim() === '') {
      this.problem(file, 'is empty: the call wrote nothing. Collect this round again.');
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      // V8's message quotes the text around the error: only the position is said, so no file content reaches the report.
      const position = /position (\d+)/.exec((error as Error).message)?.[1];
      const where = position ? `at character ${position} of ${text.length}` : `(${text.length} characters)`;
      this.problem(file, `is not valid JSON ${where}: a cut-off or edited file. Collect this round again.`);
      return undefined;
    }
    const object = asObject(value);
    if (!object) this.problem(file, 'is not a JSON object, not an AWS CLI answer.');
    return object;
  }

  /** What a `.error` file says: aws's first message line, short. */
  private errorText(file: string): string {
    let text = '';
    try {
      text = readFileSync(this.path(file), 'utf8');
    } catch {
      return 'the call failed (its .error file cannot be read).';
    }
    const lines = text.split('\n').map((line) => line.trim()).filter(Boolean);
    const message = lines.find((line, i) => i > 0) ?? lines[0] ?? 'the call failed.';
    return `the call failed: ${message.length > 300 ? `${message.slice(0, 300)}…` : message}`;
  }

  private exists(file: string): boolean {
    return existsSync(this.path(file));
  }

  /** One call, single or paged: its pages, and a Problem for each page that failed, is missing or is malformed. */
  readCall(spec: Pick<CallSpec, 'file' | 'paged'>): CallData {
    if (!spec.paged) {
      const file = spec.file;
      if (this.exists(`${file}.json`)) {
        const body = this.readJson(`${file}.json`);
        return body ? { state: 'ok', pages: [{ file: this.rel(`${file}.json`), body }] } : { state: 'failed', pages: [] };
      }
      if (this.exists(`${file}.absent`)) return { state: 'absent', pages: [] };
      if (this.exists(`${file}.error`)) this.problem(`${file}.error`, this.errorText(`${file}.error`));
      else this.problem(`${file}.json`, 'is missing: the collect script did not get that far.');
      return { state: 'failed', pages: [] };
    }
    const pages: Page[] = [];
    const endWith = (state: CallData['state']): CallData => ({ state: pages.length > 0 && state === 'failed' ? 'partial' : state, pages });
    for (let page = 1; ; page++) {
      const file = pageFile(spec.file, page);
      if (this.exists(`${file}.json`)) {
        const body = this.readJson(`${file}.json`);
        if (!body) return endWith('failed');
        pages.push({ file: this.rel(`${file}.json`), body });
        if (asString(body.NextToken) === undefined) return endWith('ok');
        continue;
      }
      if (this.exists(`${file}.error`)) {
        this.problem(`${file}.error`, `${this.errorText(`${file}.error`)}${page > 1 ? ` (pages 1 to ${page - 1} were read)` : ''}`);
      } else if (page === 1) {
        this.problem(`${file}.json`, 'is missing: the collect script did not get that far.');
      } else {
        this.problem(`${file}.json`, `is missing, though page ${page - 1} says there are more (NextToken): the answer is cut short.`);
      }
      return endWith('failed');
    }
  }

  manifest(round: number): Manifest | undefined {
    if (!this.exists(MANIFEST)) {
      this.problem(MANIFEST, 'is missing: this folder was not written by a keyguard collect script, or it did not start.');
      return undefined;
    }
    const body = this.readJson(MANIFEST);
    if (!body) return undefined;
    const lookups = asArray(body.lookups).map((item) => ({ attribute: stringAt(item, 'attribute'), value: stringAt(item, 'value') }) as CloudTrailLookup);
    const startedAt = isoTime(body.startedAt);
    if (body.keyguard !== MANIFEST_MARKER || body.format !== FORMAT_VERSION || body.round !== round || !startedAt || !lookups.every(isValidLookup)) {
      this.problem(MANIFEST, `is not a keyguard collect manifest for round ${round} (format ${FORMAT_VERSION}).`);
      return undefined;
    }
    const finishedAt = isoTime(body.finishedAt);
    if (!finishedAt) {
      this.problem(MANIFEST, 'has no finishedAt: the collect script did not finish (interrupted, or stopped at a failure above). What it wrote is read; the rest is missing.');
    }
    return { round, lookups, startedAt, finishedAt };
  }
}

function readRound(folder: string, round: number, problems: Problem[]): RoundData {
  const reader = new RoundReader(folder, roundDir(round), problems);
  const manifest = reader.manifest(round);
  const identity = reader.readCall(IDENTITY);
  const accountId = stringAt(identity.pages[0]?.body, 'Account');
  const regionsCall = reader.readCall(REGIONS);
  let regions = asArray(regionsCall.pages[0]?.body.Regions)
    .map((region) => stringAt(region, 'RegionName'))
    .filter((name): name is string => name !== undefined && REGION_NAME.test(name));
  if (regionsCall.state !== 'ok') {
    // Without the list, read the regions the script did reach, so that what was written is not lost.
    regions = listDirectory(join(folder, roundDir(round))).filter((name) => REGION_NAME.test(name));
  }
  regions.sort();
  const lookups: LookupData[] = [];
  const regional = new Map<string, Record<RegionalInventory, CallData>>();
  for (const region of regions) {
    for (const lookup of manifest?.lookups ?? []) {
      lookups.push({ region, lookup, call: reader.readCall({ file: lookupFile(region, lookup), paged: true }) });
    }
    regional.set(region, mapRecord(REGIONAL_INVENTORY, (name, spec) => reader.readCall({ file: regionalFile(region, name), paged: spec.paged })));
  }
  const account = mapRecord(ACCOUNT_INVENTORY, (_name, spec) => reader.readCall(spec));
  const users = new Map<string, Record<UserInventory, CallData>>();
  for (const page of account.users.pages) {
    for (const user of asArray(page.body.Users)) {
      const name = stringAt(user, 'UserName');
      if (!name || users.has(name)) continue;
      if (!IAM_NAME.test(name)) {
        reader.problem('iam/users', `lists a user name IAM does not allow (${JSON.stringify(name)}): its keys and login profile were not collected.`);
        continue;
      }
      users.set(name, mapRecord(USER_INVENTORY, (what, spec) => reader.readCall({ file: userFile(name, what), paged: spec.paged })));
    }
  }
  return { round, manifest, accountId, regions, lookups, regional, account, users };
}

function mapRecord<K extends string, V, R>(record: Record<K, V>, map: (key: K, value: V) => R): Record<K, R> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, map(key as K, value as V)])) as Record<K, R>;
}

function listDirectory(path: string): string[] {
  try {
    return readdirSync(path);
  } catch {
    return [];
  }
}

/** Reads every round of the folder, oldest first. */
export function readIncidentFolder(folder: string): FolderData {
  if (!existsSync(folder)) throw new IncidentFolderError(`no such folder: ${folder}.`);
  if (!statSync(folder).isDirectory()) throw new IncidentFolderError(`${folder} is not a folder: give the folder the collect script wrote into.`);
  const rounds = listDirectory(folder)
    .map((name) => ROUND_DIR.exec(name))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => Number(match[1]))
    .sort((a, b) => a - b);
  if (rounds.length === 0) {
    throw new IncidentFolderError(
      `${folder} holds no collected round (round-1/): run the collect script first (keyguard incident <key ID> --collect > collect.sh; sh collect.sh ${folder}).`,
    );
  }
  const problems: Problem[] = [];
  return { rounds: rounds.map((round) => readRound(folder, round, problems)), problems };
}

/** The items of every page of a call: `Reservations`, `Users`, ... */
export function itemsOf(call: CallData | undefined, key: string): JsonObject[] {
  return (call?.pages ?? []).flatMap((page) => asArray(at(page.body, key)).map(asObject).filter((item): item is JsonObject => item !== undefined));
}
