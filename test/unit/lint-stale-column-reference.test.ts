import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'stale-column-reference';

const TABLE = 'CREATE TABLE IF NOT EXISTS crash_reports (\n  id bigint PRIMARY KEY,\n  url text,\n  legacy_flag boolean\n);';

describe(RULE, () => {
  it('flags a COMMENT, an UPDATE and a CREATE INDEX IF NOT EXISTS naming a column a later file renames or drops (rerun-all)', async () => {
    const findings = of(
      await lint({
        '001_crashes.up.sql': [
          TABLE,
          "COMMENT ON COLUMN crash_reports.url IS 'where the crash was seen';",
          "UPDATE crash_reports SET legacy_flag = false WHERE legacy_flag IS NULL;",
          'CREATE INDEX IF NOT EXISTS crash_reports_url_idx ON crash_reports (url);',
        ].join('\n'),
        '002_rename.up.sql': 'ALTER TABLE crash_reports RENAME COLUMN url TO page_url;',
        '003_drop.up.sql': 'ALTER TABLE crash_reports DROP COLUMN IF EXISTS legacy_flag;',
      }),
      RULE,
    );
    expect(where(findings)).toEqual([`${RULE} 001_crashes.up.sql:6`, `${RULE} 001_crashes.up.sql:7`, `${RULE} 001_crashes.up.sql:8`]);
    expect(findings.map((f) => f.case?.expects)).toEqual(['42703', '42703', '42703']);
    expect(findings[0]!.message).toBe(
      `${RULE}: names column url of crash_reports, and 002_rename.up.sql:1 renames it to page_url: when this runs again crash_reports is still there ` +
        '(CREATE TABLE IF NOT EXISTS crash_reports at 001_crashes.up.sql:1 finds it and does nothing) without url, so it fails with 42703 (column "url" does not exist): ' +
        'rerun-all runs every *.up.sql again at each start: nothing records what ran',
    );
    expect(findings[1]!.message).toContain('003_drop.up.sql:1 drops it');
    expect(findings[1]!.hint).toContain("IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'crash_reports' AND column_name = 'legacy_flag')");
  });

  it('reads the statements a DO block always runs, and reports them at their own line', async () => {
    const findings = of(
      await lint({
        '001_crashes.up.sql': [
          TABLE,
          'DO $$',
          'DECLARE n int := 0;',
          'BEGIN',
          "  UPDATE crash_reports SET url = lower(url) WHERE url <> lower(url);",
          '  IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = \'crash_reports\' AND column_name = \'legacy_flag\') THEN',
          '    UPDATE crash_reports SET legacy_flag = false;',
          '  END IF;',
          'END $$;',
        ].join('\n'),
        '002_rename.up.sql': 'ALTER TABLE crash_reports RENAME COLUMN url TO page_url;',
        '003_drop.up.sql': 'ALTER TABLE crash_reports DROP COLUMN legacy_flag;',
      }),
      RULE,
    );
    expect(findings.map((f) => [f.line, f.column, f.statement])).toEqual([[9, 3, 'UPDATE crash_reports SET url = lower(url) WHERE url <> lower(url)']]);
    // The block fails as a whole: execution blames the DO statement's first line.
    expect(findings[0]!.case?.effect).toEqual({ file: findings[0]!.file, line: 6 });
  });

  it('says nothing when the column is there when the statement runs again', async () => {
    const findings = await lint({
      // A table a later file drops is made anew with the old column.
      '001_a.up.sql': `${TABLE}\nCOMMENT ON COLUMN crash_reports.url IS 'x';`,
      '002_b.up.sql': 'ALTER TABLE crash_reports RENAME COLUMN url TO page_url;',
      '003_c.up.sql': 'DROP TABLE IF EXISTS crash_reports;',
      // A rename guarded by the column's existence, and a column added back under the old name.
      '004_d.up.sql': 'CREATE TABLE IF NOT EXISTS t (a int);\nCOMMENT ON COLUMN t.a IS \'x\';',
      '005_e.up.sql': "DO $$ BEGIN IF EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'a') THEN ALTER TABLE t RENAME COLUMN a TO b; END IF; END $$;",
      '006_f.up.sql': 'ALTER TABLE t ADD COLUMN IF NOT EXISTS a int;',
      // A bare name that is a variable of the block.
      '007_g.up.sql': 'CREATE TABLE IF NOT EXISTS u (x int, y int);\nDO $$ DECLARE y int := 1; BEGIN UPDATE u SET x = y; END $$;',
      '008_h.up.sql': 'ALTER TABLE u DROP COLUMN IF EXISTS y;',
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  it('flags a codd no-txn migration whose own later statement renames the column (a lost connection before codd records it)', async () => {
    const file = '2024-01-01-00-00-00-a.sql';
    const findings = of(
      await lint({ [file]: 'CREATE TABLE IF NOT EXISTS t (a int);\nCOMMENT ON COLUMN t.a IS \'x\';\nALTER TABLE t RENAME COLUMN a TO b;' }, 'codd', { directives: { [file]: { 'no-txn': true } } }),
      RULE,
    );
    expect(where(findings)).toEqual([`${RULE} ${file}:2`]);
    expect(findings[0]!.case?.rerun).toBe('after-partial-apply');
  });

  it('flags it after a partial apply even when a later migration drops the table (it never ran)', async () => {
    const file = '2024-01-01-00-00-00-a.sql';
    const files = {
      [file]: "CREATE TABLE IF NOT EXISTS t (a int);\nCOMMENT ON COLUMN t.a IS 'x';\nALTER TABLE t RENAME COLUMN a TO b;",
      '2024-01-02-00-00-00-b.sql': 'DROP TABLE t;',
    };
    const findings = of(await lint(files, 'codd', { directives: { [file]: { 'no-txn': true } } }), RULE);
    expect(where(findings)).toEqual([`${RULE} ${file}:2`]);
  });

  suppression(
    RULE,
    { '001.up.sql': "CREATE TABLE IF NOT EXISTS t (a int);\nCOMMENT ON COLUMN t.a IS 'x';", '002.up.sql': 'ALTER TABLE IF EXISTS t DROP COLUMN IF EXISTS a;' },
    { '001.up.sql': "CREATE TABLE IF NOT EXISTS t (a int);\nCOMMENT ON COLUMN t.a IS 'x';" },
  );
});
