import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initParser, splitStatements } from '../../src/migrations/split.js';
import { injectIntoScript } from '../../src/faults/inject.js';
import { insertInto, locatePosition, placeInSent, sentAsIs } from '../../src/migrations/locate.js';

// Statements over several lines, with non-ASCII text (2, 3 and 4 UTF-8 bytes; one character
// outside the BMP is two code units and one PostgreSQL character), $$ bodies and comments.
const statement = fc.constantFrom(
  'CREATE TABLE IF NOT EXISTS t (\n  id int,\n  name text\n)',
  "INSERT INTO t VALUES (1, 'é;🙂')",
  "DO $$\nBEGIN\n  RAISE NOTICE 'a;b';\nEND $$",
  "SELECT 'ünïcødé 😀 text' AS x,\n       2 AS y",
  'BEGIN',
  'COMMIT',
  '/* block; comment */ UPDATE t\n   SET id = id + 1\n WHERE name <> $q$;$q$',
  'CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$\n  SELECT 1;\n$body$',
);
const separator = fc.constantFrom(';\n', ';', ';\n\n-- note; with é\n', ' ; ', '; -- trailing; comment 🙂\n', ';\r\n');
const script = fc
  .tuple(fc.constantFrom('', '-- header é\n', '\n\n'), fc.array(fc.tuple(statement, separator), { minLength: 1, maxLength: 6 }), fc.constantFrom('', ';', ';\n'))
  .map(([head, parts, end]) => head + parts.map(([s, sep], i) => (i === parts.length - 1 ? s : s + sep)).join('') + end);

/** 1-based line and column (code units) of a code-unit offset, counted the plain way. */
function naivePlace(text: string, offset: number, startLine: number, startColumn: number): { line: number; column: number } {
  const before = text.slice(0, offset).split('\n');
  const line = before.length;
  const column = before[before.length - 1]!.length + 1;
  return { line: startLine + line - 1, column: line === 1 ? startColumn + column - 1 : column };
}

/** PostgreSQL's position of a code-unit offset: characters before it, plus one. */
function pgPosition(text: string, unit: number): number {
  return [...text.slice(0, unit)].length + 1;
}

const where = fc.record({ startLine: fc.integer({ min: 1, max: 40 }), startColumn: fc.integer({ min: 1, max: 5 }) });

describe('server positions map back to the statement and its place in the file', () => {
  beforeAll(() => initParser());

  it('for any statement and any character in it, sent as the whole script', () => {
    fc.assert(
      fc.property(script, where, fc.nat(), fc.nat(), (text, { startLine, startColumn }, i, k) => {
        const statements = splitStatements(text, { file: '/m/1.sql', startLine, startColumn });
        const index = i % statements.length;
        const s = statements[index]!;
        const offset = s.offset + (k % s.length);
        if (text.charCodeAt(offset) >= 0xdc00 && text.charCodeAt(offset) <= 0xdfff) return; // the server never points at half a character
        const located = locatePosition(sentAsIs(text), statements, pgPosition(text, offset), { text });
        expect(located?.statement).toBe(index);
        expect(located?.place).toEqual(naivePlace(text, offset, startLine, startColumn));
      }),
      { numRuns: 400 },
    );
  });

  it('with a fault injected at any boundary: positions of the file map through it', () => {
    fc.assert(
      fc.property(script, fc.nat(), fc.nat(), fc.nat(), (text, i, k, j) => {
        const statements = splitStatements(text, { file: '/m/1.sql' });
        const index = i % statements.length;
        const s = statements[index]!;
        const offset = s.offset + (k % s.length);
        if (text.charCodeAt(offset) >= 0xdc00 && text.charCodeAt(offset) <= 0xdfff) return;
        const at = j % (statements.length + 1);
        const fault = "DO $migtest$BEGIN RAISE EXCEPTION 'é'; END$migtest$";
        const sent = injectIntoScript(text, statements, at, fault);
        const next = statements[at];
        const inserted = next ? `${fault};\n` : `\n;\n${fault};\n`;
        const mapped = insertInto(sentAsIs(text), next ? next.offset : text.length, inserted);
        expect(mapped.text).toBe(sent);
        const unit = offset + (next && offset >= next.offset ? inserted.length : 0);
        const located = locatePosition(mapped, statements, pgPosition(sent, unit), { text });
        expect(located?.statement).toBe(index);
        expect(located?.place).toEqual(naivePlace(text, offset, 1, 1));
      }),
      { numRuns: 300 },
    );
  });

  it('for a statement sent on its own, as its text or inside a larger one', () => {
    fc.assert(
      fc.property(script, fc.nat(), fc.nat(), fc.boolean(), (text, i, k, whole) => {
        const statements = splitStatements(text, { file: '/m/1.sql' });
        const s = statements[i % statements.length]!;
        const inStatement = k % s.length;
        if (s.sql.charCodeAt(inStatement) >= 0xdc00 && s.sql.charCodeAt(inStatement) <= 0xdfff) return;
        const sent = whole ? text : s.sql;
        const unit = (whole ? s.offset : 0) + inStatement;
        expect(placeInSent(s, sent, pgPosition(sent, unit), { text })).toEqual(naivePlace(text, s.offset + inStatement, 1, 1));
      }),
      { numRuns: 300 },
    );
  });
});
