import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'rename';

describe(RULE, () => {
  it('flags renames of a column, a table, a constraint and an enum value', async () => {
    const findings = of(
      await lint({
        '001.up.sql': [
          'ALTER TABLE users RENAME COLUMN mail TO email;',
          'ALTER TABLE users RENAME TO accounts;',
          'ALTER TABLE accounts RENAME CONSTRAINT a TO b;',
          "ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';",
        ].join('\n'),
      }),
      RULE,
    );
    expect(where(findings)).toEqual([1, 2, 3, 4].map((line) => `${RULE} 001.up.sql:${line}`));
    expect(findings.map((f) => f.case?.expects)).toEqual(['42703', '42P01', '42704', '22023']);
    expect(findings[1]!.hint).toBe('write ALTER TABLE IF EXISTS users RENAME TO accounts');
  });

  it('accepts ALTER TABLE IF EXISTS … RENAME TO, which is a notice the second time', async () => {
    expect(await lint({ '001.up.sql': 'ALTER TABLE IF EXISTS users RENAME TO accounts;' })).toEqual([]);
  });

  it('says nothing where the runner records the migration with its work', async () => {
    expect(await lint({ '20240101000000-a.sql': 'ALTER TABLE users RENAME COLUMN mail TO email;' }, 'cigogne')).toEqual([]);
  });

  it('follows the set: a rename the run can repeat is accepted, one whose new name is still there is flagged even with IF EXISTS', async () => {
    const findings = of(
      await lint({
        // The next start makes `stats` again (CREATE TABLE IF NOT EXISTS), while `stats_v1` is still there.
        '001.up.sql': 'CREATE TABLE IF NOT EXISTS stats (n int);',
        '002.up.sql': 'ALTER TABLE IF EXISTS stats RENAME TO stats_v1;',
        // A table a later file drops is made anew with the old column: the rename works again.
        '003.up.sql': 'CREATE TABLE IF NOT EXISTS tmp (a int);\nALTER TABLE tmp RENAME COLUMN a TO b;',
        '004.up.sql': 'DROP TABLE tmp;',
      }),
      RULE,
    );
    expect(where(findings)).toEqual([`${RULE} 002.up.sql:1`]);
    expect(findings[0]!.message).toContain('RENAME TABLE stats TO stats_v1 fails with 42P07 (stats_v1 already exists) when it runs again');
    expect(findings[0]!.case?.expects).toBe('42P07');
  });

  suppression(RULE, { '001.up.sql': 'ALTER TABLE users RENAME COLUMN mail TO email;' }, { '001.up.sql': 'ALTER TABLE IF EXISTS users RENAME TO accounts;' });
});
