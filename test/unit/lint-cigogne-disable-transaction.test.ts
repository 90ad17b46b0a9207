import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'cigogne-disable-transaction';
const OPTIONS = { directives: { '20240101000000-idx.sql': { disable_transaction: true } } };

describe(RULE, () => {
  it('flags a disable_transaction migration of two statements, at the second one', async () => {
    const files = { '20240101000000-idx.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS j ON t (b);' };
    const findings = of(await lint(files, 'cigogne', OPTIONS), RULE);
    expect(where(findings)).toEqual([`${RULE} 20240101000000-idx.sql:2`]);
    expect(findings[0]!.message).toContain('must be exactly one statement, and this one has 2');
  });

  it('accepts one statement, and any number without the directive', async () => {
    expect(of(await lint({ '20240101000000-idx.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);' }, 'cigogne', OPTIONS), RULE)).toEqual([]);
    expect(of(await lint({ '20240101000000-idx.sql': 'SELECT 1;\nSELECT 2;' }, 'cigogne'), RULE)).toEqual([]);
  });

  suppression(
    RULE,
    { '20240101000000-idx.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\nCREATE INDEX CONCURRENTLY IF NOT EXISTS j ON t (b);' },
    { '20240101000000-idx.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);' },
    'cigogne',
    OPTIONS,
  );
});
