import { isRegularFile, MODE_GITLINK, MODE_SYMLINK, type Repository } from '../git/types.js';
import type { BlobScan, LineDetection } from './blob-scanner.js';
import type { DetectionPool } from './detect-pool.js';
import { localScan } from './scan-sink.js';
import { scanLfsContent } from './lfs.js';
import { LineKeys, type LineKeysWanted } from './line-keys.js';
import { TextPieces } from './text-pieces.js';
import { emptyStats, type Finding, type ScanResult, type ScanStats } from './types.js';

/** A blob to scan, under the path it is reported at. */
export interface ScanTarget {
  path: string;
  mode: string;
  oid: string;
  unmerged?: boolean;
  /**
   * The blobs this one replaces (HEAD's side of a staged change; a commit's parents). When given,
   * only detections on lines that are in none of them count: a key that was committed before does
   * not block an unrelated change to the same file.
   */
  previousOids?: string[];
}

/** Blob reads in flight at once: enough to keep git's pipe full, few enough to bound memory. */
const CONCURRENCY = 32;
/** With detection on worker threads, more: a worker's batch is in flight too (pooled blobs are at most 1 MB). */
const POOLED_CONCURRENCY = 128;

export async function forEachLimited<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(workers);
}

/**
 * Keeps the detections that are on new lines: a line counts as new when its content is present more
 * often now than in any previous version (whole lines compared as a multiset: which copy of a
 * repeated line is the new one is ambiguous, and all copies are kept, the safe answer). A credential
 * whose encoded form spans several lines (wrapped base64) is new when any of its lines is.
 */
export function keepAddedLines(detections: LineDetection[], previousCounts: Map<string, number>[]): LineDetection[] {
  const before = new Map<string, number>();
  for (const counts of previousCounts) for (const [key, count] of counts) before.set(key, Math.max(before.get(key) ?? 0, count));
  const now = new Map<string, number>();
  const seenLines = new Set<number>();
  for (const detection of detections) {
    detection.lineKeys!.forEach((key, i) => {
      const line = detection.line + i;
      if (seenLines.has(line)) return;
      seenLines.add(line);
      now.set(key, (now.get(key) ?? 0) + 1);
    });
  }
  return detections.filter((d) => d.lineKeys!.some((key) => (now.get(key) ?? 0) > (before.get(key) ?? 0)));
}

const NOTHING_FOUND: Promise<BlobScan> = Promise.resolve({ bytes: 0, encoding: undefined, detections: [] });

/** Adds one scanned file to the coverage figures. */
export function countScan(stats: ScanStats, scan: BlobScan): void {
  stats.files++;
  stats.bytes += scan.bytes;
  if (scan.encoding === 'binary') stats.binary++;
  if (scan.encoding === 'utf-16le' || scan.encoding === 'utf-16be') stats.utf16++;
}

/**
 * Scans each distinct blob once, however many paths or commits share it. Reads are pipelined through
 * the backend. Blobs with nothing in them are remembered by id only.
 */
export class BlobScanCache {
  private readonly scans = new Map<string, Promise<BlobScan>>();
  /** Coverage of the distinct blobs scanned so far. */
  readonly stats: ScanStats = emptyStats();

  /** @param pool scans blobs on worker threads (see detect-pool.ts); without one, on this thread */
  constructor(
    private readonly repository: Repository,
    private readonly pool?: DetectionPool,
  ) {}

  /** @param path names the file in messages (the first path the blob is scanned under) */
  scan(oid: string, path = oid): Promise<BlobScan> {
    let scan = this.scans.get(oid);
    if (scan === undefined) {
      const sink = this.pool ? this.pool.sink() : localScan();
      scan = this.repository.readBlob(oid, sink).then(async () => {
        const scanned = await sink.finished();
        const inMembers = scanned.containerDetections(path); // first: it drops what its members hold from the outer list
        scanned.result.detections.push(...inMembers);
        const pointer = scanned.lfsPointer;
        if (pointer !== undefined) scanned.result.detections.push(...(await scanLfsContent(this.repository, path, pointer)));
        countScan(this.stats, scanned.result);
        if (scanned.result.detections.length === 0) this.scans.set(oid, NOTHING_FOUND);
        return scanned.result;
      });
      this.scans.set(oid, scan);
    }
    return scan;
  }

  /** Line keys of a blob, read again in pieces (see LineKeys): never the whole blob in memory. */
  private lineKeys(oid: string, wanted: LineKeysWanted): Promise<LineKeys> {
    const keys = new LineKeys(wanted);
    const pieces = new TextPieces((text) => keys.piece(text));
    return this.repository.readBlob(oid, pieces).then(() => {
      keys.end();
      return keys;
    });
  }

  /** Fills in the line keys the scan could not compute (lines longer than a piece, or read through a second view). */
  private async completeLineKeys(oid: string, detections: LineDetection[]): Promise<void> {
    const missing = detections.filter((d) => d.lineKeys === undefined);
    if (missing.length === 0) return;
    const lines = new Set(missing.flatMap((d) => Array.from({ length: d.endLine - d.line + 1 }, (_, i) => d.line + i)));
    const { keys } = await this.lineKeys(oid, { lines });
    for (const detection of missing) {
      detection.lineKeys = Array.from({ length: detection.endLine - detection.line + 1 }, (_, i) => keys.get(detection.line + i) ?? '');
    }
  }

  /**
   * Detections of `target` as a finding list, only on added lines when it has previous versions.
   * Inside a container (a zip, a gzip file) lines of the file mean nothing: there a credential is new
   * unless a previous version held it in the same member.
   */
  async findingsFor(target: ScanTarget): Promise<Finding[]> {
    const scan = await this.scan(target.oid, target.path);
    let detections = scan.detections;
    if (detections.length > 0 && target.previousOids && target.previousOids.length > 0) {
      const inLines = detections.filter((d) => d.within === undefined);
      let inContainers = detections.filter((d) => d.within !== undefined);
      if (inLines.length > 0) {
        await this.completeLineKeys(target.oid, inLines);
        const keys = new Set(inLines.flatMap((d) => d.lineKeys!));
        const previous = await Promise.all(target.previousOids.map((oid) => this.lineKeys(oid, { keys })));
        detections = keepAddedLines(inLines, previous.map((counts) => counts.counts));
      } else {
        detections = [];
      }
      if (inContainers.length > 0) {
        const placeOf = (d: LineDetection) => `${d.within!.join('\0')}\0${d.fingerprint}`;
        const before = new Set((await Promise.all(target.previousOids.map((oid) => this.scan(oid, target.path)))).flatMap((s) => s.detections.filter((d) => d.within).map(placeOf)));
        inContainers = inContainers.filter((d) => !before.has(placeOf(d)));
      }
      detections = [...detections, ...inContainers];
    }
    return detections.map((detection) => findingOf(detection, target.path));
  }
}

/** A detection as a finding in `path` (what only the scan needed is dropped). */
export function findingOf(detection: LineDetection, path: string): Finding {
  const { offset: _offset, length: _length, lineKeys: _lineKeys, allowedInline, ...rest } = detection;
  return allowedInline ? { ...rest, path, allowedInline } : { ...rest, path };
}

/**
 * A file renamed or copied out of an ignored path: its old version was never scanned, so nothing in
 * it may count as already there.
 */
export function leftIgnoredPath(sourcePath: string | undefined, path: string, ignores: (path: string) => boolean): boolean {
  return sourcePath !== undefined && sourcePath !== path && ignores(sourcePath) && !ignores(path);
}

/** Counts what is not scanned (symlinks, submodules, unmerged paths) and returns what is. */
export function scannable(targets: ScanTarget[], stats: ScanStats, ignores: (path: string) => boolean = () => false): ScanTarget[] {
  const regular: ScanTarget[] = [];
  for (const target of targets) {
    if (ignores(target.path)) stats.ignored++;
    else if (target.unmerged) stats.unmerged++;
    else if (target.mode === MODE_SYMLINK) {
      // Its content is a path, which git commits and pushes like any text: a key can be written there.
      stats.symlinks++;
      regular.push(target);
    }
    else if (target.mode === MODE_GITLINK) stats.submodules++; // a commit of another repository
    else if (isRegularFile(target.mode)) regular.push(target);
  }
  return regular;
}

/**
 * Worker threads for the detection of a scan of `count` blobs or commits, when they pay (see
 * detect-pool.ts). Its code is loaded only here: the commit hook never parses it.
 */
export async function detectionPool(count: number): Promise<DetectionPool | undefined> {
  const { DetectionPool } = await import('./detect-pool.js');
  return DetectionPool.forScan(count);
}

export interface ScanBlobsOptions {
  /** Detection may run on worker threads when there are enough blobs (whole-tree scans; never the hook). */
  workers?: boolean;
}

/** Scans blobs from the repository (the index, a staged change); `ignores` is the ignorePaths test. */
export async function scanBlobs(
  repository: Repository,
  targets: ScanTarget[],
  ignores?: (path: string) => boolean,
  options: ScanBlobsOptions = {},
): Promise<ScanResult> {
  const stats = emptyStats();
  const regular = scannable(targets, stats, ignores);
  const pathOf = new Map(regular.map((target) => [target.oid, target.path]));
  const pool = options.workers ? await detectionPool(pathOf.size) : undefined;
  try {
    const cache = new BlobScanCache(repository, pool);
    const scans = new Map<string, BlobScan>();
    await forEachLimited([...pathOf.keys()], pool ? POOLED_CONCURRENCY : CONCURRENCY, async (oid) => {
      scans.set(oid, await cache.scan(oid, pathOf.get(oid)));
    });
    const findings: Finding[] = [];
    for (const target of regular) {
      countScan(stats, scans.get(target.oid)!); // per path: two identical files are two files
      findings.push(...(await cache.findingsFor(target)));
    }
    return { findings, stats };
  } finally {
    pool?.close();
  }
}
