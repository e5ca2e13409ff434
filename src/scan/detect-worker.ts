import { parentPort } from 'node:worker_threads';
import { BlobScanner, type BlobScan } from './blob-scanner.js';
import type { LfsPointer } from './lfs-pointer.js';

/** The detection worker (see detect-pool.ts): scans whole blobs, a batch per message, and answers per batch. */

export interface DetectionRequest {
  id: number;
  bytes: Uint8Array;
}

export interface DetectionReply {
  id: number;
  scan?: BlobScan;
  lfsPointer?: LfsPointer;
  error?: string;
}

function scanOne({ id, bytes }: DetectionRequest): DetectionReply {
  try {
    const scanner = new BlobScanner();
    if (bytes.length > 0) scanner.data(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    scanner.end();
    return { id, scan: scanner.result, lfsPointer: scanner.lfsPointer() };
  } catch (error) {
    return { id, error: (error as Error)?.message ?? String(error) };
  }
}

parentPort?.on('message', (batch: DetectionRequest[]) => {
  parentPort!.postMessage(batch.map(scanOne));
});
