/**
 * Converts between the units different producers use for a place in a text.
 *
 * The PostgreSQL parser reports statement boundaries in UTF-8 bytes and error cursors in code
 * points, while JavaScript strings (and so `Statement.offset`) count UTF-16 code units. Positions
 * in `Statement` use code units so that `text.slice(offset, offset + length)` is the statement,
 * and columns count code units too, so that a column is always `offset - lineStart + 1`.
 */
export class TextIndex {
  /** Byte offset at which each code unit starts; the last entry is the total byte length. */
  private readonly byteAt: Uint32Array;
  /** Code-unit offsets at which each line starts. */
  private readonly lineStarts: number[];

  constructor(readonly text: string) {
    this.byteAt = new Uint32Array(text.length + 1);
    this.lineStarts = [0];
    let byte = 0;
    for (let i = 0; i < text.length; i++) {
      this.byteAt[i] = byte;
      const unit = text.charCodeAt(i);
      if (unit === 0x0a) this.lineStarts.push(i + 1);
      if (unit < 0x80) byte += 1;
      else if (unit < 0x800) byte += 2;
      else if (isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(i + 1))) {
        // The low surrogate shares the pair's start: a byte offset never points inside a pair.
        this.byteAt[i + 1] = byte;
        byte += 4;
        i++;
      } else byte += 3; // includes lone surrogates, which UTF-8 encoders replace by U+FFFD
    }
    this.byteAt[text.length] = byte;
  }

  get byteLength(): number {
    return this.byteAt[this.text.length] ?? 0;
  }

  /** The code-unit offset of a UTF-8 byte offset (the first code unit starting at or after it). */
  fromByte(byte: number): number {
    let lo = 0;
    let hi = this.text.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.byteAt[mid] ?? 0) < byte) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The code-unit offset of a code-point offset (PostgreSQL's error cursor counts code points). */
  fromCodePoint(codePoint: number): number {
    let unit = 0;
    for (let n = 0; n < codePoint && unit < this.text.length; n++) {
      const first = this.text.charCodeAt(unit);
      unit += isHighSurrogate(first) && isLowSurrogate(this.text.charCodeAt(unit + 1)) ? 2 : 1;
    }
    return unit;
  }

  /** 1-based line and column (in code units) of a code-unit offset. */
  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >>> 1;
      if ((this.lineStarts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.lineStarts[lo] ?? 0) + 1 };
  }
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

function isLowSurrogate(unit: number): boolean {
  return unit >= 0xdc00 && unit <= 0xdfff;
}
