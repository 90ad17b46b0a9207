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

  it('accepts the shapes it can show converge: an idempotent SET, or a WHERE that rejects the rows the SET wrote', async () => {
    const findings = await lint({
      '001.up.sql': [
        "UPDATE crash_links SET url = replace(url, '/crashes/', '/errors/') WHERE url LIKE '%/crashes/%';",
        "UPDATE links SET url = replace(url, 'http://', 'https://');",
        'UPDATE customers SET email = lower(btrim(email));',
        'UPDATE counters SET n = coalesce(n, 0);',
        "UPDATE tickets SET status = CASE status WHEN 'new' THEN 'open' WHEN 'closed' THEN 'done' ELSE status END;",
        "UPDATE tickets SET reopened = reopened + 1, status = 'open' WHERE status IS DISTINCT FROM 'open';",
        "UPDATE tickets SET reopened = reopened + 1, status = 'open' WHERE status <> 'open';",
        'UPDATE visits SET seen_at = now(), views = views + 1 WHERE seen_at IS NULL;',
        'UPDATE customers SET email_key = lower(email), touched = touched + 1 WHERE email_key IS DISTINCT FROM lower(email);',
        "UPDATE tickets SET reopened = reopened + 1, status = 'open' WHERE status IN ('new', 'closed');",
      ].join('\n'),
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  it('flags what does not converge: a replacement that brings back its pattern, a CASE that maps onto a mapped value, a swap, a WHERE a NULL result passes', async () => {
    const findings = of(
      await lint({
        '001.up.sql': [
          "UPDATE links SET url = replace(url, 'http', 'https') WHERE url LIKE '%http%';",
          "UPDATE paths SET p = replace(p, '//', '/');",
          "UPDATE tickets SET status = CASE status WHEN 'a' THEN 'b' WHEN 'b' THEN 'c' ELSE status END;",
          'UPDATE pairs SET a = b, b = a;',
          'UPDATE customers SET email_key = lower(email), touched = touched + 1 WHERE email_key IS NULL;',
          'UPDATE accounts SET balance = lower(balance), note = upper(note), x = upper(lower(x));',
        ].join('\n'),
      }),
      RULE,
    );
    expect(where(findings)).toEqual([1, 2, 3, 4, 5, 6].map((line) => `${RULE} 001.up.sql:${line}`));
    expect(findings[3]!.message).toContain('SET a = … reads b, which the same UPDATE writes');
  });

  it('judges the UPDATEs a DO block always runs, at their own line, and not those a guard it cannot decide may skip', async () => {
    const findings = of(
      await lint({
        '001.up.sql': [
          'DO $$',
          'BEGIN',
          '  UPDATE wallets SET cents = cents + 100;',
          '  IF (SELECT count(*) FROM wallets) > 10 THEN',
          '    UPDATE wallets SET cents = cents * 2;',
          '  END IF;',
          'END $$;',
        ].join('\n'),
      }),
      RULE,
    );
    expect(findings.map((f) => [f.line, f.column, f.statement])).toEqual([[3, 3, 'UPDATE wallets SET cents = cents + 100']]);
  });

  it('says nothing about an UPDATE of a table the run made anew (a later file drops it)', async () => {
    const findings = await lint({
      '001.up.sql': 'CREATE TABLE IF NOT EXISTS staging (n int);\nINSERT INTO staging VALUES (1);\nUPDATE staging SET n = n + 1;',
      '002.up.sql': 'DROP TABLE IF EXISTS staging;',
    });
    expect(of(findings, RULE)).toEqual([]);
  });

  suppression(RULE, { '001.up.sql': 'UPDATE prices SET amount = amount * 1.1;' }, { '001.up.sql': "UPDATE prices SET currency = 'EUR';" });
});
