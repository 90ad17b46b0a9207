import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'refused-in-transaction';
const CIC = 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS orders_ref_key ON orders (ref);';

describe(RULE, () => {
  it('flags CREATE INDEX CONCURRENTLY in a dbmate transaction:false section of two statements (one implicit transaction)', async () => {
    const files = { '2_unique.sql': `${CIC}\nALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE USING INDEX orders_ref_key;` };
    const findings = of(await lint(files, 'dbmate', { directives: { '2_unique.sql': { transaction: false } } }), RULE);
    expect(where(findings)).toEqual([`${RULE} 2_unique.sql:1`]);
    expect(findings[0]!.message).toBe(
      `${RULE}: CREATE INDEX CONCURRENTLY cannot run inside a transaction block (25001), and here it runs inside an implicit transaction: dbmate sends the transaction:false section as one string of 2 statements, and PostgreSQL runs such a string as one transaction`,
    );
    expect(findings[0]!.hint).toContain('transaction:false');
  });

  it('does not flag it alone in a transaction:false section, alone in a rerun-all file, or in a codd no-txn migration', async () => {
    expect(of(await lint({ '2_i.sql': CIC }, 'dbmate', { directives: { '2_i.sql': { transaction: false } } }), RULE)).toEqual([]);
    expect(of(await lint({ '002.up.sql': CIC }), RULE)).toEqual([]);
    const codd = { '2024-01-01-00-00-00-i.sql': `${CIC}\nVACUUM orders;` };
    expect(of(await lint(codd, 'codd', { directives: { '2024-01-01-00-00-00-i.sql': { 'no-txn': true } } }), RULE)).toEqual([]);
  });

  it('flags every kind PostgreSQL refuses in a transaction block, in the transaction the runner opens', async () => {
    const findings = of(
      await lint(
        {
          '20240101000000-a.sql': [
            'CREATE INDEX CONCURRENTLY i ON t (a);',
            'DROP INDEX CONCURRENTLY IF EXISTS j;',
            'REINDEX INDEX CONCURRENTLY i;',
            'ALTER TABLE p DETACH PARTITION c CONCURRENTLY;',
            'VACUUM t;',
            'CLUSTER;',
            'CREATE DATABASE d;',
            'ALTER SYSTEM SET work_mem = 1;',
            'DISCARD ALL;',
            'ANALYZE t;',
            'CLUSTER t USING i;',
          ].join('\n'),
        },
        'cigogne',
      ),
      RULE,
    );
    expect(where(findings)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9].map((line) => `${RULE} 20240101000000-a.sql:${line}`));
    expect(findings[0]!.message).toContain('runs inside the one transaction in which cigogne runs every pending transactional migration');
  });

  it('flags a statement after an explicit BEGIN in a codd no-txn migration', async () => {
    const files = { '2024-01-01-00-00-00-i.sql': 'BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;' };
    const findings = of(await lint(files, 'codd', { directives: { '2024-01-01-00-00-00-i.sql': { 'no-txn': true } } }), RULE);
    expect(findings[0]!.message).toContain('runs inside the explicit BEGIN at line 1');
  });

  it('flags any such statement under golang-migrate transactions=true, which has no per-file opt-out', async () => {
    const findings = of(await lint({ '3_i.up.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);' }, 'golang-migrate', { runnerOptions: { transactions: 'true' } }), RULE);
    expect(findings[0]!.hint).toContain('without transactions=true');
    expect(of(await lint({ '3_i.up.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);' }, 'golang-migrate'), RULE)).toEqual([]);
  });

  suppression(RULE, { '001.up.sql': 'SELECT 1;\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);' }, { '001.up.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);' });
});
