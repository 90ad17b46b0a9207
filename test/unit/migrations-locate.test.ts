import { beforeAll, describe, expect, it } from 'vitest';
import { initParser, splitStatements } from '../../src/migrations/split.js';
import {
  insertInto,
  locatePosition,
  placeAt,
  placeInSent,
  sentAsIs,
  sentJoined,
  statementAt,
  toSource,
  unitOffset,
} from '../../src/migrations/locate.js';
import { doBlockLine, doBlockOffset, doBlockWriteOffset, doBodyStart } from '../../src/migrations/do-block.js';
import type { Statement } from '../../src/migrations/types.js';

const file = '/repo/migrations/000001_init.up.sql';

beforeAll(async () => {
  await initParser();
});

/** PostgreSQL's position (1-based code points) of the first occurrence of `needle` in `text`. */
function positionOf(text: string, needle: string, from = 0): number {
  const unit = text.indexOf(needle, from);
  if (unit < 0) throw new Error(`${needle} not in text`);
  return [...text.slice(0, unit)].length + 1;
}

describe('unitOffset', () => {
  it('counts characters as PostgreSQL does: a character outside the BMP is one, two code units', () => {
    const text = "SELECT '😀é';\nSELECT nope";
    expect(unitOffset(text, 1)).toBe(0);
    expect(unitOffset(text, positionOf(text, 'nope'))).toBe(text.indexOf('nope'));
    expect(unitOffset(text, 999)).toBe(text.length);
  });
});

describe('locatePosition over a script sent as it is', () => {
  const text = [
    'BEGIN;', // 1
    '', // 2
    'CREATE TABLE IF NOT EXISTS account (', // 3
    '  id bigint PRIMARY KEY', // 4
    ');', // 5
    "-- a comment with 'quotes' and é", // 6
    'ALTER TABLE account', // 7
    '  ADD CONSTRAINT positive CHECK (id > 0) NOT ENFORCED;', // 8
    'COMMIT;', // 9
  ].join('\n');

  it('names the statement the position falls in and its line and column, not the first statement', () => {
    const statements = splitStatements(text, { file });
    const located = locatePosition(sentAsIs(text), statements, positionOf(text, 'ENFORCED'), { text });
    expect(located?.statement).toBe(2);
    expect(statements[2]!.kind).toBe('AlterTableStmt');
    expect(located?.place).toEqual({ line: 8, column: 46 });
  });

  it('keeps a position at the `;` or the end of the text with the statement before it', () => {
    const statements = splitStatements('SELECT 1;\nSELECT 2', { file });
    expect(locatePosition(sentAsIs('SELECT 1;\nSELECT 2'), statements, 9, { text: 'SELECT 1;\nSELECT 2' })).toEqual({
      statement: 0,
      place: { line: 1, column: 9 },
    });
    // "syntax error at end of input": one past the last character.
    expect(locatePosition(sentAsIs('SELECT 1;\nSELECT 2'), statements, 19, { text: 'SELECT 1;\nSELECT 2' })).toEqual({
      statement: 1,
      place: { line: 2, column: 9 },
    });
  });

  it('places a section of a file (dbmate) from the section start', () => {
    const section = 'CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN x int NOT ENFORCED;';
    const statements = splitStatements(section, { file, startLine: 4, startColumn: 1 });
    const located = locatePosition(sentAsIs(section), statements, positionOf(section, 'NOT ENFORCED'), { text: section });
    expect(located).toEqual({ statement: 1, place: { line: 5, column: 32 } });
  });
});

describe('positions through what a runner added', () => {
  const text = 'CREATE TABLE t (id int);\nINSERT INTO t VALUES (1);\nUPDATE t SET nope = 1;';

  it('maps a position after an injected fault back to the file, and one inside the fault nowhere', () => {
    const statements = splitStatements(text, { file });
    const fault = "DO $x$BEGIN RAISE EXCEPTION 'f'; END$x$;\n";
    const sent = insertInto(sentAsIs(text), statements[1]!.offset, fault);
    expect(sent.text).toBe(text.slice(0, statements[1]!.offset) + fault + text.slice(statements[1]!.offset));
    const located = locatePosition(sent, statements, positionOf(sent.text, 'nope'), { text });
    expect(located).toEqual({ statement: 2, place: { line: 3, column: 14 } });
    expect(toSource(sent, sent.text.indexOf('RAISE'))).toBeUndefined();
    // Before the fault nothing moved.
    expect(locatePosition(sent, statements, positionOf(sent.text, 'id int'), { text })?.place).toEqual({ line: 1, column: 17 });
  });

  it('maps a joined string back to each statement of its own', () => {
    const statements = splitStatements(text, { file });
    const joined = sentJoined([statements[2]!, statements[0]!]);
    expect(joined.text).toBe('UPDATE t SET nope = 1;\nCREATE TABLE t (id int);');
    expect(locatePosition(joined, [statements[2]!, statements[0]!], positionOf(joined.text, 'id int'))).toEqual({
      statement: 1,
      place: { line: 1, column: 17 },
    });
  });
});

describe('statementAt', () => {
  it('gives the last statement starting at or before the offset', () => {
    const statements = splitStatements('SELECT 1; /* c */ SELECT 2;\n\nSELECT 3', { file });
    expect(statementAt(statements, 0)).toBe(0);
    expect(statementAt(statements, 12)).toBe(0); // inside the comment between them
    expect(statementAt(statements, statements[1]!.offset)).toBe(1);
    expect(statementAt(statements, 100)).toBe(2);
    expect(statementAt([], 3)).toBeUndefined();
  });
});

describe('placeAt with codd substitutions', () => {
  it('counts a substituted value as the ${VAR} the file has, and a place inside it at the ${', () => {
    // File: "GRANT SELECT ON t TO ${ROLE}, nope;" with ROLE=app_reader_role
    const sent = 'GRANT SELECT ON t TO app_reader_role, nope';
    const statement: Statement = { file, line: 3, column: 1, sql: sent, offset: 10, length: sent.length, kind: 'GrantStmt' };
    const substitutions = [{ at: 10 + 21, length: 'app_reader_role'.length, originalLength: '${ROLE}'.length }];
    expect(placeAt(statement, 10 + sent.indexOf('nope'), { substitutions })).toEqual({ line: 3, column: 31 });
    expect(placeAt(statement, 10 + sent.indexOf('reader'), { substitutions })).toEqual({ line: 3, column: 22 });
    expect(placeAt(statement, 10 + sent.indexOf('nope'))).toEqual({ line: 3, column: 39 });
  });
});

describe('placeInSent', () => {
  const text = '-- header\nCREATE TABLE t (id int);\n\nALTER TABLE t\n  ADD COLUMN x nope;\n';
  const statements = (): Statement[] => splitStatements(text, { file });

  it('places a position in a statement sent as its own text', () => {
    const s = statements()[1]!;
    expect(placeInSent(s, s.sql, positionOf(s.sql, 'nope'), { text })).toEqual({ line: 5, column: 16 });
  });

  it('places a position in a larger text that holds the statement: a naive piece, the whole file', () => {
    const s = statements()[1]!;
    const piece = '\n\nALTER TABLE t\n  ADD COLUMN x nope;';
    expect(placeInSent(s, piece, positionOf(piece, 'nope'), { text })).toEqual({ line: 5, column: 16 });
    expect(placeInSent(s, text, positionOf(text, 'nope'), { text })).toEqual({ line: 5, column: 16 });
  });

  it('refuses a text that does not hold the statement (rewritten by the runner)', () => {
    const s = statements()[1]!;
    expect(placeInSent(s, 'ALTER TABLE "t_case_1" ADD COLUMN x nope', 30, { text })).toBeUndefined();
  });
});

describe('DO blocks', () => {
  const text = ['SELECT 1;', 'DO $body$', 'DECLARE n int;', 'BEGIN', '  n := 1;', '  UPDATE t3', '     SET y = 1;', 'END $body$;'].join('\n');
  const doStatement = (): Statement => splitStatements(text, { file })[1]!;

  it('reads the body line PL/pgSQL names for the outermost block', () => {
    expect(doBlockLine('PL/pgSQL function inline_code_block line 5 at SQL statement')).toBe(5);
    expect(doBlockLine('PL/pgSQL function f() line 3 at RAISE\nSQL statement "SELECT f()"\nPL/pgSQL function inline_code_block line 7 at PERFORM')).toBe(7);
    expect(doBlockLine('PL/pgSQL function f() line 3 at RAISE')).toBeUndefined();
    expect(doBlockLine(undefined)).toBeUndefined();
  });

  it('finds where the body starts for dollar and plain quotes, not for escape strings', () => {
    const body = (sql: string): string | undefined => {
      const s = splitStatements(sql, { file })[0]!;
      const start = doBodyStart(s);
      return start === undefined ? undefined : s.sql.slice(start, start + 5);
    };
    expect(body('DO $$BEGIN NULL; END$$')).toBe('BEGIN');
    expect(body("DO 'BEGIN NULL; END'")).toBe('BEGIN');
    expect(body("DO LANGUAGE 'plpgsql' $x$BEGIN NULL; END$x$")).toBe('BEGIN');
    expect(body("DO E'BEGIN NULL; END'")).toBeUndefined();
    expect(doBodyStart(splitStatements('SELECT 1', { file })[0]!)).toBeUndefined();
  });

  it('places a runtime error on the named body line, at the query position when the server gives it', () => {
    const s = doStatement();
    const line6 = text.indexOf('  UPDATE t3');
    const offset = doBlockOffset(s, { where: 'PL/pgSQL function inline_code_block line 5 at SQL statement', internalQuery: 'UPDATE t3\n     SET y = 1', internalPosition: 20 });
    expect(placeAt(s, s.offset + offset!)).toEqual({ line: 7, column: 10 });
    // Without a query: the first character of the line.
    const raise = doBlockOffset(s, { where: 'PL/pgSQL function inline_code_block line 5 at RAISE' });
    expect(s.offset + raise!).toBe(line6 + 2);
    expect(placeAt(s, s.offset + raise!)).toEqual({ line: 6, column: 3 });
  });

  it('uses only the line when the error comes from deeper (a function the block called)', () => {
    const s = doStatement();
    const offset = doBlockOffset(s, {
      where: 'PL/pgSQL function f() line 3 at SQL statement\nSQL statement "SELECT f()"\nPL/pgSQL function inline_code_block line 4 at PERFORM',
      internalQuery: 'UPDATE zz SET a = 1',
      internalPosition: 8,
    });
    expect(placeAt(s, s.offset + offset!)).toEqual({ line: 5, column: 3 });
  });

  it('finds a PERFORM, which PL/pgSQL runs as SELECT', () => {
    const sql = 'DO $$\nBEGIN\n  PERFORM missing_fn(1);\nEND $$';
    const s = splitStatements(sql, { file })[0]!;
    const offset = doBlockOffset(s, { where: 'PL/pgSQL function inline_code_block line 3 at PERFORM', internalQuery: 'SELECT missing_fn(1)', internalPosition: 8 });
    expect(placeAt(s, s.offset + offset!)).toEqual({ line: 3, column: 11 });
  });

  it('does not place a line beyond the body, or a context about another function', () => {
    const s = doStatement();
    expect(doBlockOffset(s, { where: 'PL/pgSQL function inline_code_block line 40 at RAISE' })).toBeUndefined();
    expect(doBlockOffset(s, { where: 'PL/pgSQL function f() line 2 at RAISE' })).toBeUndefined();
  });
});

describe('the statement of a DO block that writes a table', () => {
  const plan = { schema: 'billing', name: 'plan' };
  const line = (sql: string): number | undefined => {
    const s = splitStatements(sql, { file })[0]!;
    const offset = doBlockWriteOffset(s, plan);
    return offset === undefined ? undefined : placeAt(s, s.offset + offset).line;
  };

  it('names the one write to the table, however it names it, in a WITH too', () => {
    const body = (write: string): string =>
      ['DO $$', 'BEGIN', "  INSERT INTO billing.other VALUES (1);", '  IF true THEN', `    ${write};`, '  END IF;', 'END $$'].join('\n');
    expect(line(body('UPDATE billing.plan SET price = price * 2'))).toBe(5);
    expect(line(body('UPDATE plan SET price = price * 2'))).toBe(5);
    expect(line(body('DELETE FROM billing.plan WHERE false'))).toBe(5);
    expect(line(body('WITH x AS (UPDATE billing.plan SET price = 1 RETURNING 1) INSERT INTO billing.log SELECT count(*) FROM x'))).toBe(5);
    expect(line(body('UPDATE other.plan SET price = 1'))).toBeUndefined();
  });

  it('does not guess between two writes, or past a dynamic EXECUTE', () => {
    expect(line('DO $$\nBEGIN\n  UPDATE billing.plan SET a = 1;\n  DELETE FROM billing.plan;\nEND $$')).toBeUndefined();
    expect(line("DO $$\nBEGIN\n  UPDATE billing.plan SET a = 1;\n  EXECUTE 'UPDATE billing.plan SET a = 2';\nEND $$")).toBeUndefined();
    expect(line('DO $$\nBEGIN\n  UPDATE billing.plan SET a = 1;\nEND $$')).toBe(3);
  });
});
