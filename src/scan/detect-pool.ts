import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Worker } from 'node:worker_threads';
import { RepositoryReadError } from '../git/errors.js';
import { scanFastPaths } from '../git/fast-paths.js';
import { containerKind } from './containers.js';
import { localScan, type FinishedScan, type ScanSink } from './scan-sink.js';
import type { DetectionReply, DetectionRequest } from './detect-worker.js';

/**
 * Detection on worker threads, for the whole-tree and history scans: the main thread keeps git's
 * pipes flowing and parsing while other cores run the detector. Each blob is still scanned by one
 * BlobScanner over the same bytes, so the result is the one the main thread would get.
 *
 * Only small, plain blobs are sent: past OFFLOAD_MAX_BYTES a blob is scanned here as it streams (a
 * huge file is never held whole), and a container (zip, gzip, PNG) is expanded here, where its errors
 * are raised as they always are. Never used on the commit hook's path: starting a worker costs more
 * than a commit's scan.
 */

// Loaded only when a pool starts: the commit hook's start-up does not parse them.
const load = createRequire(import.meta.url);

/** Blobs larger than this are scanned on the main thread, piece by piece. */
const OFFLOAD_MAX_BYTES = 1024 * 1024;
/** Bytes waiting for the workers at most; past it, blobs are scanned on the main thread. */
const MAX_PENDING_BYTES = 32 * 1024 * 1024;
/** Bytes queued for one worker before the batch is sent whatever the worker is doing. */
const BATCH_BYTES = 4 * 1024 * 1024;
/** Batches sent to a worker at once: one to work on, one waiting, so that it never waits for the main thread. */
const PIPELINED_BATCHES = 2;

/** The built worker script beside this bundle (dist/ or dist/chunks/; from source, the build's), or undefined. */
function workerScript(): string | undefined {
  for (const relative of ['./detect-worker.cjs', '../detect-worker.cjs', '../../dist/detect-worker.cjs']) {
    const path = fileURLToPath(new URL(relative, import.meta.url));
    if (existsSync(path)) return path;
  }
  return undefined;
}

interface Slot {
  worker: Worker;
  outbox: DetectionRequest[];
  transfer: ArrayBuffer[];
  queuedBytes: number;
  /** Bytes sent and not answered yet: the next blob goes to the least busy worker. */
  busyBytes: number;
  /** Batches sent and not answered yet. */
  inFlight: number;
}

interface Waiting {
  resolve: (scan: FinishedScan) => void;
  reject: (error: Error) => void;
  bytes: number;
  slot: Slot;
}

export class DetectionPool {
  private readonly slots: Slot[];
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 0;
  private flushScheduled = false;
  private failure: Error | undefined;

  private constructor(script: string, workers: number) {
    this.slots = Array.from({ length: workers }, () => {
      const { Worker: WorkerThread } = load('node:worker_threads') as typeof import('node:worker_threads');
      const worker = new WorkerThread(script);
      worker.unref(); // a pool left open never keeps keyguard running
      const slot: Slot = { worker, outbox: [], transfer: [], queuedBytes: 0, busyBytes: 0, inFlight: 0 };
      worker.on('message', (replies: DetectionReply[]) => this.receive(slot, replies));
      worker.on('error', (error) => this.fail(new RepositoryReadError(`the detection worker stopped: ${error.message}`)));
      worker.on('exit', (code) => {
        if (this.waiting.size > 0) this.fail(new RepositoryReadError(`the detection worker stopped (exit code ${code}).`));
      });
      return slot;
    });
  }

  /**
   * A pool for a scan of `blobs` blobs, or undefined when one would not pay: few blobs, one core,
   * no built worker script, or KEYGUARD_SCAN_FAST_PATHS=0. KEYGUARD_SCAN_FAST_PATHS=always starts
   * one whatever the scan (for the tests that compare both ways).
   */
  static forScan(blobs: number, env: NodeJS.ProcessEnv = process.env): DetectionPool | undefined {
    if (!scanFastPaths(env)) return undefined;
    const setting = env.KEYGUARD_SCAN_FAST_PATHS;
    const cores = (load('node:os') as typeof import('node:os')).availableParallelism();
    if (setting !== 'always' && (blobs < POOL_MIN_BLOBS || cores < 2)) return undefined;
    const script = workerScript();
    if (script === undefined) return undefined;
    // git takes a core of its own (inflating objects), the main thread parses its output.
    return new DetectionPool(script, Math.max(1, Math.min(cores - 1, MAX_WORKERS)));
  }

  /** A sink for one blob: small plain blobs are scanned by a worker, anything else here. */
  sink(): ScanSink {
    const chunks: Buffer[] = [];
    let bytes = 0;
    let local: ScanSink | undefined;
    let done: Promise<FinishedScan> | undefined;
    const goLocal = () => {
      local = localScan();
      for (const chunk of chunks.splice(0)) local.data(chunk);
    };
    return {
      data: (chunk) => {
        if (local) return local.data(chunk);
        chunks.push(chunk);
        bytes += chunk.length;
        if (bytes > OFFLOAD_MAX_BYTES) goLocal();
      },
      end: () => {
        // BlobScanner recognises a container by its first chunk: the same test, so the same answer.
        const first = chunks[0];
        if (!local && first !== undefined && first.length >= 4 && containerKind(first) !== undefined) goLocal();
        // The workers are behind: scanning here bounds memory (and keeps this thread busy meanwhile).
        if (!local && this.pendingBytes() + bytes > MAX_PENDING_BYTES) goLocal();
        if (local) return local.end();
        done = this.send(chunks, bytes);
      },
      finished: () => (local ? local.finished() : done ?? Promise.reject(new Error('scan finished before its blob was read'))),
    };
  }

  /** Bytes handed to workers (queued or sent) and not answered yet. */
  private pendingBytes(): number {
    let total = 0;
    for (const slot of this.slots) total += slot.busyBytes + slot.queuedBytes;
    return total;
  }

  close(): void {
    for (const slot of this.slots) void slot.worker.terminate();
  }

  private send(chunks: Buffer[], length: number): Promise<FinishedScan> {
    if (this.failure) return Promise.reject(this.failure);
    // A copy in memory of its own, handed over (not copied again) to the worker.
    const bytes = new Uint8Array(length);
    let at = 0;
    for (const chunk of chunks) {
      bytes.set(chunk, at);
      at += chunk.length;
    }
    const slot = this.slots.reduce((best, s) => (s.busyBytes + s.queuedBytes < best.busyBytes + best.queuedBytes ? s : best));
    const id = this.nextId++;
    slot.outbox.push({ id, bytes });
    slot.transfer.push(bytes.buffer);
    slot.queuedBytes += length;
    // Messages cost tens of microseconds each way: blobs go in batches. A worker with work in hand
    // gets the next batch when it answers (or when the batch is large); an idle one, at the next turn.
    if (slot.queuedBytes >= BATCH_BYTES) this.flush(slot);
    else if (slot.inFlight < PIPELINED_BATCHES && !this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => {
        this.flushScheduled = false;
        for (const s of this.slots) if (s.inFlight < PIPELINED_BATCHES) this.flush(s);
      });
    }
    return new Promise((resolve, reject) => this.waiting.set(id, { resolve, reject, bytes: length, slot }));
  }

  private flush(slot: Slot): void {
    if (slot.outbox.length === 0) return;
    slot.worker.postMessage(slot.outbox, slot.transfer);
    slot.inFlight++;
    slot.busyBytes += slot.queuedBytes;
    slot.outbox = [];
    slot.transfer = [];
    slot.queuedBytes = 0;
  }

  private receive(slot: Slot, replies: DetectionReply[]): void {
    slot.inFlight--;
    this.flush(slot);
    for (const reply of replies) {
      const waiting = this.waiting.get(reply.id);
      if (waiting === undefined) continue;
      this.waiting.delete(reply.id);
      waiting.slot.busyBytes -= waiting.bytes;
      if (reply.error !== undefined) waiting.reject(new Error(reply.error));
      else waiting.resolve({ result: reply.scan!, lfsPointer: reply.lfsPointer, containerDetections: () => [] });
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiting of this.waiting.values()) waiting.reject(this.failure);
    this.waiting.clear();
  }
}

/** Below this many blobs a scan runs on the main thread alone (a worker takes tens of milliseconds to start). */
export const POOL_MIN_BLOBS = 200;
const MAX_WORKERS = 3;
