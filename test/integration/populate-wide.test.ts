import { afterAll, beforeAll, expect, test } from 'vitest';
import { populate } from '../../src/data/populate.js';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { Server } from '../../src/postgres/types.js';

let server: Server;
beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
});
afterAll(async () => {
  await server?.stop();
});

test("bench/wide-schema.js's 241 tables: at least 95% get the 20 rows asked for, and the rows are there", async () => {
  const { schemaSql } = (await import('../../bench/wide-schema.js' as string)) as { schemaSql: (count: number) => string };
  const db = await server.createDatabase();
  const client = await db.connect();
  try {
    await client.query(schemaSql(240));
    const report = await populate(client, { rows: 20, seed: 17 });
    expect(report.tables).toHaveLength(241);
    const full = report.tables.filter((t) => t.rows === 20);
    expect(full.length / report.tables.length).toBeGreaterThanOrEqual(0.95);
    expect(report.unfilled).toEqual([]);
    // What the report says went in is what the tables hold (the audit trigger adds rows of its own).
    const counts = await client.query<{ t: string; n: string }>(
      `SELECT n.nspname || '.' || c.relname AS t, (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text AS n
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind = 'r' AND n.nspname IN ('sales', 'inventory', 'billing', 'ledger')`,
    );
    const held = new Map(counts.rows.map((r) => [r.t, Number(r.n)]));
    for (const t of report.tables) if (t.table !== 'audit.change_log') expect([t.table, held.get(t.table)]).toEqual([t.table, t.rows]);
    // Children point to parents the generator inserted, spread over more than one parent row.
    const spread = await client.query('SELECT count(DISTINCT parent_id) AS n FROM sales.entity_4');
    expect(Number(spread.rows[0].n)).toBeGreaterThan(1);
  } finally {
    await client.end();
    await server.dropDatabase(db.name);
  }
});
