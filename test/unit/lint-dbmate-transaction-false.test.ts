import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'dbmate-transaction-false';
const OPTIONS = { directives: { '2_unique.sql': { transaction: false } } };
const TWO = {
  '2_unique.sql':
    '-- migrate:up transaction:false\nCREATE UNIQUE INDEX CONCURRENTLY orders_ref_key ON orders (ref);\nALTER TABLE orders ADD CONSTRAINT orders_ref_key UNIQUE USING INDEX orders_ref_key;',
};

describe(RULE, () => {
  it('flags a transaction:false section of two statements, at its first statement', async () => {
    const findings = of(await lint(TWO, 'dbmate', OPTIONS), RULE);
    expect(where(findings)).toEqual([`${RULE} 2_unique.sql:2`]);
    expect(findings[0]!.message).toContain('has 2 statements, but dbmate still sends the up section as one string');
  });

  it('accepts a transaction:false section of one statement, and a transactional section of many', async () => {
    expect(of(await lint({ '2_i.sql': 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON orders (ref);' }, 'dbmate', { directives: { '2_i.sql': { transaction: false } } }), RULE)).toEqual([]);
    expect(of(await lint(TWO, 'dbmate'), RULE)).toEqual([]);
  });

  suppression(RULE, TWO, { '2_unique.sql': 'CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON orders (ref);' }, 'dbmate', OPTIONS);
});
