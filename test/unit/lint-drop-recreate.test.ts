import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'drop-recreate';

describe(RULE, () => {
  it('flags DROP TABLE IF EXISTS + CREATE TABLE in one file under rerun-all: every start empties the table', async () => {
    const findings = of(
      await lint({
        '001_settings.up.sql': 'DROP TABLE IF EXISTS settings;\nCREATE TABLE settings (key text PRIMARY KEY, value text);\nINSERT INTO settings VALUES (\'theme\', \'dark\');',
      }),
      RULE,
    );
    expect(where(findings)).toEqual([`${RULE} 001_settings.up.sql:1`]);
    expect(findings[0]!.message).toBe(
      `${RULE}: DROP TABLE IF EXISTS settings drops settings with every row in it each time it runs again and CREATE TABLE settings (key text PRIMARY KEY, value text) at 001_settings.up.sql:2 makes it again, empty: ` +
        'rows the application wrote are lost at every start (rerun-all runs every *.up.sql again at each start: nothing records what ran)',
    );
    expect(findings[0]!.case?.expects).toBeUndefined();
  });

  it('flags a DROP a later file undoes by making the table again, and a sequence made again at its start', async () => {
    const findings = of(
      await lint({
        '001_a.up.sql': 'CREATE TABLE IF NOT EXISTS audit (id int);',
        '002_b.up.sql': 'DROP TABLE IF EXISTS audit;\nDROP SEQUENCE IF EXISTS invoice_no;\nCREATE SEQUENCE invoice_no;',
        '003_c.up.sql': 'CREATE TABLE IF NOT EXISTS audit (id int, at timestamptz);',
      }),
      RULE,
    );
    expect(where(findings)).toEqual([`${RULE} 002_b.up.sql:1`, `${RULE} 002_b.up.sql:2`]);
    expect(findings[1]!.message).toContain('nextval hands out values it handed out before');
  });

  it('flags a DROP that what the set builds on the object makes fail with 2BP01', async () => {
    const findings = of(
      await lint({
        '001_types.up.sql': "DROP TYPE IF EXISTS mood;\nCREATE TYPE mood AS ENUM ('ok', 'sad');",
        '002_people.up.sql': 'CREATE TABLE IF NOT EXISTS people (id int PRIMARY KEY, mood mood);',
        '003_fn.up.sql': [
          'DROP FUNCTION IF EXISTS touch();',
          'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;',
          'DROP TRIGGER IF EXISTS people_touch ON people;',
          'CREATE TRIGGER people_touch BEFORE UPDATE ON people FOR EACH ROW EXECUTE FUNCTION touch();',
        ].join('\n'),
      }),
      RULE,
    );
    expect(where(findings)).toEqual([`${RULE} 001_types.up.sql:1`, `${RULE} 003_fn.up.sql:1`]);
    expect(findings.map((f) => f.case?.expects)).toEqual(['2BP01', '2BP01']);
    expect(findings[0]!.message).toContain('column people.mood');
    expect(findings[1]!.message).toContain('trigger people_touch on people');
  });

  it('says nothing for what converges: views, functions and indexes made again, derived tables, a table a later file drops, a sequence set again', async () => {
    const findings = await lint({
      '001_a.up.sql': [
        'CREATE TABLE IF NOT EXISTS orders (id int PRIMARY KEY, total int);',
        'DROP VIEW IF EXISTS order_totals;',
        'CREATE VIEW order_totals AS SELECT sum(total) AS total FROM orders;',
        'DROP FUNCTION IF EXISTS total();',
        'CREATE FUNCTION total() RETURNS int LANGUAGE sql AS $$ SELECT 1 $$;',
        'DROP INDEX IF EXISTS orders_total_idx;',
        'CREATE INDEX orders_total_idx ON orders (total);',
        'DROP TABLE IF EXISTS order_summary;',
        'CREATE TABLE order_summary AS SELECT count(*) AS n FROM orders;',
        'DROP TABLE IF EXISTS scratch;',
        'CREATE TABLE scratch (id int);',
        'DROP SEQUENCE IF EXISTS order_no;',
        'CREATE SEQUENCE order_no;',
        "SELECT setval('order_no', (SELECT coalesce(max(id), 1) FROM orders));",
      ].join('\n'),
      '002_b.up.sql': 'DROP TABLE IF EXISTS scratch;',
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  it('says nothing where the runner records the migration with its work; a partial apply drops only what the same migration made', async () => {
    expect(of(await lint({ '001_a.sql': 'DROP TABLE IF EXISTS s;\nCREATE TABLE s (id int);' }, 'dbmate'), RULE)).toEqual([]);
    const file = '2024-01-01-00-00-00-a.sql';
    expect(of(await lint({ [file]: 'DROP TABLE IF EXISTS s;\nCREATE TABLE s (id int);' }, 'codd', { directives: { [file]: { 'no-txn': true } } }), RULE)).toEqual([]);
  });

  suppression(RULE, { '001.up.sql': 'DROP TABLE IF EXISTS s;\nCREATE TABLE s (id int);' }, { '001.up.sql': 'CREATE TABLE IF NOT EXISTS s (id int);' });
});
