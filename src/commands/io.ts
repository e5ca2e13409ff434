/** What a command may touch of the outside world; tests and the CLI pass their own. */
export interface Io {
  cwd: string;
  env: NodeJS.ProcessEnv;
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean; columns?: number };
}

export const EXIT_CLEAN = 0;
export const EXIT_FOUND = 1;
export const EXIT_ERROR = 2;

export type ExitCode = typeof EXIT_CLEAN | typeof EXIT_FOUND | typeof EXIT_ERROR;
