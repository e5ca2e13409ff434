import { createHash } from '../lazy-crypto.js';

/**
 * Lines are identified by their length and a hash, so that a 50 MB line is never kept as a string.
 * "Was this line already in the previous version?" compares these keys. The hash is of UTF-16 code
 * units, so that a line hashed in parts gives the same key wherever it was cut.
 */
export function lineKeyOf(line: string): string {
  return `${line.length}:${createHash('sha1').update(line, 'utf16le').digest('base64')}`;
}

type Hash = ReturnType<typeof createHash>;

export interface LineKeysWanted {
  /** Compute the key of these lines (1-based numbers). */
  lines?: ReadonlySet<number>;
  /** Count the lines whose key is one of these. */
  keys?: ReadonlySet<string>;
}

/**
 * Keys of lines, from a text that arrives in pieces (TextPieces): the keys of chosen lines, or how
 * often chosen keys occur. A line that spans pieces is hashed as it arrives; only lines that can
 * matter are hashed at all (by number, or by length when counting keys), so a file of millions of
 * lines costs one newline search per line.
 */
export class LineKeys {
  /** 1-based number of the line the next character belongs to. */
  private line = 1;
  /** The current line began in an earlier piece: its length so far, and its hash when it may matter. */
  private partialLength = 0;
  private partialHash: Hash | undefined;
  private partial = false;
  private readonly lengths: Set<number>;
  private readonly maxLength: number;
  readonly keys = new Map<number, string>();
  readonly counts = new Map<string, number>();

  constructor(private readonly wanted: LineKeysWanted) {
    this.lengths = new Set([...(wanted.keys ?? [])].map((key) => Number(key.slice(0, key.indexOf(':')))));
    this.maxLength = Math.max(0, ...this.lengths);
  }

  private matters(line: number, length: number): boolean {
    return (this.wanted.lines?.has(line) ?? false) || this.lengths.has(length);
  }

  private record(line: number, key: string): void {
    if (this.wanted.lines?.has(line)) this.keys.set(line, key);
    if (this.wanted.keys?.has(key)) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  /** Whether a line that is still growing may still matter (its final length is not known yet). */
  private mayMatter(line: number, lengthSoFar: number): boolean {
    return (this.wanted.lines?.has(line) ?? false) || lengthSoFar <= this.maxLength;
  }

  piece(text: string): void {
    let start = 0;
    if (this.partial) {
      const nl = text.indexOf('\n');
      const end = nl < 0 ? text.length : nl;
      this.partialLength += end;
      if (this.partialHash && this.mayMatter(this.line, this.partialLength)) this.partialHash.update(text.slice(0, end), 'utf16le');
      else this.partialHash = undefined;
      if (nl < 0) return;
      this.finishPartial();
      start = nl + 1;
    }
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      if (this.matters(this.line, nl - start)) this.record(this.line, lineKeyOf(text.slice(start, nl)));
      this.line++;
      start = nl + 1;
    }
    // The rest begins a line that continues in the next piece (or ends the text).
    this.partial = true;
    this.partialLength = text.length - start;
    this.partialHash = this.mayMatter(this.line, this.partialLength) ? createHash('sha1').update(text.slice(start), 'utf16le') : undefined;
  }

  private finishPartial(): void {
    if (this.partialHash && this.matters(this.line, this.partialLength)) {
      this.record(this.line, `${this.partialLength}:${this.partialHash.digest('base64')}`);
    }
    this.partial = false;
    this.partialHash = undefined;
    this.line++;
  }

  /** The text's last line (after its last newline, possibly empty) ends here. */
  end(): void {
    if (this.partial) this.finishPartial();
  }
}
