import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'uncommitted-transaction';

describe(RULE, () => {
  it('flags a BEGIN with no COMMIT after it in the migration', async () => {
    const findings = of(await lint({ '001.up.sql': 'CREATE TABLE IF NOT EXISTS a (id int);\nBEGIN;\nCREATE TABLE IF NOT EXISTS b (id int);' }), RULE);
    expect(where(findings)).toEqual([`${RULE} 001.up.sql:2`]);
    expect(findings[0]!.message).toContain('the transaction is still open when the migration ends');
  });

  it('accepts BEGIN … COMMIT, BEGIN … ROLLBACK and START TRANSACTION … END', async () => {
    const findings = await lint({
      '001.up.sql': 'BEGIN;\nSELECT 1;\nCOMMIT;\nBEGIN;\nSELECT 2;\nROLLBACK;',
      '002.up.sql': 'START TRANSACTION;\nSELECT 1;\nEND;',
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  it('leaves a BEGIN in a block the runner wraps to transaction-nesting: the runner commits it', async () => {
    const findings = await lint({ '2024-07-03-09-00-00-refunds.sql': "ALTER TYPE s ADD VALUE 'x';\nCOMMIT;\nBEGIN;\nSELECT 1;" }, 'codd');
    expect(of(findings, RULE)).toEqual([]);
    expect(where(of(findings, 'transaction-nesting'))).toEqual(['transaction-nesting 2024-07-03-09-00-00-refunds.sql:2', 'transaction-nesting 2024-07-03-09-00-00-refunds.sql:3']);
  });

  it('does not take a COMMIT of another migration as the end', async () => {
    const findings = of(await lint({ '001.up.sql': 'BEGIN;\nSELECT 1;', '002.up.sql': 'COMMIT;' }), RULE);
    expect(where(findings)).toEqual([`${RULE} 001.up.sql:1`]);
  });

  suppression(RULE, { '001.up.sql': 'BEGIN;\nSELECT 1;' }, { '001.up.sql': 'BEGIN;\nSELECT 1;\nCOMMIT;' });
});
