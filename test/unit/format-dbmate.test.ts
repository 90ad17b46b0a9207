import { createHash } from 'node:crypto';
import { symlink } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadSet } from '../../src/migrations/load.js';
import { InputError } from '../../src/migrations/types.js';
import { dbmate } from '../../src/runners/dbmate/model.js';
import { rejection, tempFolder } from '../helpers/folders.js';
import type { Env, MigrationSet } from '../../src/migrations/types.js';

const loadDbmate = (dir: string, env: Env = {}): Promise<MigrationSet> => loadSet(dir, 'dbmate', env);

let dir: string;
const { write } = tempFolder('migtest-dbmate-', (created) => (dir = created));

/** A migration file as `dbmate new` writes it, filled in. */
const migration = (up: string, down = '', marker = '-- migrate:up'): string => `${marker}\n${up}\n\n-- migrate:down\n${down}\n`;

describe('loadDbmate', () => {
  it('sorts by file name (as dbmate does, so 10_ before 9_) and takes the leading digits as the version', async () => {
    await write({
      '9_b.sql': migration('CREATE TABLE b (id int);'),
      '10_a.sql': migration('CREATE TABLE a (id int);'),
      '20240101000000_create_users.sql': migration('CREATE TABLE users (id int);', 'DROP TABLE users;'),
      'schema.txt': 'not a migration',
      'nested/1_x.sql': migration('SELECT 1;'),
    });
    const set = await loadDbmate(dir);
    expect(set.format).toBe('dbmate');
    expect(set.migrations.map((m) => [m.id, m.name, m.orderKey])).toEqual([
      ['10', '10_a', '10_a.sql'],
      ['20240101000000', '20240101000000_create_users', '20240101000000_create_users.sql'],
      ['9', '9_b', '9_b.sql'],
    ]);
    expect((await loadSet(dir, 'dbmate')).migrations).toHaveLength(3);
  });

  it('sends the up section from its marker line to the down marker, with statements at their lines in the file', async () => {
    const text = [
      '-- Orders of the checkout service.',
      '',
      '-- migrate:up',
      'CREATE TABLE orders (id bigserial PRIMARY KEY);',
      '  CREATE INDEX orders_id ON orders (id);',
      '',
      '-- migrate:down',
      'DROP TABLE orders;',
      '',
    ].join('\n');
    await write({ '20240301090000_create_orders.sql': text });
    const [m] = (await loadDbmate(dir)).migrations;
    const file = path.join(dir, '20240301090000_create_orders.sql');
    expect(m!.file).toBe(file);
    expect(m!.up.text).toBe('-- migrate:up\nCREATE TABLE orders (id bigserial PRIMARY KEY);\n  CREATE INDEX orders_id ON orders (id);\n\n');
    expect([m!.up.startLine, m!.up.startColumn]).toEqual([3, 1]);
    expect(m!.up.statements.map((s) => [s.kind, s.file, s.line, s.column])).toEqual([
      ['CreateStmt', file, 4, 1],
      ['IndexStmt', file, 5, 3],
    ]);
    expect(m!.down?.text).toBe('-- migrate:down\nDROP TABLE orders;\n');
    expect(m!.down?.statements.map((s) => [s.sql, s.line])).toEqual([['DROP TABLE orders', 8]]);
    expect(m!.directives).toEqual({});
    expect(m!.checksum).toBe(createHash('sha256').update(text).digest('hex'));
  });

  it('reads the transaction option of the up marker', async () => {
    await write({
      '1_a.sql': migration('CREATE INDEX CONCURRENTLY a_id ON a (id);', '', '-- migrate:up transaction:false'),
      '2_b.sql': migration('SELECT 1;', '', '--migrate:up   transaction:true  '),
      '3_c.sql': '-- migrate:up\r\nSELECT 1;\r\n-- migrate:down\r\n',
    });
    const set = await loadDbmate(dir);
    expect(set.migrations.map((m) => m.directives)).toEqual([{ transaction: false }, { transaction: true }, {}]);
    expect(dbmate.plan(set, {}).blocks.map((b) => [b.index, b.rule, b.migrations[0]!.id, b.text === b.migrations[0]!.up.text])).toEqual([
      [0, 'no-txn', '1', true],
      [1, 'in-txn', '2', true],
      [2, 'in-txn', '3', true],
    ]);
  });

  it('plans a transaction:false section of several statements as one script (one implicit transaction)', async () => {
    await write({ '1_a.sql': migration('CREATE TABLE a (id int);\nCREATE INDEX CONCURRENTLY a_id ON a (id);', '', '-- migrate:up transaction:false') });
    const [block] = dbmate.plan(await loadDbmate(dir), {}).blocks;
    expect([block!.rule, block!.statements.map((s) => s.line)]).toEqual(['script', [2, 3]]);
  });

  it('reads links to files', async () => {
    await write({ 'elsewhere/real.sql': migration('SELECT 1;') });
    await symlink(path.join(dir, 'elsewhere/real.sql'), path.join(dir, '1_linked.sql'));
    expect((await loadDbmate(dir)).migrations.map((m) => m.name)).toEqual(['1_linked']);
  });

  describe('refuses what dbmate refuses, with its words', () => {
    it.each([
      ['no up marker', 'CREATE TABLE a (id int);\n', "dbmate requires each migration to define an up block with '-- migrate:up'", undefined],
      ['no down marker', '-- migrate:up\nCREATE TABLE a (id int);\n', "dbmate requires each migration to define a down block with '-- migrate:down'", undefined],
      ['down before up', '-- migrate:down\nDROP TABLE a;\n-- migrate:up\nCREATE TABLE a (id int);\n', "dbmate requires '-- migrate:up' to appear before '-- migrate:down'", 1],
      ['a statement above the up marker', '-- header\n\nSET search_path = app;\n-- migrate:up\nSELECT 1;\n-- migrate:down\n', "dbmate does not support statements preceding the '-- migrate:up' block", 3],
    ])('%s', async (_label, text, message, line) => {
      await write({ '1_a.sql': text });
      const error = await rejection(loadDbmate(dir));
      expect(error.message).toBe(message);
      expect(error.file).toBe(path.join(dir, '1_a.sql'));
      expect(error.line).toBe(line);
      expect(error.fix).toBeTruthy();
    });
  });

  it('refuses a second up section, which dbmate 2.36 records twice (23505 after its SQL ran)', async () => {
    await write({ '1_a.sql': `${migration('CREATE TABLE a (id int);')}-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY a_id ON a (id);\n-- migrate:down\n` });
    const error = await rejection(loadDbmate(dir));
    expect(error.message).toMatch(/^a second -- migrate:up section: .*23505/);
    expect([error.line, error.column]).toEqual([6, 1]);
    expect(error.fix).toBe('give each section a migration file of its own');
  });

  it('refuses a second down marker', async () => {
    await write({ '1_a.sql': '-- migrate:up\nSELECT 1;\n-- migrate:down\nSELECT 2;\n-- migrate:down\nSELECT 3;\n' });
    const error = await rejection(loadDbmate(dir));
    expect(error.message).toMatch(/^a second -- migrate:down marker/);
    expect(error.line).toBe(5);
  });

  it.each([
    ['-- migrate:up transactions:false', "unknown migration option 'transactions:false': dbmate ignores it and runs the section in a transaction", 15],
    ['-- migrate:up transaction', "unknown migration option 'transaction': dbmate ignores it and runs the section in a transaction", 15],
    ['-- migrate:up transaction:false:x', "unknown migration option 'transaction:false:x': dbmate ignores it and runs the section in a transaction", 15],
    ['-- migrate:up  transaction:no', "transaction:no is not a value dbmate tells apart: only 'transaction:false' turns the transaction off, any other value leaves it on", 16],
    ['-- migrate:up transaction:FALSE', "transaction:FALSE is not a value dbmate tells apart: only 'transaction:false' turns the transaction off, any other value leaves it on", 15],
  ])('refuses the marker line %s at the option', async (marker, message, column) => {
    await write({ '1_ok.sql': migration('SELECT 1;'), '2_a.sql': `-- header\n${migration('SELECT 1;', '', marker)}` });
    const error = await rejection(loadDbmate(dir));
    expect(error.message).toBe(message);
    expect([error.file, error.line, error.column]).toEqual([path.join(dir, '2_a.sql'), 2, column]);
  });

  it('refuses an unknown option on the down marker too', async () => {
    await write({ '1_a.sql': '-- migrate:up\nSELECT 1;\n-- migrate:down transaction:nope\n' });
    const error = await rejection(loadDbmate(dir));
    expect([error.line, error.column]).toEqual([3, 17]);
  });

  it('keeps the transaction option of the down marker apart', async () => {
    await write({ '1_a.sql': migration('CREATE INDEX CONCURRENTLY a_id ON a (id);', 'DROP INDEX CONCURRENTLY a_id;', '-- migrate:up transaction:false').replace('-- migrate:down', '-- migrate:down transaction:false') });
    expect((await loadDbmate(dir)).migrations[0]!.directives).toEqual({ transaction: false, 'down-transaction': false });
  });

  it('refuses two files of one version, which dbmate would record once', async () => {
    await write({ '1_create_a.sql': migration('SELECT 1;'), '1_create_b.sql': migration('SELECT 2;') });
    const error = await rejection(loadDbmate(dir));
    expect(error.message).toMatch(/^version 1 is also the version of 1_create_a\.sql: .*23505/);
    expect(error.file).toBe(path.join(dir, '1_create_b.sql'));
  });

  it('refuses a .sql file dbmate would skip without a word', async () => {
    await write({ '1_a.sql': migration('SELECT 1;'), 'create_users.sql': migration('SELECT 2;') });
    const error = await rejection(loadDbmate(dir));
    expect(error.message).toBe('dbmate ignores this file: its name does not start with a version number');
    expect(error.file).toBe(path.join(dir, 'create_users.sql'));
  });

  it('refuses a folder without migrations', async () => {
    await write({ 'README.md': 'x' });
    expect((await rejection(loadDbmate(dir))).message).toBe('no dbmate migration files in this folder');
  });

  it('reports SQL the server would reject at its line in the file', async () => {
    await write({ '1_a.sql': '-- header\n-- migrate:up\nSELECT 1;\nCREATE TABLE t (id int,);\n-- migrate:down\n' });
    const error = await rejection(loadDbmate(dir));
    expect([error.file, error.line]).toEqual([path.join(dir, '1_a.sql'), 4]);
    expect(error.message).toContain('syntax error');
  });

  it('takes no runner options', async () => {
    await write({ '1_a.sql': migration('SELECT 1;') });
    const set = await loadDbmate(dir);
    let error: unknown;
    try {
      dbmate.plan(set, { transactions: 'true' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe("unknown runner option 'transactions' for dbmate");
  });
});
