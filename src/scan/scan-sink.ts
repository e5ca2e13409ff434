import { BlobScanner, type BlobScan } from './blob-scanner.js';
import type { BlobSink } from '../git/types.js';
import type { LfsPointer } from './lfs-pointer.js';

/** What a scan yields once its blob has been read. */
export interface FinishedScan {
  result: BlobScan;
  lfsPointer: LfsPointer | undefined;
  /** Detections in the members of a container file (see BlobScanner.containerDetections). */
  containerDetections(path: string): BlobScan['detections'];
}

/** A blob sink that scans what it receives; `finished()` after the read has ended. */
export interface ScanSink extends BlobSink {
  finished(): Promise<FinishedScan>;
}

/** Scans on this thread (what every scan did before the pool existed). */
export function localScan(scanner = new BlobScanner()): ScanSink {
  return {
    data: (chunk) => scanner.data(chunk),
    end: () => scanner.end(),
    finished: async () => ({
      result: scanner.result,
      lfsPointer: scanner.lfsPointer(),
      containerDetections: (path) => scanner.containerDetections(path),
    }),
  };
}
