import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'enum-value-same-transaction';
const ADD_AND_USE = "ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'cancelled';\nUPDATE orders SET status = 'cancelled' WHERE status = 'pending';";

describe(RULE, () => {
  it('flags a use of the new label in the same transaction (a codd in-txn migration), at the statement that uses it', async () => {
    const findings = of(await lint({ '2024-05-02-09-00-00-cancel.sql': ADD_AND_USE }, 'codd'), RULE);
    expect(where(findings)).toEqual([`${RULE} 2024-05-02-09-00-00-cancel.sql:2`]);
    expect(findings[0]!.case?.expects).toBe('55P04');
    expect(findings[0]!.message).toContain('ADD VALUE at line 1 adds in the same transaction');
  });

  it('flags it across migrations that share one transaction (cigogne)', async () => {
    const findings = of(await lint({ '20240101000000-a.sql': "ALTER TYPE s ADD VALUE IF NOT EXISTS 'x';", '20240101000100-b.sql': "SELECT 'x'::s;" }, 'cigogne'), RULE);
    expect(where(findings)).toEqual([`${RULE} 20240101000100-b.sql:1`]);
  });

  it('accepts the use once the value is committed: a no-txn migration, separate rerun-all files, a COMMIT in between', async () => {
    expect(of(await lint({ '2024-05-02-09-00-00-cancel.sql': ADD_AND_USE }, 'codd', { directives: { '2024-05-02-09-00-00-cancel.sql': { 'no-txn': true } } }), RULE)).toEqual([]);
    expect(of(await lint({ '001.up.sql': "ALTER TYPE s ADD VALUE IF NOT EXISTS 'x';", '002.up.sql': "SELECT 'x'::s;" }), RULE)).toEqual([]);
    expect(of(await lint({ '001.up.sql': "ALTER TYPE s ADD VALUE IF NOT EXISTS 'x';\nCOMMIT;\nSELECT 'x'::s;" }), RULE)).toEqual([]);
  });

  suppression(RULE, { '001.up.sql': ADD_AND_USE }, { '001.up.sql': "ALTER TYPE s ADD VALUE IF NOT EXISTS 'x';" });
});
