import { closeSync, fstatSync, openSync, readdirSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

/**
 * Reads blobs that git stores loose (`.git/objects/ab/cdef…`, zlib-compressed `blob <size>\0<bytes>`),
 * which is where `git add` puts what is about to be committed. For a typical commit this saves
 * starting `git cat-file` at all; anything else (packed, large, unreadable, not a blob) is left to
 * git, so a surprise here never changes an answer, only its speed.
 */
const MAX_COMPRESSED_BYTES = 1024 * 1024;
/** A small object can inflate to a huge one (a file of one repeated byte): past this, git streams it instead. */
const MAX_INFLATED_BYTES = 32 * 1024 * 1024;

const load = createRequire(import.meta.url);
let zlib: typeof import('node:zlib') | undefined;

export class LooseObjects {
  /**
   * The names in each fan-out folder (`ab/`), listed on first use: a scan of thousands of packed
   * blobs then costs one listing per folder instead of one failed open per blob. An object written
   * after the listing is read by git instead; one removed since fails to open, and git reads it too.
   */
  private readonly listed = new Map<string, Set<string>>();

  /** @param listFolders list fan-out folders (see `listed`); off, every lookup tries to open the file. */
  constructor(
    private readonly objectsDir: string,
    private readonly listFolders = true,
  ) {}

  private mayHold(oid: string): boolean {
    if (!this.listFolders) return true;
    const folder = oid.slice(0, 2);
    let names = this.listed.get(folder);
    if (names === undefined) {
      try {
        names = new Set(readdirSync(join(this.objectsDir, folder)));
      } catch {
        names = new Set(); // no such folder: nothing loose there
      }
      this.listed.set(folder, names);
    }
    return names.has(oid.slice(2));
  }

  /** The blob's content, or undefined when git should be asked instead. */
  readBlob(oid: string): Buffer | undefined {
    if (!this.mayHold(oid)) return undefined;
    let fd: number;
    try {
      fd = openSync(join(this.objectsDir, oid.slice(0, 2), oid.slice(2)), 'r');
    } catch {
      return undefined; // not loose (packed, or in an alternate object store)
    }
    try {
      const size = fstatSync(fd).size;
      if (size > MAX_COMPRESSED_BYTES) return undefined; // git streams large blobs; this would hold them whole
      const compressed = Buffer.allocUnsafe(size);
      if (readSync(fd, compressed, 0, size, 0) !== size) return undefined;
      zlib ??= load('node:zlib') as typeof import('node:zlib');
      const raw = zlib.inflateSync(compressed, { maxOutputLength: MAX_INFLATED_BYTES });
      const nul = raw.indexOf(0);
      const header = nul > 0 ? raw.toString('latin1', 0, nul) : '';
      const match = /^blob (\d+)$/.exec(header);
      if (!match || Number(match[1]) !== raw.length - nul - 1) return undefined;
      return raw.subarray(nul + 1);
    } catch {
      return undefined; // damaged or unexpected: git will say what is wrong
    } finally {
      closeSync(fd);
    }
  }
}
