import { createReadStream, existsSync } from 'node:fs';
import { RepositoryReadError } from '../git/errors.js';
import type { Repository } from '../git/types.js';
import { BlobScanner, type LineDetection } from './blob-scanner.js';
import type { LfsPointer } from './lfs-pointer.js';

/**
 * Git LFS: what git commits is a pointer (a few lines naming a sha256); what `git lfs push` uploads
 * is the content, kept in the local LFS store (`.git/lfs/objects/aa/bb/<sha256>`). A pointer that a
 * commit or push adds is followed to that content, which is scanned like the file itself, and its
 * findings are reported as in the file's `(Git LFS object)`.
 *
 * A pointer whose content is not in the local store stops the check (exit 2): keyguard cannot say
 * what it holds, and git-lfs itself refuses to push an object it does not have (unless
 * lfs.allowincompletepush is set), so a clean pass here would be a guess.
 */

export const LFS_PLACE = '(Git LFS object)';

/** Scans the LFS content a pointer names; its detections are placed in `(Git LFS object)`. */
export async function scanLfsContent(repository: Repository, path: string, pointer: LfsPointer): Promise<LineDetection[]> {
  const file = repository.lfsObjectPath(pointer.sha256);
  if (file === undefined || !existsSync(file)) {
    throw new RepositoryReadError(
      `${path} is a Git LFS pointer, and its content (sha256 ${pointer.sha256.slice(0, 12)}…, ${pointer.size} bytes) is not in this clone's LFS store, so keyguard cannot check what it holds.`,
      'Fetch it first (`git lfs fetch`, then commit or push again), or add the file to ignorePaths if you trust it.',
    );
  }
  const scanner = new BlobScanner();
  await new Promise<void>((resolve, reject) => {
    const stream = createReadStream(file, { highWaterMark: 1024 * 1024 });
    stream.on('data', (chunk) => scanner.data(chunk as Buffer));
    stream.on('error', (error) => reject(new RepositoryReadError(`cannot read the Git LFS content of ${path}: ${error.message}`, 'Check the file permissions in .git/lfs/objects.')));
    stream.on('end', resolve);
  });
  scanner.end();
  const inMembers = scanner.containerDetections(`${path} > ${LFS_PLACE}`);
  return [...scanner.result.detections, ...inMembers].map((d) => ({ ...d, within: [LFS_PLACE, ...(d.within ?? [])], lineKeys: [] }));
}
