/**
 * The width prose is wrapped to: the terminal's when the stream is one, else $COLUMNS, else 80;
 * never narrower than 40 (nothing fits) nor wider than 200 (lines too long to read).
 */
export function terminalWidth(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): number {
  const columns = stream.isTTY ? stream.columns : undefined;
  const fromEnv = Number(env.COLUMNS);
  const width = columns ?? (Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : 80);
  return Math.max(40, Math.min(width, 200));
}
