export interface Span {
  start: number;
  end: number;
}

/** Newlines kept behind the latest query: more than any query reaches back (see startOfLinesBefore). */
const KEEP_LINES_BEHIND = 16;
/** Forgotten newlines are dropped from memory once there are this many and they are most of the list. */
const COMPACT_AFTER = 4096;

/**
 * Line arithmetic around positions that mostly move forward (the anchors, in text order), in
 * amortized constant time: every newline is found once by one indexOf call, whatever the number of
 * queries, and queries on one 50 MB line never rescan it. Reach limits bound each answer.
 *
 * Newlines far behind the latest query are forgotten, so memory stays bounded on a file of millions
 * of lines. A query further back than what is remembered gets a wider window (the reach limit), never
 * a narrower one: windows decide where secrets are looked for, and wider only looks at more.
 */
export class LineCursor {
  /** Known newline positions, ascending; entries before `first` are forgotten. */
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

  /**
   * Forgets newlines more than KEEP_LINES_BEHIND lines before `index`. Called only after the
   * current query has its answer: compaction renumbers every index.
   */
  private forgetBefore(index: number): void {
    const drop = index - KEEP_LINES_BEHIND;
    if (drop > this.first) this.first = drop;
    if (this.first > COMPACT_AFTER && this.first * 2 > this.newlines.length) {
      this.newlines = this.newlines.slice(this.first);
      this.first = 0;
    }
  }

  /** Start of the line `lines` lines above the one holding `pos` (0: its own), and no further back than `reach`. */
  startOfLinesBefore(pos: number, lines: number, reach: number): number {
    this.learnUpTo(pos);
    const index = this.firstAtOrAfter(pos); // newlines before pos are at index-1, index-2, …
    const boundary = index - 1 - lines;
    // Below `first`: the text's first line, or a forgotten newline (then only the reach limit applies).
    const start = boundary >= this.first ? this.newlines[boundary]! + 1 : 0;
    this.forgetBefore(index);
    return Math.max(start, pos - reach, 0);
  }

  /** End (before the newline) of the line `lines` lines below the one holding `pos`, and no further than `reach`. */
  endOfLinesAfter(pos: number, lines: number, reach: number): number {
    const ceiling = Math.min(this.text.length, pos + reach);
    this.learnUpTo(ceiling);
    // A position before the remembered newlines: count from the first remembered one (a later end: wider).
    const index = this.firstAtOrAfter(pos) + lines;
    return index < this.newlines.length ? Math.min(this.newlines[index]!, ceiling) : ceiling;
  }
}
