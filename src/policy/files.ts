import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Where keyguard's configuration, package.json files and baseline are read from: the working tree
 * (every command on a developer's machine), or a tree of the repository (the server's pre-receive
 * hook, which has no working tree and follows the default branch).
 */
export interface PolicyFiles {
  /** The text of the file at a repository-relative path (`a/b/package.json`), or undefined when there is none. */
  read(path: string): string | undefined;
  /** How messages name that file. */
  describe(path: string): string;
}

/** Files in the working tree whose top level is `root`. */
export function workingTreeFiles(root: string): PolicyFiles {
  return {
    read(path) {
      const file = join(root, path);
      if (!existsSync(file)) return undefined;
      try {
        return readFileSync(file, 'utf8');
      } catch (error) {
        // A folder named package.json, say: there is no such file to read.
        if ((error as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
        throw error;
      }
    },
    describe: (path) => path,
  };
}

/** Files already read from a tree (`HEAD`): only those the policy can use are held. */
export function treeFiles(contents: Map<string, string>, treeName: string): PolicyFiles {
  return {
    read: (path) => contents.get(path),
    describe: (path) => `${path} (in ${treeName})`,
  };
}

/** The names of the files a policy is made of, wherever they are in the tree. */
export const POLICY_FILE_NAMES = new Set(['keyguard.config.json', 'package.json', '.keyguard-baseline.json']);

export const NO_FILES: PolicyFiles = { read: () => undefined, describe: (path) => path };
