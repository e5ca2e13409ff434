import { RepositoryReadError } from '../git/errors.js';

/** What the container formats share: the bounds, the error that stops the check, and how a place is named. */

export const MEMBER_MAX = 256 * 1024 * 1024;
export const TOTAL_MAX = 1024 * 1024 * 1024;
export const DEPTH_MAX = 3;

export interface Member {
  /** Where it is, outermost first: `['app.tgz member', 'xl/sharedStrings.xml']`. */
  place: string[];
  bytes: Buffer;
}

export class ContainerError extends RepositoryReadError {}

export const TRUST_HINT = 'If you trust this file and it holds no credentials, add it to ignorePaths in keyguard.config.json.';
const DAMAGED_HINT = 'keyguard cannot check what it cannot read; repair or remove the file.';

export const describe = (path: string, place: string[]): string => [path, ...place].join(' > ');

export function damaged(path: string, place: string[], what: string): ContainerError {
  return new ContainerError(`${describe(path, place)} ${what}.`, DAMAGED_HINT);
}

/** Runs a decompression bounded to MEMBER_MAX; past it, or when the data is damaged, throws ContainerError. */
export function inflateBounded(path: string, place: string[], run: (max: number) => Buffer): Buffer {
  try {
    return run(MEMBER_MAX);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ContainerError(`${describe(path, place)} expands to more than ${MEMBER_MAX / 1024 / 1024} MB, so keyguard cannot check it (a decompression bomb?).`, TRUST_HINT);
    }
    throw damaged(path, place, `is damaged: ${(error as Error).message}`);
  }
}

/** A zlib stream's two header bytes (RFC 1950): deflate, a 32 KB window at most, no preset dictionary, a valid check. */
export function isZlibHeader(cmf: number | undefined, flg: number | undefined): boolean {
  if (cmf === undefined || flg === undefined) return false;
  return (cmf & 0x0f) === 8 && cmf >> 4 <= 7 && (flg & 0x20) === 0 && (cmf * 256 + flg) % 31 === 0;
}
