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

/** Builds a Decoded one character (or unit) at a time, into arrays sized for the most it can hold. */
export class DecodedBuilder {
  private codes: Uint16Array;
  private offsets: Int32Array;
  private count = 0;

  /** @param capacity how many characters at most (a decoder never writes more than it reads) */
  constructor(capacity = 64) {
    this.codes = new Uint16Array(Math.max(1, capacity));
    this.offsets = new Int32Array(Math.max(1, capacity) + 1);
  }

  push(code: number, sourceOffset: number): void {
    if (this.count === this.codes.length) this.grow();
    this.codes[this.count] = code;
    this.offsets[this.count++] = sourceOffset;
  }

  private grow(): void {
    const codes = new Uint16Array(this.codes.length * 2);
    codes.set(this.codes);
    const offsets = new Int32Array(codes.length + 1);
    offsets.set(this.offsets);
    this.codes = codes;
    this.offsets = offsets;
  }

  get length(): number {
    return this.count;
  }

  finish(end: number): Decoded {
    this.offsets[this.count] = end;
    return { text: UTF16.decode(this.codes.subarray(0, this.count)), sources: this.offsets.subarray(0, this.count + 1) };
  }
}

const UTF16 = new TextDecoder('utf-16le');

/** The span of the original text that decoded characters [offset, offset + length) came from. */
export function sourceSpan(decoded: Decoded, offset: number, length: number): { start: number; end: number } {
  return { start: decoded.sources[offset]!, end: decoded.sources[offset + length]! };
}
