import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initParser, splitStatements } from '../../src/migrations/split.js';
import { insertInto, locatePosition, sentJoined, toSource, unitOffset } from '../../src/migrations/locate.js';
import { TextIndex } from '../../src/migrations/text-index.js';
import { naivePlace, scriptArbitrary } from './sql.js';

/** PostgreSQL's position of a code-unit offset: characters (code points) before it, plus one. */
function pgPosition(text: string, unit: number): number {
  return [...text.slice(0, unit)].length + 1;
}

const isLowSurrogate = (text: string, at: number): boolean => text.charCodeAt(at) >= 0xdc00 && text.charCodeAt(at) <= 0xdfff;

const where = fc.record({ startLine: fc.integer({ min: 1, max: 40 }), startColumn: fc.integer({ min: 1, max: 5 }) });

describe('the splitter gives back each statement of a script, where it is', () => {
  beforeAll(() => initParser());

  it('splitting finds exactly the statements the script was made of, each at its offset and with its text', () => {
    fc.assert(
      fc.property(scriptArbitrary({ minLength: 0 }), where, (script, place) => {
        const statements = splitStatements(script.text, { file: '/m/1.sql', ...place });
        expect(statements.map((s) => s.sql)).toEqual(script.statements.map((s) => s.sql));
        expect(statements.map((s) => s.offset)).toEqual(script.offsets);
        for (const s of statements) {
          expect(script.text.slice(s.offset, s.offset + s.length)).toBe(s.sql);
          expect({ line: s.line, column: s.column }).toEqual(naivePlace(script.text, s.offset, place.startLine, place.startColumn));
          expect(s.file).toBe('/m/1.sql');
        }
        expect(statements.map((s) => s.detail?.transaction)).toEqual(script.statements.map((s) => s.transaction));
      }),
      { numRuns: 100 },
    );
  });

  it('what lies between statements holds no statement: only blanks, comments and the `;`', () => {
    fc.assert(
      fc.property(scriptArbitrary(), (script) => {
        const statements = splitStatements(script.text, { file: '/m/1.sql' });
        const gaps = statements.map((s, i) => script.text.slice(i === 0 ? 0 : statements[i - 1]!.offset + statements[i - 1]!.length, s.offset));
        const last = statements[statements.length - 1]!;
        gaps.push(script.text.slice(last.offset + last.length));
        for (const gap of gaps) {
          expect(splitStatements(gap, { file: '/m/1.sql' })).toEqual([]);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('joining the statements with `;` and splitting again gives the same statements, in order', () => {
    fc.assert(
      fc.property(scriptArbitrary(), fc.constantFrom(';\n', ';', ' ;\n\n'), (script, separator) => {
        const first = splitStatements(script.text, { file: '/m/1.sql' });
        const joined = first.map((s) => s.sql).join(separator);
        const again = splitStatements(joined, { file: '/m/1.sql' });
        expect(again.map((s) => [s.sql, s.kind, s.detail])).toEqual(first.map((s) => [s.sql, s.kind, s.detail]));
      }),
      { numRuns: 100 },
    );
  });

  it('a script placed further down a file shifts every line by the same amount, and columns only on its first line', () => {
    fc.assert(
      fc.property(scriptArbitrary(), where, (script, place) => {
        const at1 = splitStatements(script.text, { file: '/m/1.sql' });
        const moved = splitStatements(script.text, { file: '/m/1.sql', ...place });
        moved.forEach((s, i) => {
          const base = at1[i]!;
          expect(s.line).toBe(base.line + place.startLine - 1);
          expect(s.column).toBe(base.line === 1 ? base.column + place.startColumn - 1 : base.column);
        });
      }),
      { numRuns: 100 },
    );
  });
});

describe('text index: bytes, code points and code units agree', () => {
  const text = fc.string({ unit: 'grapheme', maxLength: 40 });

  it('every code-unit offset at a character start survives the trip through UTF-8 bytes and through code points', () => {
    fc.assert(
      fc.property(text, fc.nat(), (s, k) => {
        const index = new TextIndex(s);
        expect(index.byteLength).toBe(Buffer.byteLength(s));
        const unit = k % (s.length + 1);
        if (isLowSurrogate(s, unit)) return;
        expect(index.fromByte(Buffer.byteLength(s.slice(0, unit)))).toBe(unit);
        expect(index.fromCodePoint([...s.slice(0, unit)].length)).toBe(unit);
        expect(unitOffset(s, pgPosition(s, unit))).toBe(unit);
        expect(index.position(unit)).toEqual(naivePlace(s, unit));
      }),
      { numRuns: 200 },
    );
  });
});

describe('positions in statements sent joined map back to the statement', () => {
  beforeAll(() => initParser());

  it('for any character of any statement, joined as a script block without its own text sends them', () => {
    fc.assert(
      fc.property(scriptArbitrary(), fc.nat(), fc.nat(), (script, i, k) => {
        const statements = splitStatements(script.text, { file: '/m/1.sql' });
        const sent = sentJoined(statements);
        const index = i % statements.length;
        const s = statements[index]!;
        const inStatement = k % s.length;
        if (isLowSurrogate(s.sql, inStatement)) return;
        const unit = sent.splices[index]!.sent + inStatement;
        expect(sent.text.slice(sent.splices[index]!.sent, sent.splices[index]!.sent + s.length)).toBe(s.sql);
        const located = locatePosition(sent, statements, pgPosition(sent.text, unit));
        expect(located?.statement).toBe(index);
        expect(located?.place).toEqual(naivePlace(script.text, s.offset + inStatement));
      }),
      { numRuns: 150 },
    );
  });

  it('text the runner inserted maps to no place of the file', () => {
    fc.assert(
      fc.property(scriptArbitrary(), fc.nat(), fc.nat(), (script, j, k) => {
        const statements = splitStatements(script.text, { file: '/m/1.sql' });
        const sent = sentJoined(statements);
        const inserted = "DO $f$BEGIN RAISE EXCEPTION 'é'; END$f$;\n";
        const at = sent.splices[j % sent.splices.length]!.sent;
        const faulted = insertInto(sent, at, inserted);
        expect(faulted.text.slice(at, at + inserted.length)).toBe(inserted);
        expect(toSource(faulted, at + (k % inserted.length))).toBeUndefined();
      }),
      { numRuns: 100 },
    );
  });
});
