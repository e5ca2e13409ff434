export interface Span {
  start: number;
  end: number;
}

/**
 * Line arithmetic around positions that only move forward (the anchors, in text order), in amortized
 * constant time: every newline is found once by one indexOf call, whatever the number of queries,
 * and queries on one 50 MB line never rescan it. Reach limits bound each answer.
 */
export class LineCursor {
  /** Known newline positions, ascending; those far behind the last query are dropped. */
  private newlines: number[] = [];
  private first = 0;
  /** The next newline at or after the last one recorded (Infinity: none left). */
  private upcoming: number;

  constructor(private readonly text: string) {
    const next = text.indexOf('\n');
    this.upcoming = next < 0 ? Infinity : next;
  }

  /** Records every newline before `limit`. */
  private learnUpTo(limit: number): void {
    while (this.upcoming < limit) {
      this.newlines.push(this.upcoming);
      const next = this.text.indexOf('\n', this.upcoming + 1);
      this.upcoming = next < 0 ? Infinity : next;
    }
  }

  /** Index (into `newlines`) of the first known newline at or after `pos`. */
  private firstAtOrAfter(pos: number): number {
    let lo = this.first;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.newlines[mid]! < pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Forget newlines more than `keep` lines before `pos` (queries never go back further). */
  private forgetBefore(index: number, keep: number): void {
    const drop = index - keep;
    if (drop > this.first) this.first = drop;
    if (this.first > 4096 && this.first * 2 > this.newlines.length) {
      this.newlines = this.newlines.slice(this.first);
      this.first = 0;
    }
  }

  /** Start of the line `lines` lines above the one holding `pos` (0: its own), and no further back than `reach`. */
  startOfLinesBefore(pos: number, lines: number, reach: number): number {
    this.learnUpTo(pos);
    const index = this.firstAtOrAfter(pos); // newlines before pos are at index-1, index-2, …
    this.forgetBefore(index, 16);
    const boundary = index - 1 - lines;
    const start = boundary >= this.first ? this.newlines[boundary]! + 1 : boundary < 0 ? 0 : -1;
    // -1: the line start is among the forgotten newlines, which are further back than any reach.
    return Math.max(start, pos - reach, 0);
  }

  /** End (before the newline) of the line `lines` lines below the one holding `pos`, and no further than `reach`. */
  endOfLinesAfter(pos: number, lines: number, reach: number): number {
    const ceiling = Math.min(this.text.length, pos + reach);
    this.learnUpTo(ceiling);
    const index = this.firstAtOrAfter(pos) + lines;
    return index < this.newlines.length ? Math.min(this.newlines[index]!, ceiling) : ceiling;
  }
}
