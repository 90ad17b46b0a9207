import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'add-constraint-unguarded';

describe(RULE, () => {
  it('flags a bare ADD CONSTRAINT under rerun-all (the certctl incident) with the SQLSTATE the second run gives', async () => {
    const findings = of(
      await lint({
        '004.up.sql': [
          '-- only known statuses',
          'ALTER TABLE certificates',
          "    ADD CONSTRAINT certificates_status_check CHECK (status IN ('active', 'revoked'));",
          'ALTER TABLE certificates ADD CONSTRAINT certificates_serial_key UNIQUE (serial);',
        ].join('\n'),
      }),
      RULE,
    );
    expect(where(findings)).toEqual([`${RULE} 004.up.sql:2`, `${RULE} 004.up.sql:4`]);
    expect(findings.map((f) => f.case?.expects)).toEqual(['42710', '42P07']);
    expect(findings[0]!.column).toBe(1);
    expect(findings[0]!.statement).toContain('ADD CONSTRAINT certificates_status_check');
    expect(findings[0]!.message).toMatch(/^add-constraint-unguarded: ADD CONSTRAINT certificates_status_check on certificates fails with 42710/);
    expect(findings[0]!.hint).toContain("conname = 'certificates_status_check'");
  });

  it('flags an unnamed CHECK: the second run adds a copy silently', async () => {
    const [finding] = of(await lint({ '001.up.sql': 'ALTER TABLE t ADD CHECK (n > 0);' }), RULE);
    expect(finding!.message).toContain('adds a second copy');
  });

  it('accepts a DROP CONSTRAINT IF EXISTS of the same name first, in the same or an earlier statement, and a DO block guard', async () => {
    const findings = await lint({
      '001.up.sql': [
        'ALTER TABLE t DROP CONSTRAINT IF EXISTS t_n_check;',
        'ALTER TABLE t ADD CONSTRAINT t_n_check CHECK (n > 0);',
        'ALTER TABLE t DROP CONSTRAINT IF EXISTS t_m_check, ADD CONSTRAINT t_m_check CHECK (m > 0);',
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'k') THEN ALTER TABLE t ADD CONSTRAINT k UNIQUE (n); END IF; END $$;",
      ].join('\n'),
    });
    expect(findings).toEqual([]);
  });

  it('does not take a drop of another constraint or table as a guard', async () => {
    const findings = of(await lint({ '001.up.sql': 'ALTER TABLE t DROP CONSTRAINT IF EXISTS other;\nALTER TABLE t ADD CONSTRAINT k CHECK (n > 0);' }), RULE);
    expect(where(findings)).toEqual([`${RULE} 001.up.sql:2`]);
  });

  it('flags it in a dbmate transaction:false migration, which dbmate records separately afterwards', async () => {
    const files = { '002_a.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (n);\nALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX i;' };
    const findings = of(await lint(files, 'dbmate', { directives: { '002_a.sql': { transaction: false } } }), RULE);
    expect(where(findings)).toEqual([`${RULE} 002_a.sql:2`]);
    expect(findings[0]!.case?.rerun).toBe('after-partial-apply');
    expect(of(await lint(files, 'dbmate'), RULE)).toEqual([]);
  });

  it('says nothing about an ADD CONSTRAINT on a table the run makes anew, or whose constraint a later file drops', async () => {
    const findings = await lint({
      '001.up.sql': 'CREATE TABLE IF NOT EXISTS sessions (id int, token text);\nALTER TABLE sessions ADD CONSTRAINT sessions_token_key UNIQUE (token);\nALTER TABLE sessions ADD CHECK (id > 0);',
      '002.up.sql': 'CREATE TABLE IF NOT EXISTS users (id int, email text);\nALTER TABLE users ADD CONSTRAINT users_email_check CHECK (email <> \'\');',
      '003.up.sql': 'DROP TABLE IF EXISTS sessions;\nALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_check;',
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  suppression(RULE, { '001.up.sql': 'ALTER TABLE t\n  ADD CONSTRAINT k CHECK (n > 0);' }, { '001.up.sql': 'ALTER TABLE t DROP CONSTRAINT IF EXISTS k, ADD CONSTRAINT k CHECK (n > 0);' });
});
