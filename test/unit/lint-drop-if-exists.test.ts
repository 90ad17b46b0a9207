import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'drop-if-exists';

describe(RULE, () => {
  it('flags DROP TABLE / INDEX / FUNCTION / ROLE and DROP COLUMN / CONSTRAINT without IF EXISTS', async () => {
    const findings = of(
      await lint({
        '001.up.sql': [
          'DROP TABLE old_t;',
          'DROP INDEX old_i;',
          'DROP FUNCTION f(int);',
          'DROP ROLE r;',
          'ALTER TABLE t DROP COLUMN c;',
          'ALTER TABLE t DROP CONSTRAINT k;',
        ].join('\n'),
      }),
      RULE,
    );
    expect(where(findings)).toEqual([1, 2, 3, 4, 5, 6].map((line) => `${RULE} 001.up.sql:${line}`));
    expect(findings.map((f) => f.case?.expects)).toEqual(['42P01', '42704', '42883', '42704', '42703', '42704']);
    expect(findings[4]!.hint).toBe('write DROP COLUMN IF EXISTS c');
  });

  it('does not flag IF EXISTS', async () => {
    const findings = await lint({
      '001.up.sql': 'DROP TABLE IF EXISTS old_t;\nDROP INDEX IF EXISTS old_i;\nALTER TABLE t DROP COLUMN IF EXISTS c, DROP CONSTRAINT IF EXISTS k;\nDROP ROLE IF EXISTS r;',
    });
    expect(findings).toEqual([]);
  });

  it('says nothing in a migration the runner records with its work', async () => {
    expect(await lint({ '001_a.sql': 'DROP TABLE old_t;' }, 'dbmate')).toEqual([]);
  });

  it('says nothing about a DROP whose object an earlier statement of the run makes again', async () => {
    const findings = await lint({
      '001.up.sql': 'CREATE TABLE IF NOT EXISTS import_batch (id int);\nCREATE INDEX IF NOT EXISTS import_batch_id_idx ON import_batch (id);',
      '002.up.sql': 'DROP INDEX import_batch_id_idx;\nDROP TABLE import_batch;',
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  suppression(RULE, { '001.up.sql': 'DROP TABLE old_t;' }, { '001.up.sql': 'DROP TABLE IF EXISTS old_t;' });
});
