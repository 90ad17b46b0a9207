import { describe, expect, it } from 'vitest';
import { lint, of, suppression, where } from './lint-set.js';

const RULE = 'update-not-convergent';

describe(RULE, () => {
  it('flags an UPDATE that computes a column from itself, or from the clock', async () => {
    const findings = of(
      await lint({
        '001.up.sql': [
          'UPDATE prices SET amount = amount * 1.1;',
          'UPDATE customers c SET credit_cents = c.credit_cents + t.total FROM totals t WHERE c.id = t.customer_id;',
          'UPDATE t SET touched_at = now();',
        ].join('\n'),
      }),
      RULE,
    );
    expect(where(findings)).toEqual([`${RULE} 001.up.sql:1`, `${RULE} 001.up.sql:2`, `${RULE} 001.up.sql:3`]);
    expect(findings[0]!.message).toContain('SET amount = … computes the new value from the old one');
    expect(findings[2]!.message).toContain('from the clock');
  });

  it('accepts UPDATEs that converge: constant or derived values, and self-references that exclude their own rows', async () => {
    const findings = await lint({
      '001.up.sql': [
        "UPDATE orders SET status = 'cancelled' WHERE status = 'pending' AND placed_at < DATE '2024-04-01';",
        'UPDATE customers SET email_normalized = lower(btrim(email)) WHERE email_normalized IS NULL;',
        'UPDATE customers SET email_normalized = lower(btrim(email));',
        'UPDATE prices SET amount = amount * 1.1, repriced = true WHERE NOT repriced;',
        'UPDATE t SET touched_at = now() WHERE touched_at IS NULL;',
        [
          'WITH cancelled AS (',
          "    UPDATE orders SET status = 'cancelled'",
          "    WHERE status = 'pending' AND placed_at < DATE '2024-04-01'",
          '    RETURNING customer_id, total_cents',
          ')',
          'UPDATE customers c SET credit_cents = c.credit_cents + t.total',
          'FROM (SELECT customer_id, sum(total_cents) AS total FROM cancelled GROUP BY customer_id) t',
          'WHERE c.id = t.customer_id;',
        ].join('\n'),
      ].join('\n'),
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  it('flags a CTE-driven UPDATE whose CTE does not exclude its own rows', async () => {
    const findings = of(
      await lint({ '001.up.sql': "WITH c AS (UPDATE orders SET note = 'x' RETURNING customer_id) UPDATE customers SET n = n + 1 FROM c WHERE customers.id = c.customer_id;" }),
      RULE,
    );
    expect(findings.length).toBe(1);
  });

  suppression(RULE, { '001.up.sql': 'UPDATE prices SET amount = amount * 1.1;' }, { '001.up.sql': "UPDATE prices SET currency = 'EUR';" });
});
