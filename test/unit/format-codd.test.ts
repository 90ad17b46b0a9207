import { rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { coddConnection, coddTimestamp, NO_PARSE_KIND } from '../../src/runners/codd/format.js';
import { loadSet } from '../../src/migrations/load.js';
import { InputError, type Statement } from '../../src/migrations/types.js';
import { codd } from '../../src/runners/codd/model.js';
import { rejection, tempFolder } from '../helpers/folders.js';
import type { Env, MigrationSet } from '../../src/migrations/types.js';

const loadCodd = (dir: string, env: Env = {}): Promise<MigrationSet> => loadSet(dir, 'codd', env);

const SETS = fileURLToPath(new URL('../../migrations-under-test', import.meta.url));

let dir: string;
const { write } = tempFolder('migtest-codd-', (created) => (dir = created));

/** The error's place as the reporter prints it: the file's base name, line, column. */
function place(error: InputError): [string | undefined, number | undefined, number | undefined] {
  return [error.file ? path.basename(error.file) : undefined, error.line, error.column];
}

function where(statements: Statement[]): [string, number, number][] {
  return statements.map((s) => [s.kind, s.line, s.column]);
}

const A = '2024-01-01-10-00-00-a.sql';
const B = '2024-01-02-10-00-00-b.sql';

describe('loadCodd: files and order', () => {
  it('loads every *.sql file directly in the folder, by name, and reads the timestamp from it', async () => {
    await write({
      '2024-03-01-12-00-00-third.sql': 'SELECT 3;',
      '2023-12-31-23-59-59-first.sql': 'SELECT 1;',
      '2024-01-15-08-30-00-second-with-dashes.sql': 'SELECT 2;',
      'README.md': '# notes',
      'old/2020-01-01-00-00-00-old.sql': 'SELECT 0;',
    });
    const set = await loadCodd(dir, {});
    expect(set).toMatchObject({ dir, format: 'codd' });
    expect(set.migrations.map((m) => [m.id, m.orderKey, coddTimestamp(m)])).toEqual([
      ['2023-12-31-23-59-59-first.sql', '2023-12-31-23-59-59-first.sql', '2023-12-31 23:59:59+00'],
      ['2024-01-15-08-30-00-second-with-dashes.sql', '2024-01-15-08-30-00-second-with-dashes.sql', '2024-01-15 08:30:00+00'],
      ['2024-03-01-12-00-00-third.sql', '2024-03-01-12-00-00-third.sql', '2024-03-01 12:00:00+00'],
    ]);
    // codd records the whole file name in codd.sql_migrations.name.
    expect(set.migrations[0]!.name).toBe('2023-12-31-23-59-59-first.sql');
    expect(set.migrations[0]!.checksum).toMatch(/^[0-9a-f]{64}$/);
  });

  it('is what loadSet reads for the codd format, with the environment it is given', async () => {
    await write({ [A]: '-- codd-env-vars: ROLE\nGRANT SELECT ON t TO ${ROLE};' });
    const set = await loadSet(dir, 'codd', { ROLE: 'reader' });
    expect(set.migrations[0]!.up.statements[0]!.sql).toBe('GRANT SELECT ON t TO reader');
  });

  it('refuses a name without a timestamp, with the file', async () => {
    await write({ [A]: 'SELECT 1;', '20240101100000-b.sql': 'SELECT 2;' });
    const error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual(['20240101100000-b.sql', undefined, undefined]);
    expect(error.message).toContain('YYYY-MM-DD-HH-MM-SS-name.sql');
    expect(error.fix).toContain('rename');
  });

  it('refuses a timestamp that is not on the calendar', async () => {
    await write({ '2023-02-29-10-00-00-leap.sql': 'SELECT 1;' });
    const error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual(['2023-02-29-10-00-00-leap.sql', undefined, undefined]);
    expect(error.message).toContain('day 29 of a month with 28 days');
    await rm(path.join(dir, '2023-02-29-10-00-00-leap.sql'));
    await write({ '2024-01-01-24-00-00-midnight.sql': 'SELECT 1;' });
    expect((await rejection(loadCodd(dir, {}))).message).toContain('hour 24');
  });

  it('refuses two migrations with the same timestamp, at the second', async () => {
    await write({ '2024-01-01-10-00-00-a.sql': 'SELECT 1;', '2024-01-01-10-00-00-b.sql': 'SELECT 2;' });
    const error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual(['2024-01-01-10-00-00-b.sql', undefined, undefined]);
    expect(error.message).toBe('two migrations have the timestamp 2024-01-01-10-00-00: 2024-01-01-10-00-00-a.sql and 2024-01-01-10-00-00-b.sql');
    expect(error.fix).toContain('UNIQUE (migration_timestamp)');
  });

  it('refuses an empty folder and a missing one', async () => {
    expect((await rejection(loadCodd(dir, {}))).message).toBe('no *.sql files in this folder');
    expect((await rejection(loadCodd(path.join(dir, 'nope'), {}))).message).toBe('the migration folder does not exist');
  });
});

describe('loadCodd: header directives', () => {
  it('reads -- codd:, -- codd-connection: and -- codd-env-vars: above the first statement', async () => {
    await write({
      [A]: [
        '-- A bootstrap migration',
        '-- codd: no-txn',
        '',
        '--codd-connection:  postgres://admin:s3cret@db.internal:5433/postgres  ',
        '/* a block comment */',
        '-- codd-env-vars: APP_DB , APP_ROLE',
        'CREATE ROLE ${APP_ROLE};',
        'CREATE DATABASE ${APP_DB} OWNER ${APP_ROLE};',
        '-- codd: in-txn is an ordinary comment below the first statement',
      ].join('\n'),
      [B]: "-- codd: requires-codd-schema, in-txn\n-- codd-connection: dbname='my db' user=orders_owner host=localhost port=5432\nSELECT 1;",
    });
    const set = await loadCodd(dir, { APP_DB: 'orders', APP_ROLE: 'orders_owner' });
    const [a, b] = set.migrations;
    expect(a!.directives).toMatchObject({ 'no-txn': true, 'env-vars': ['APP_DB', 'APP_ROLE'], 'connection-database': 'postgres', 'connection-user': 'admin' });
    expect(a!.directives['in-txn']).toBeUndefined();
    expect(coddConnection(a!)).toMatchObject({ database: 'postgres', user: 'admin', display: 'postgres://admin:****@db.internal:5433/postgres' });
    // The password never lands in what migtest keeps about the migration.
    expect(JSON.stringify(a!.directives)).not.toContain('s3cret');
    expect(a!.up.statements.map((s) => s.sql)).toEqual(['CREATE ROLE orders_owner', 'CREATE DATABASE orders OWNER orders_owner']);
    expect(b!.directives).toMatchObject({ 'requires-codd-schema': true, 'in-txn': true });
    expect(coddConnection(b!)).toMatchObject({ database: 'my db', user: 'orders_owner' });
    expect(coddConnection(set.migrations[0]!)!.key).not.toBe(coddConnection(b!)!.key);
  });

  it('substitutes variables in the connection string, and leaves undeclared ${…} alone', async () => {
    await write({ [A]: '-- codd-connection: postgres://${SUPER}@localhost/${MAINT}\n-- codd-env-vars: SUPER, MAINT\nSELECT \'${NOT_DECLARED}\';' });
    const set = await loadCodd(dir, { SUPER: 'postgres', MAINT: 'template1' });
    expect(coddConnection(set.migrations[0]!)).toMatchObject({ database: 'template1', user: 'postgres' });
    expect(set.migrations[0]!.up.statements[0]!.sql).toBe("SELECT '${NOT_DECLARED}'");
  });

  it('refuses an unknown option at its column', async () => {
    await write({ [A]: '-- some comment\n-- codd: no-txn, no-transaction\nSELECT 1;' });
    const error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual([A, 2, 18]);
    expect(error.message).toBe("unknown option 'no-transaction' after -- codd:");
    expect(error.fix).toContain('in-txn, no-txn, no-parse, requires-codd-schema');
  });

  it('refuses an unknown codd directive, a duplicate option and an empty option list', async () => {
    await write({ [A]: '-- codd-conection: postgres://u@h/db\nSELECT 1;' });
    let error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual([A, 1, 1]);
    expect(error.message).toBe('unknown codd directive "-- codd-conection:"');

    await write({ [A]: '-- codd: no-txn\n-- codd: no-txn\nSELECT 1;' });
    error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual([A, 2, 10]);
    expect(error.message).toContain('given twice');

    await write({ [A]: '-- codd:\nSELECT 1;' });
    error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual([A, 1, 9]);
    expect(error.message).toBe('-- codd: lists an empty option');
  });

  it('refuses in-txn with no-txn, and no-txn with no-parse, at the option that conflicts', async () => {
    await write({ [A]: '-- codd: in-txn\n-- codd: no-txn\nSELECT 1;' });
    let error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual([A, 2, 10]);
    expect(error.message).toContain("'in-txn' and 'no-txn' exclude each other");

    await write({ [A]: '-- codd: no-parse, no-txn\nSELECT 1;' });
    error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual([A, 1, 20]);
    expect(error.message).toContain("It is not possible to set both 'no-txn' and 'no-parse'");
  });

  it('refuses a second connection and connection strings codd cannot read, without repeating them', async () => {
    await write({ [A]: '-- codd-connection: postgres://u@h/a\n-- codd-connection: postgres://u@h/b\nSELECT 1;' });
    let error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual([A, 2, 1]);
    expect(error.message).toContain('the first is on line 1');

    const bad: [string, string][] = [
      ['postgres://u:hunter2@h/db?sslmode=require', 'parameters'],
      ['postgres://u:hunter2@h', 'names no database'],
      ['dbname=db user=u password=hunter2', "the key 'host' is missing"],
      ['host=h user=u dbname=db port=x password=hunter2', "'port' is not a number"],
      ['host=h host=i user=u dbname=db password=hunter2', "'host' is given twice"],
      ['just some words hunter2', 'neither a postgres:// URI nor key=value pairs'],
    ];
    for (const [value, problem] of bad) {
      await write({ [A]: `-- codd: no-txn\n-- codd-connection:   ${value}\nSELECT 1;` });
      error = await rejection(loadCodd(dir, {}));
      expect(place(error)).toEqual([A, 2, 23]);
      expect(error.message).toContain(problem);
      expect(error.message + (error.fix ?? '')).not.toContain('hunter2');
    }
  });

  it('refuses a declared variable that is not set, at its name in the header', async () => {
    await write({ [A]: '-- codd: no-txn\n-- codd-env-vars: PRESENT,  MISSING\nSELECT \'${MISSING}\';' });
    const error = await rejection(loadCodd(dir, { PRESENT: 'x' }));
    expect(place(error)).toEqual([A, 2, 29]);
    expect(error.message).toBe('the environment variable MISSING is declared in -- codd-env-vars but not set');
  });

  it('refuses a malformed -- codd-env-vars: list', async () => {
    await write({ [A]: '-- codd-env-vars: GOOD, not-a-name\nSELECT 1;' });
    const error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual([A, 1, 25]);
    expect(error.message).toContain('"not-a-name" is not a variable name');
  });
});

describe('loadCodd: statements and positions', () => {
  it('keeps positions in the original file when substitution changes the length of lines', async () => {
    await write({
      [A]: [
        '-- codd-env-vars: S, LONG', // 1
        "CREATE SCHEMA ${S}; CREATE TABLE ${S}.t (v text DEFAULT '${LONG}');", // 2
        "  INSERT INTO ${S}.t VALUES ('${LONG}'); SELECT 1;", // 3
        '', // 4
        'SELECT 2;', // 5
      ].join('\n'),
    });
    const long = 'a value much longer than the variable it replaces';
    const set = await loadCodd(dir, { S: 'app', LONG: long });
    const up = set.migrations[0]!.up;
    expect(where(up.statements)).toEqual([
      ['CreateSchemaStmt', 2, 1],
      ['CreateStmt', 2, 21],
      ['InsertStmt', 3, 3],
      ['SelectStmt', 3, 42],
      ['SelectStmt', 5, 1],
    ]);
    // `sql` and `offset` address the text that is sent.
    for (const s of up.statements) expect(up.text.slice(s.offset, s.offset + s.length)).toBe(s.sql);
    expect(up.statements[2]!.sql).toBe(`INSERT INTO app.t VALUES ('${long}')`);
  });

  it('places a statement that starts inside a value spanning lines at the variable (best effort)', async () => {
    await write({ [A]: '-- codd-env-vars: TWO\n${TWO}\nSELECT 3;' });
    const set = await loadCodd(dir, { TWO: 'SELECT 1;\nSELECT 2;' });
    expect(where(set.migrations[0]!.up.statements)).toEqual([
      ['SelectStmt', 2, 1],
      ['SelectStmt', 2, 1],
      ['SelectStmt', 3, 1],
    ]);
  });

  it('cuts COPY … FROM STDIN data out before parsing and keeps it on the statement', async () => {
    await write({
      [A]: [
        'CREATE TABLE t (id int, note text);', // 1
        'COPY t (id, note) FROM STDIN; -- inline rows', // 2
        "1\tit's; not SQL", // 3
        '2\t\\N', // 4
        '\\.', // 5
        "copy t FROM stdin WITH (FORMAT csv);", // 6
        '3,"a ""quoted"" value"', // 7
        '\\.', // 8
        'COPY t FROM STDIN;', // 9
        '\\.', // 10
        "SELECT 1; SELECT 'COPY x FROM STDIN;';", // 11
      ].join('\n'),
    });
    const set = await loadCodd(dir, {});
    const statements = set.migrations[0]!.up.statements;
    expect(where(statements)).toEqual([
      ['CreateStmt', 1, 1],
      ['CopyStmt', 2, 1],
      ['CopyStmt', 6, 1],
      ['CopyStmt', 9, 1],
      ['SelectStmt', 11, 1],
      ['SelectStmt', 11, 11],
    ]);
    expect(statements.map((s) => s.copyData)).toEqual([undefined, "1\tit's; not SQL\n2\t\\N\n", '3,"a ""quoted"" value"\n', '', undefined, undefined]);
    expect(statements[1]!.sql).toBe('COPY t (id, note) FROM STDIN');
  });

  it('refuses COPY … FROM STDIN without its \\. line, at the COPY', async () => {
    await write({ [A]: 'SELECT 1;\n  COPY t FROM STDIN;\n1\n2\n' });
    const error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual([A, 2, 3]);
    expect(error.message).toContain('no end-of-data line');
  });

  it('refuses text after COPY … FROM STDIN; on its line', async () => {
    await write({ [A]: 'COPY t FROM STDIN; SELECT 1;\n1\n\\.\n' });
    const error = await rejection(loadCodd(dir, {}));
    expect(place(error)).toEqual([A, 1, 19]);
  });

  it('reports psql meta-commands at their line in the original file, and skips \\restrict', async () => {
    await write({ [A]: '\\restrict abc123\n-- codd-env-vars: X\nSELECT \'${X}\';\n\\set ON_ERROR_STOP on\nSELECT 2;\n' });
    let error = await rejection(loadCodd(dir, { X: 'a much longer value' }));
    expect(place(error)).toEqual([A, 4, 1]);
    expect(error.message).toContain('"\\set ON_ERROR_STOP on" is a psql meta-command');

    await write({ [A]: '\\restrict abc123\nSELECT 1;\n\\unrestrict abc123\n' });
    const set = await loadCodd(dir, {});
    expect(where(set.migrations[0]!.up.statements)).toEqual([['SelectStmt', 2, 1]]);
  });

  it('reports a syntax error at its place in the original file', async () => {
    await write({ [A]: '-- codd-env-vars: X\nSELECT \'${X}\';\nSELEC 2;\n' });
    const error = await rejection(loadCodd(dir, { X: 'longer than the variable' }));
    expect(place(error)).toEqual([A, 3, 1]);
    expect(error.message).toContain('syntax error at or near "SELEC"');
  });

  it('sends a no-parse migration whole, as one statement, without substitution', async () => {
    const text = '-- codd: no-parse\n-- codd-env-vars: X\nSELECT 1; SELECT \'${X}\';\n';
    await write({ [A]: text });
    const set = await loadCodd(dir, { X: 'x' });
    const statements = set.migrations[0]!.up.statements;
    expect(statements).toHaveLength(1);
    expect(statements[0]).toMatchObject({ kind: NO_PARSE_KIND, sql: text, line: 1, column: 1 });
  });
});

describe('codd model: plan', () => {
  it('groups consecutive in-txn migrations of one connection and puts each no-txn migration alone', async () => {
    await write({
      '2024-01-01-00-00-01-a.sql': 'SELECT 1; SELECT 2;',
      '2024-01-01-00-00-02-b.sql': 'SELECT 3;',
      '2024-01-01-00-00-03-c.sql': '-- codd: no-txn\nSELECT 4;',
      '2024-01-01-00-00-04-d.sql': '-- codd: no-txn\nSELECT 5;',
      '2024-01-01-00-00-05-e.sql': '-- codd-connection: postgres://u@h/other\nSELECT 6;',
      '2024-01-01-00-00-06-f.sql': '-- codd-connection: postgres://u@h/other\nSELECT 7;',
      '2024-01-01-00-00-07-g.sql': 'SELECT 8;',
      '2024-01-01-00-00-08-h.sql': '-- codd: no-parse\nSELECT 9; SELECT 10;',
    });
    const plan = codd.plan(await loadCodd(dir, {}));
    expect(plan.blocks.map((b) => [b.index, b.rule, b.migrations.map((m) => m.name.slice(20, 21)).join(''), b.statements.length])).toEqual([
      [0, 'in-txn', 'ab', 3],
      [1, 'no-txn', 'c', 1],
      [2, 'no-txn', 'd', 1],
      [3, 'in-txn', 'ef', 2],
      [4, 'in-txn', 'gh', 2],
    ]);
  });

  it('plans the sets under test, and refuses unknown runner options', async () => {
    const set = await loadCodd(path.join(SETS, 'codd-no-txn/broken'), {});
    expect(codd.plan(set).blocks.map((b) => [b.rule, b.statements.length])).toEqual([
      ['in-txn', 5],
      ['no-txn', 3],
      ['in-txn', 1],
    ]);
    const boot = await loadCodd(path.join(SETS, 'codd-bootstrap/fixed'), {});
    expect(codd.plan(boot, { user: 'orders_owner' }).blocks.map((b) => [b.rule, b.migrations.length])).toEqual([
      ['no-txn', 1],
      ['in-txn', 2],
    ]);
    expect(() => codd.plan(set, { retries: '2' })).toThrow(InputError);
  });
});
