/** Git LFS pointer files (see lfs.ts). */

/** Pointers are small; the spec caps them at 1024 bytes. */
export const POINTER_MAX = 1024;
const POINTER = /^version https:\/\/(?:git-lfs\.github\.com\/spec\/v1|hawser\.github\.com\/spec\/v1)\n(?:[a-z0-9.-]+ [^\n]*\n)*?oid sha256:([0-9a-f]{64})\n(?:[a-z0-9.-]+ [^\n]*\n)*?size (\d+)\n/;

export interface LfsPointer {
  sha256: string;
  size: number;
}

/** The pointer in a blob's bytes, when the blob is one. */
export function parseLfsPointer(bytes: Buffer): LfsPointer | undefined {
  if (bytes.length > POINTER_MAX) return undefined;
  const match = POINTER.exec(bytes.toString('latin1'));
  return match ? { sha256: match[1]!, size: Number(match[2]) } : undefined;
}

