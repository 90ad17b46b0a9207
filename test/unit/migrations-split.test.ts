import { beforeAll, describe, expect, it } from 'vitest';
import { initParser, splitStatements } from '../../src/migrations/split.js';
import { InputError, type Statement } from '../../src/migrations/types.js';

const file = '/repo/migrations/000001_test.up.sql';

beforeAll(async () => {
  await initParser();
});

function split(text: string, startLine?: number, startColumn?: number): Statement[] {
  const statements = splitStatements(text, { file, startLine, startColumn });
  // The invariant everything downstream relies on: offsets address the script text.
  for (const s of statements) {
    expect(text.slice(s.offset, s.offset + s.length)).toBe(s.sql);
    expect(s.length).toBe(s.sql.length);
    expect(s.file).toBe(file);
  }
  return statements;
}

function where(statements: Statement[]): [string, number, number][] {
  return statements.map((s) => [s.kind, s.line, s.column]);
}

function inputError(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return error as InputError;
  }
  throw new Error('expected an InputError');
}

describe('splitStatements', () => {
  it('gives each statement of a multi-line file with comments its line and column', () => {
    const text = [
      '-- create the issuers table', // 1
      'CREATE TABLE issuers (', // 2
      '  id text PRIMARY KEY', // 3
      ');', // 4
      '', // 5
      '/* seed',
      '   data */ INSERT INTO issuers VALUES (\'a\'); -- trailing comment', // 7
      '   CREATE INDEX i ON issuers (id);SELECT 1;', // 8
    ].join('\n');
    const statements = split(text);
    expect(where(statements)).toEqual([
      ['CreateStmt', 2, 1],
      ['InsertStmt', 7, 12],
      ['IndexStmt', 8, 4],
      ['SelectStmt', 8, 35],
    ]);
    expect(statements.map((s) => s.sql)).toEqual([
      'CREATE TABLE issuers (\n  id text PRIMARY KEY\n)',
      "INSERT INTO issuers VALUES ('a')",
      'CREATE INDEX i ON issuers (id)',
      'SELECT 1',
    ]);
  });

  it('keeps $$ bodies and DO blocks containing ; in one statement', () => {
    const text = [
      'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$',
      'BEGIN',
      '  NEW.updated_at := now();',
      '  RETURN NEW;',
      'END;',
      '$$;',
      'DO $body$',
      'BEGIN',
      "  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'x;y') THEN",
      '    ALTER TABLE t ADD CONSTRAINT x CHECK (a > 0);',
      '  END IF;',
      'END $body$;',
      "SELECT ';' AS semicolon, 'it''s' AS quote;",
    ].join('\n');
    const statements = split(text);
    expect(where(statements)).toEqual([
      ['CreateFunctionStmt', 1, 1],
      ['DoStmt', 7, 1],
      ['SelectStmt', 13, 1],
    ]);
    expect(statements[0]?.sql.endsWith('END;\n$$')).toBe(true);
    expect(statements[1]?.sql.endsWith('END $body$')).toBe(true);
  });

  it('converts byte offsets to characters for non-ASCII text and emoji', () => {
    const text = "SELECT 'é'; SELECT '😀🔐' AS \"clé\"; INSERT INTO t VALUES ('ü');\n  SELECT 'ok'";
    const statements = split(text);
    expect(statements.map((s) => s.sql)).toEqual([
      "SELECT 'é'",
      "SELECT '😀🔐' AS \"clé\"",
      "INSERT INTO t VALUES ('ü')",
      "SELECT 'ok'",
    ]);
    expect(statements.map((s) => s.offset)).toEqual([0, 12, 36, 66]);
    expect(where(statements)).toEqual([
      ['SelectStmt', 1, 1],
      ['SelectStmt', 1, 13],
      ['InsertStmt', 1, 37],
      ['SelectStmt', 2, 3],
    ]);
  });

  it('reports explicit transaction control statements', () => {
    const text = 'BEGIN;\nSTART TRANSACTION;\nCOMMIT;\nROLLBACK;\nEND;\nSAVEPOINT s;\nSELECT 1;';
    const statements = split(text);
    expect(statements.map((s) => [s.kind, s.detail?.transaction])).toEqual([
      ['TransactionStmt', 'BEGIN'],
      ['TransactionStmt', 'START'],
      ['TransactionStmt', 'COMMIT'],
      ['TransactionStmt', 'ROLLBACK'],
      ['TransactionStmt', 'COMMIT'], // END is COMMIT to the server
      ['TransactionStmt', 'SAVEPOINT'],
      ['SelectStmt', undefined],
    ]);
    expect(statements.map((s) => s.line)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('lists the sub-commands of ALTER TABLE', () => {
    const [statement] = split(
      'ALTER TABLE certificates ADD CONSTRAINT c CHECK (a > 0), ADD COLUMN b int, ' +
        'DROP CONSTRAINT IF EXISTS d',
    );
    expect(statement?.kind).toBe('AlterTableStmt');
    expect(statement?.detail?.alterTableCommands).toEqual([
      'AT_AddConstraint',
      'AT_AddColumn',
      'AT_DropConstraint',
    ]);
  });

  it('takes the last statement without ; and leaves trailing comments out', () => {
    const statements = split('SELECT 1;\nSELECT 2 -- no semicolon\n/* end */\n\n');
    expect(statements.map((s) => s.sql)).toEqual(['SELECT 1', 'SELECT 2']);
    expect(where(statements)).toEqual([
      ['SelectStmt', 1, 1],
      ['SelectStmt', 2, 1],
    ]);
    const [withComment] = split('SELECT 3 -- before the semicolon\n;');
    expect(withComment?.sql).toBe('SELECT 3');
  });

  it('returns no statements for empty, blank or comment-only text', () => {
    expect(split('')).toEqual([]);
    expect(split('  \n\t')).toEqual([]);
    expect(split('-- nothing\n/* here */;;')).toEqual([]);
  });

  it('places the statements of a section at their place in the file', () => {
    const text = 'SELECT 1;  SELECT 2;\nSELECT 3;';
    const statements = split(text, 10, 20);
    // Only the section's first line is shifted to the right.
    expect(where(statements)).toEqual([
      ['SelectStmt', 10, 20],
      ['SelectStmt', 10, 31],
      ['SelectStmt', 11, 1],
    ]);
    expect(statements.map((s) => s.offset)).toEqual([0, 11, 21]);
  });
});

describe('splitStatements input errors', () => {
  it('names a psql meta-command with its line and tells what to do', () => {
    const text = "-- seed\nSELECT 'é😀';\n\\set ON_ERROR_STOP off\nSELECT 2;\n";
    const error = inputError(() => splitStatements(text, { file }));
    expect([error.file, error.line, error.column]).toEqual([file, 3, 1]);
    expect(error.message).toBe(
      `"\\set ON_ERROR_STOP off" is a psql meta-command, not SQL: psql handles it ` +
        'itself, and the PostgreSQL server that receives this file does not understand it ' +
        '(syntax error at or near "\\")',
    );
    expect(error.fix).toMatch(/^remove the line: migtest and the runner send the SQL to the server/);
  });

  it('finds an indented meta-command after multi-byte text, in a section', () => {
    const text = "SELECT '🔐';\n  \\i other.sql\n";
    const error = inputError(() => splitStatements(text, { file, startLine: 7, startColumn: 5 }));
    expect([error.line, error.column]).toEqual([8, 3]);
    expect(error.message).toContain('"\\i other.sql" is a psql meta-command');
    expect(error.fix).toContain('put the included SQL into the migration itself');
    const copy = inputError(() => splitStatements('\\copy t FROM data.csv', { file }));
    expect([copy.line, copy.column]).toEqual([1, 1]);
    expect(copy.fix).toContain('INSERT');
  });

  it('does not mistake backslashes inside strings or $$ bodies for meta-commands', () => {
    const statements = split("SELECT E'a\\\\b';\nDO $$\nBEGIN\n\\set x\nEND $$ ;");
    expect(statements.map((s) => s.kind)).toEqual(['SelectStmt', 'DoStmt']);
  });

  it('reports a syntax error at its line and column with the parser message', () => {
    const text = "CREATE TABLE t (id int);\n-- 😀 émoji\nINSERT INTO t VALUES ('é'), ('😀');\n  SELEC 1;";
    const error = inputError(() => splitStatements(text, { file }));
    expect([error.file, error.line, error.column]).toEqual([file, 4, 3]);
    expect(error.message).toBe(`syntax error at or near "SELEC"`);
  });

  it('reports a syntax error on the first line of a section at its file column', () => {
    const text = "SELECT 'ü' FROM WHERE";
    const error = inputError(() => splitStatements(text, { file, startLine: 4, startColumn: 9 }));
    expect([error.line, error.column]).toEqual([4, 9 + 16]);
    expect(error.message).toContain('syntax error at or near "WHERE"');
  });

  it('reports an unterminated $$ body and a missing parenthesis', () => {
    const dollar = inputError(() => splitStatements('SELECT 1;\nDO $$ BEGIN\nEND;\n', { file }));
    expect([dollar.line, dollar.column]).toEqual([2, 4]);
    expect(dollar.message).toContain('unterminated dollar-quoted string');
    const end = inputError(() => splitStatements('SELECT (1', { file }));
    expect(end.message).toBe(`syntax error at end of input`);
  });

  it('explains a byte order mark', () => {
    const error = inputError(() => splitStatements('\uFEFFSELECT 1;', { file }));
    expect([error.line, error.column]).toEqual([1, 1]);
    expect(error.message).toContain('byte order mark');
  });
});
