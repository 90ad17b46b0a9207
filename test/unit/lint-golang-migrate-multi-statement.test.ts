import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'golang-migrate-multi-statement';
const MULTI = { runnerOptions: { 'multi-statement': 'true' } };
const FUNCTION = [
  'CREATE TABLE IF NOT EXISTS t (id int, at timestamptz);',
  'CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$',
  'BEGIN',
  '  NEW.at := now();',
  '  RETURN NEW;',
  'END $$;',
].join('\n');

describe(RULE, () => {
  it('flags a $$ body with a ; in multi-statement mode, at the statement it cuts', async () => {
    const findings = of(await lint({ '1_touch.up.sql': FUNCTION }, 'golang-migrate', MULTI), RULE);
    expect(where(findings)).toEqual([`${RULE} 1_touch.up.sql:2`]);
    expect(findings[0]!.message).toContain("the one at line 4 is inside a $$ body");
    expect(findings[0]!.hint).toContain('golang-migrate #590, #698');
  });

  it('flags a ; in a string and in a comment between statements', async () => {
    const findings = of(await lint({ '1_a.up.sql': "INSERT INTO t (note) VALUES ('a;b');\n-- one; two\nSELECT 1;" }, 'golang-migrate', MULTI), RULE);
    expect(where(findings)).toEqual([`${RULE} 1_a.up.sql:1`, `${RULE} 1_a.up.sql:3`]);
    expect(findings[0]!.message).toContain('inside a quoted string');
    expect(findings[1]!.message).toContain('inside a -- comment');
  });

  it('says nothing without multi-statement, or when every ; ends a statement', async () => {
    expect(of(await lint({ '1_touch.up.sql': FUNCTION }, 'golang-migrate'), RULE)).toEqual([]);
    expect(of(await lint({ '1_a.up.sql': 'CREATE TABLE t (id int);\nCREATE INDEX i ON t (id);' }, 'golang-migrate', MULTI), RULE)).toEqual([]);
  });

  suppression(RULE, { '1_touch.up.sql': FUNCTION }, { '1_a.up.sql': 'SELECT 1;' }, 'golang-migrate', MULTI);
});
