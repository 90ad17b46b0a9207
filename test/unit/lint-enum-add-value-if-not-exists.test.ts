import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'enum-add-value-if-not-exists';
const NO_TXN = { directives: { '2024-05-02-09-00-00-cancel.sql': { 'no-txn': true } } };

describe(RULE, () => {
  it('flags ADD VALUE without IF NOT EXISTS in a codd no-txn migration (restarted after a lost connection)', async () => {
    const findings = of(await lint({ '2024-05-02-09-00-00-cancel.sql': "-- codd: no-txn\nALTER TYPE order_status ADD VALUE 'cancelled';" }, 'codd', NO_TXN), RULE);
    expect(where(findings)).toEqual([`${RULE} 2024-05-02-09-00-00-cancel.sql:2`]);
    expect(findings[0]!.message).toContain('42710 (enum label "cancelled" already exists)');
    expect(findings[0]!.hint).toBe("write ALTER TYPE order_status ADD VALUE IF NOT EXISTS 'cancelled'");
  });

  it('does not flag IF NOT EXISTS, RENAME VALUE (rule rename), or an in-txn migration', async () => {
    expect(of(await lint({ '2024-05-02-09-00-00-cancel.sql': "ALTER TYPE s ADD VALUE IF NOT EXISTS 'c';" }, 'codd', NO_TXN), RULE)).toEqual([]);
    expect(of(await lint({ '001.up.sql': "ALTER TYPE s RENAME VALUE 'a' TO 'b';" }), RULE)).toEqual([]);
    expect(of(await lint({ '2024-05-02-09-00-00-cancel.sql': "ALTER TYPE s ADD VALUE 'c';" }, 'codd'), RULE)).toEqual([]);
  });

  suppression(RULE, { '001.up.sql': "ALTER TYPE s ADD VALUE 'c';" }, { '001.up.sql': "ALTER TYPE s ADD VALUE IF NOT EXISTS 'c';" });
});
