/** Terminal styling: only on a TTY, never with NO_COLOR (https://no-color.org) or TERM=dumb. */
export interface Style {
  bold(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  green(text: string): string;
}

const plain: Style = {
  bold: (t) => t,
  red: (t) => t,
  yellow: (t) => t,
  dim: (t) => t,
  green: (t) => t,
};

const wrap = (open: number, close: number) => (text: string) => `\u001b[${open}m${text}\u001b[${close}m`;

const ansi: Style = {
  bold: wrap(1, 22),
  red: wrap(31, 39),
  yellow: wrap(33, 39),
  dim: wrap(2, 22),
  green: wrap(32, 39),
};

export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv, forceOff = false): Style {
  const noColor = env.NO_COLOR !== undefined && env.NO_COLOR !== '';
  if (forceOff || noColor || env.TERM === 'dumb' || !stream.isTTY) return plain;
  return ansi;
}
