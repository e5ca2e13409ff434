/**
 * Text produced by a decoder, with where each of its characters came from in the text it was
 * decoded from, so that what is found in it is reported where its encoded characters are.
 */
export interface Decoded {
  text: string;
  /**
   * `sources[i]` is the offset in the original text of the encoded unit that gave character i;
   * `sources[text.length]` is the offset just after the last unit.
   */
  sources: Int32Array;
  /** Instead of `sources`: every character came from this span (a compressed stream has no finer correspondence). */
  span?: { start: number; end: number };
}

/** Builds a Decoded one character (or unit) at a time. */
export class DecodedBuilder {
  private readonly codes: number[] = [];
  private readonly offsets: number[] = [];

  push(code: number, sourceOffset: number): void {
    this.codes.push(code);
    this.offsets.push(sourceOffset);
  }

  get length(): number {
    return this.codes.length;
  }

  finish(end: number): Decoded {
    const sources = new Int32Array(this.codes.length + 1);
    sources.set(this.offsets);
    sources[this.codes.length] = end;
    let text = '';
    for (let i = 0; i < this.codes.length; i += 8192) text += String.fromCharCode(...this.codes.slice(i, i + 8192));
    return { text, sources };
  }
}

/** The span of the original text that decoded characters [offset, offset + length) came from. */
export function sourceSpan(decoded: Decoded, offset: number, length: number): { start: number; end: number } {
  return { start: decoded.sources[offset]!, end: decoded.sources[offset + length]! };
}
