import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'create-if-not-exists';

describe(RULE, () => {
  it('flags CREATE TABLE, INDEX, SEQUENCE, SCHEMA, EXTENSION and ADD COLUMN without IF NOT EXISTS under rerun-all', async () => {
    const findings = of(
      await lint({
        '001.up.sql': [
          'CREATE SCHEMA app;',
          'CREATE EXTENSION pgcrypto;',
          'CREATE TABLE t (id int);',
          'CREATE SEQUENCE s;',
          'CREATE INDEX t_id_idx ON t (id);',
          'ALTER TABLE t ADD COLUMN name text;',
          'CREATE MATERIALIZED VIEW mv AS SELECT 1;',
        ].join('\n'),
      }),
      RULE,
    );
    expect(where(findings)).toEqual([1, 2, 3, 4, 5, 6, 7].map((line) => `${RULE} 001.up.sql:${line}`));
    expect(findings.map((f) => f.case?.expects)).toEqual(['42P06', '42710', '42P07', '42P07', '42P07', '42701', '42P07']);
    expect(findings[2]!.message).toMatch(/^create-if-not-exists: CREATE TABLE t fails with 42P07 \(already exists\) when it runs again: rerun-all runs every/);
    expect(findings[2]!.hint).toBe('write CREATE TABLE IF NOT EXISTS t');
    expect(findings[5]!.hint).toBe('write ADD COLUMN IF NOT EXISTS name …');
  });

  it('does not flag the same statements with IF NOT EXISTS, nor temporary tables or CREATE DATABASE', async () => {
    const findings = await lint({
      '001.up.sql': [
        'CREATE SCHEMA IF NOT EXISTS app;',
        'CREATE EXTENSION IF NOT EXISTS pgcrypto;',
        'CREATE TABLE IF NOT EXISTS t (id int);',
        'CREATE SEQUENCE IF NOT EXISTS s;',
        'CREATE INDEX IF NOT EXISTS t_id_idx ON t (id);',
        'ALTER TABLE t ADD COLUMN IF NOT EXISTS name text;',
        'CREATE TEMP TABLE scratch (id int);',
      ].join('\n'),
      '002.up.sql': 'CREATE DATABASE reports',
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  it('flags an unnamed index: a second run builds a second copy, with no error', async () => {
    const [finding] = of(await lint({ '001.up.sql': 'CREATE INDEX ON t (id);' }), RULE);
    expect(finding!.message).toContain('second, identical index');
    expect(finding!.case?.expects).toBeUndefined();
  });

  it('flags CREATE TYPE and CREATE ROLE unless guarded by a DO block or dropped first', async () => {
    const flagged = of(await lint({ '001.up.sql': "CREATE TYPE mood AS ENUM ('ok');\nCREATE ROLE app LOGIN;\nCREATE DOMAIN cents AS bigint;" }), RULE);
    expect(where(flagged)).toEqual([`${RULE} 001.up.sql:1`, `${RULE} 001.up.sql:2`, `${RULE} 001.up.sql:3`]);
    expect(flagged[1]!.hint).toContain('pg_roles');
    const guarded = await lint({
      '001.up.sql': [
        'DROP TYPE IF EXISTS mood;',
        "CREATE TYPE mood AS ENUM ('ok');",
        "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'app') THEN CREATE ROLE app LOGIN; END IF; END $$;",
      ].join('\n'),
    });
    expect(of(guarded, RULE)).toEqual([]);
  });

  it('says nothing where the runner records the migration with its work (dbmate, codd in-txn, cigogne)', async () => {
    expect(of(await lint({ '001_a.sql': 'CREATE TABLE t (id int);' }, 'dbmate'), RULE)).toEqual([]);
    expect(of(await lint({ '2024-01-01-00-00-00-a.sql': 'CREATE TABLE t (id int);' }, 'codd'), RULE)).toEqual([]);
    expect(of(await lint({ '20240101000000-a.sql': 'CREATE TABLE t (id int);' }, 'cigogne'), RULE)).toEqual([]);
    expect(of(await lint({ '1_a.up.sql': 'CREATE TABLE t (id int);\nCREATE INDEX i ON t (id);' }, 'golang-migrate'), RULE)).toEqual([]);
  });

  it('flags a codd no-txn migration: a lost connection before codd records it makes the next run start it over', async () => {
    const [finding] = of(await lint({ '2024-01-01-00-00-00-a.sql': 'CREATE TABLE t (id int);' }, 'codd', { directives: { '2024-01-01-00-00-00-a.sql': { 'no-txn': true } } }), RULE);
    expect(finding!.case?.rerun).toBe('after-partial-apply');
    expect(finding!.message).toContain('codd: no-txn migration commits statement by statement');
  });

  it('flags a golang-migrate statement that an explicit COMMIT commits before the end of the file', async () => {
    const findings = of(await lint({ '1_a.up.sql': 'BEGIN;\nALTER TABLE t ADD COLUMN c int;\nCOMMIT;\nCREATE INDEX i ON t (c);' }, 'golang-migrate'), RULE);
    expect(where(findings)).toEqual([`${RULE} 1_a.up.sql:2`]);
    expect(findings[0]!.message).toContain('the COMMIT at line 3 commits it before the rest of the file runs');
  });

  it('says nothing about a CREATE whose object is gone when the statement runs again (a later file drops it)', async () => {
    const findings = await lint({
      '001_legacy.up.sql': [
        'CREATE TABLE legacy (id int);',
        'CREATE INDEX legacy_id_idx ON legacy (id);',
        'CREATE INDEX ON legacy (id);',
        'ALTER TABLE legacy ADD COLUMN token text;',
        "CREATE TYPE legacy_state AS ENUM ('a');",
        'CREATE SEQUENCE legacy_seq;',
      ].join('\n'),
      '002_cleanup.up.sql': 'DROP TABLE IF EXISTS legacy;\nDROP TYPE IF EXISTS legacy_state;\nDROP SEQUENCE IF EXISTS legacy_seq;',
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  it('flags what a later file leaves in place: it drops the index, not the table', async () => {
    const findings = of(await lint({ '001.up.sql': 'CREATE TABLE legacy (id int);\nCREATE INDEX legacy_id_idx ON legacy (id);', '002.up.sql': 'DROP INDEX IF EXISTS legacy_id_idx;' }), RULE);
    expect(where(findings)).toEqual([`${RULE} 001.up.sql:1`]);
  });

  suppression(RULE, { '001.up.sql': '-- tables\nCREATE TABLE t (\n  id int\n);' }, { '001.up.sql': 'CREATE TABLE IF NOT EXISTS t (id int);' });
});
