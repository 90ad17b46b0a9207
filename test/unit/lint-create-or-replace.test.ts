import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'create-or-replace';

const FUNCTION = 'CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN NEW.at := now(); RETURN NEW; END $$;';

describe(RULE, () => {
  it('flags CREATE FUNCTION, TRIGGER and VIEW without OR REPLACE', async () => {
    const findings = of(
      await lint({
        '001.up.sql': [FUNCTION, 'CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();', 'CREATE VIEW v AS SELECT 1;'].join('\n'),
      }),
      RULE,
    );
    expect(where(findings)).toEqual([`${RULE} 001.up.sql:1`, `${RULE} 001.up.sql:2`, `${RULE} 001.up.sql:3`]);
    expect(findings.map((f) => f.case?.expects)).toEqual(['42723', '42710', '42P07']);
    expect(findings[1]!.hint).toContain('CREATE OR REPLACE TRIGGER t_touch (PostgreSQL 14+)');
  });

  it('accepts OR REPLACE, and DROP … IF EXISTS of the same object first', async () => {
    const findings = await lint({
      '001.up.sql': [
        FUNCTION.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'),
        'DROP TRIGGER IF EXISTS t_touch ON t;',
        'CREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();',
        'CREATE OR REPLACE VIEW v AS SELECT 1;',
      ].join('\n'),
    });
    expect(findings).toEqual([]);
  });

  it('does not take the drop of a trigger on another table as a guard', async () => {
    const findings = of(
      await lint({ '001.up.sql': 'DROP TRIGGER IF EXISTS t_touch ON other;\nCREATE TRIGGER t_touch BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION touch();' }),
      RULE,
    );
    expect(where(findings)).toEqual([`${RULE} 001.up.sql:2`]);
  });

  it('says nothing about a CREATE whose object a later file drops', async () => {
    const findings = await lint({
      '001.up.sql': 'CREATE TABLE IF NOT EXISTS t (a int);\nCREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;\nCREATE TRIGGER t_f BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f();\nCREATE VIEW v AS SELECT a FROM t;',
      '002.up.sql': 'DROP VIEW IF EXISTS v;\nDROP TRIGGER IF EXISTS t_f ON t;\nDROP FUNCTION IF EXISTS f();',
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  suppression(RULE, { '001.up.sql': 'CREATE VIEW v AS SELECT 1;' }, { '001.up.sql': 'CREATE OR REPLACE VIEW v AS SELECT 1;' });
});
