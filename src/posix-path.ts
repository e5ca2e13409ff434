import { sep } from 'node:path';

/** A relative path in git's and husky's form: forward slashes, whatever the platform. */
export const toPosix = (path: string): string => path.split(sep).join('/');
