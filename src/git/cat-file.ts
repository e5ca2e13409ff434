import type { ChildProcess } from 'node:child_process';
import { RepositoryReadError } from './errors.js';
import { describeSpawnError, spawnGit, type GitContext } from './run-git.js';
import type { BlobSink } from './types.js';

interface Request {
  oid: string;
  sink: BlobSink;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * One long-lived `git cat-file --batch` process serves every blob of a scan: no process per file.
 * Requests are written at once (pipelined) and answered in order; each blob's bytes are streamed to
 * its sink as they arrive, so a large blob never has to sit in memory twice.
 *
 * Protocol: for each object name written to stdin, git answers `<oid> <type> <size>\n<content>\n`,
 * or `<name> missing\n`.
 */
export class CatFileBatch {
  private readonly child: ChildProcess;
  private readonly queue: Request[] = [];
  private pending: Buffer = Buffer.alloc(0);
  /** Bytes of the current blob's content still to come, or -1 while waiting for a header. */
  private remaining = -1;
  /** The newline that ends each blob's content is still to come. */
  private trailingNewline = false;
  private failure: Error | undefined;
  private stderr = '';

  constructor(context: GitContext) {
    this.child = spawnGit(context, ['cat-file', '--batch']);
    this.child.stdout!.on('data', (chunk: Buffer) => this.receive(chunk));
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr += chunk.toString('utf8')));
    this.child.on('error', (error: NodeJS.ErrnoException) => this.fail(describeSpawnError(error)));
    this.child.on('close', (code) => {
      if (this.queue.length > 0) {
        const said = this.stderr.trim().split('\n')[0] ?? '';
        this.fail(new RepositoryReadError(`git cat-file stopped (exit code ${code ?? 'none'})${said ? `: ${said}` : ''}`));
      }
    });
    this.child.stdin!.on('error', (error) => this.fail(new RepositoryReadError(`git cat-file: ${error.message}`)));
  }

  /** Streams the blob's content into `sink`; resolves after `sink.end()`. */
  read(oid: string, sink: BlobSink): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.queue.push({ oid, sink, resolve, reject });
      // Requests made in the same tick go to git in one write.
      const stdin = this.child.stdin!;
      if (stdin.writableCorked === 0) {
        stdin.cork();
        process.nextTick(() => stdin.uncork());
      }
      stdin.write(`${oid}\n`);
    });
  }

  close(): void {
    this.child.stdin!.end();
    if (this.queue.length === 0) this.child.kill();
  }

  /** Stops git now: reads not answered yet fail with `reason`. */
  abort(reason: Error): void {
    this.fail(reason);
    this.child.stdin!.end();
    this.child.kill();
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const request of this.queue.splice(0)) request.reject(this.failure);
  }

  private receive(chunk: Buffer): void {
    let data = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    this.pending = Buffer.alloc(0);
    while (data.length > 0) {
      const request = this.queue[0];
      if (request === undefined) return this.fail(new RepositoryReadError('git cat-file sent output nobody asked for.'));
      if (this.remaining < 0) {
        const eol = data.indexOf(10);
        if (eol < 0) {
          this.pending = data;
          return;
        }
        const header = data.subarray(0, eol).toString('utf8');
        data = data.subarray(eol + 1);
        const [, type, size] = header.split(' ');
        if (header.endsWith(' missing') || type === undefined || size === undefined) {
          this.queue.shift();
          request.reject(
            new RepositoryReadError(
              // git says "missing" for an object it cannot open or inflate as well as for an absent one.
              header.endsWith(' missing')
                ? `git cannot read object ${request.oid}: it is missing, unreadable or corrupt.`
                : `git cannot read object ${request.oid} (${header}).`,
              'The repository may be corrupt or a partial clone without that blob; run `git fsck`.',
            ),
          );
          continue;
        }
        this.remaining = Number(size);
        this.trailingNewline = true;
      }
      const take = Math.min(this.remaining, data.length);
      if (take > 0) {
        request.sink.data(data.subarray(0, take));
        this.remaining -= take;
        data = data.subarray(take);
      }
      if (this.remaining > 0) return;
      if (this.trailingNewline) {
        if (data.length === 0) return;
        data = data.subarray(1);
        this.trailingNewline = false;
      }
      this.remaining = -1;
      this.queue.shift();
      try {
        request.sink.end();
        request.resolve();
      } catch (error) {
        request.reject(error as Error);
      }
    }
  }
}
