import { beforeAll, describe, expect, it } from 'vitest';
import { keepsRawBefore, rawDigestsKept } from '../../src/checks/down-proof.js';
import { initParser, splitStatements } from '../../src/migrations/split.js';
import type { Script } from '../../src/migrations/types.js';

// Check `down` keeps the raw digest of a state only before an up whose undoing cannot leave the
// same row versions (src/checks/down-proof.ts); the state mark proves the other steps.

beforeAll(async () => {
  await initParser();
});

function script(text: string): Script {
  return { text, file: 'up.sql', startLine: 1, startColumn: 1, statements: splitStatements(text, { file: 'up.sql' }) };
}

describe('keepsRawBefore', () => {
  it('an up that only adds objects and rows needs no raw digest', () => {
    const up = script(`CREATE TABLE a (id serial PRIMARY KEY, b_id int REFERENCES b (id), name text);
CREATE INDEX a_name_idx ON a (name);
INSERT INTO a (name) VALUES ('x');
INSERT INTO earlier (name) VALUES ('seed');
CREATE TYPE mood AS ENUM ('ok');
CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE VIEW v AS SELECT * FROM a;
COMMENT ON TABLE a IS 'a';`);
    expect(keepsRawBefore(up)).toBe(false);
  });

  it('ALTER TABLE commands that rewrite only pg_class, pg_attribute and pg_constraint rows need none', () => {
    expect(keepsRawBefore(script('ALTER TABLE a ADD COLUMN note text; ALTER TABLE a ALTER COLUMN note SET NOT NULL; ALTER TABLE a ADD CONSTRAINT c CHECK (id > 0);'))).toBe(false);
  });

  it('an up that changes other rows that were there before keeps the raw digest', () => {
    expect(keepsRawBefore(script("UPDATE a SET name = 'y';"))).toBe(true);
    expect(keepsRawBefore(script('DELETE FROM a;'))).toBe(true);
    expect(keepsRawBefore(script('ALTER TABLE a ALTER COLUMN id TYPE bigint;'))).toBe(true);
    expect(keepsRawBefore(script('ALTER TABLE a RENAME TO b;'))).toBe(true);
    expect(keepsRawBefore(script("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2';"))).toBe(true);
    expect(keepsRawBefore(script('DROP TABLE a;'))).toBe(true);
    expect(keepsRawBefore(script("DO $$ BEGIN PERFORM 1; END $$;"))).toBe(true);
  });
});

describe('rawDigestsKept', () => {
  it('keeps the state before a rewrite, and before rows added to an earlier table when a rewrite comes later', () => {
    const ups = [
      'CREATE TABLE accounts (id serial PRIMARY KEY, name text); INSERT INTO accounts (name) VALUES (\'a\');',
      "INSERT INTO accounts (name) VALUES ('b');",
      'CREATE TABLE orders (id int);',
      "ALTER TABLE accounts ADD COLUMN tier text; UPDATE accounts SET tier = 'basic';",
      "INSERT INTO accounts (name) VALUES ('c');",
      'CREATE TABLE notes (id int);',
    ].map(script);
    // 0: rows into the table it creates; 1: into an earlier one, a rewrite follows; 3: the
    // rewrite; 4: into an earlier one, but no rewrite follows.
    expect(rawDigestsKept(ups)).toEqual([false, true, false, true, false, false]);
  });
});
