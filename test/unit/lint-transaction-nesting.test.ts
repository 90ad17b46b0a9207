import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'transaction-nesting';
const BACKFILL = 'BEGIN;\nALTER TABLE c ADD COLUMN IF NOT EXISTS e text;\nCOMMIT;\n\nBEGIN;\nUPDATE c SET e = lower(email);\nCOMMIT;';

describe(RULE, () => {
  it('flags each BEGIN and COMMIT of a file that golang-migrate transactions=true already wraps', async () => {
    const findings = of(await lint({ '3_backfill.up.sql': BACKFILL }, 'golang-migrate', { runnerOptions: { transactions: 'true' } }), RULE);
    expect(where(findings)).toEqual([1, 3, 5, 7].map((line) => `${RULE} 3_backfill.up.sql:${line}`));
    expect(findings[0]!.message).toContain('PostgreSQL only warns (25001, there is already a transaction in progress)');
    expect(findings[1]!.message).toContain('COMMIT inside the transaction that transactions=true opens for the file and its version update commits it in the middle of the block');
    expect(findings[2]!.message).toContain('BEGIN after an explicit COMMIT');
  });

  it('flags BEGIN / COMMIT in a dbmate transactional migration, and ROLLBACK anywhere in one', async () => {
    const findings = of(await lint({ '1_a.sql': 'BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;', '2_b.sql': 'ROLLBACK;' }, 'dbmate'), RULE);
    expect(where(findings)).toEqual([`${RULE} 1_a.sql:1`, `${RULE} 1_a.sql:3`, `${RULE} 2_b.sql:1`]);
  });

  it('does not flag BEGIN / COMMIT where the runner does not wrap the file (rerun-all, golang-migrate, codd no-txn, dbmate transaction:false)', async () => {
    expect(of(await lint({ '001.up.sql': BACKFILL }), RULE)).toEqual([]);
    expect(of(await lint({ '3_backfill.up.sql': BACKFILL }, 'golang-migrate'), RULE)).toEqual([]);
    expect(of(await lint({ '2024-01-01-00-00-00-a.sql': BACKFILL }, 'codd', { directives: { '2024-01-01-00-00-00-a.sql': { 'no-txn': true } } }), RULE)).toEqual([]);
    expect(of(await lint({ '1_a.sql': BACKFILL }, 'dbmate', { directives: { '1_a.sql': { transaction: false } } }), RULE)).toEqual([]);
  });

  suppression(RULE, { '1_a.sql': 'CREATE TABLE t (id int);\nCOMMIT;' }, { '1_a.sql': 'CREATE TABLE t (id int);' }, 'dbmate');
});
