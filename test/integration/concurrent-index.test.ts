import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migtest, type JsonReport } from '../helpers/cli.js';

/*
 * A statement that cannot run in a transaction block, alone in its migration: every runner model
 * that can express it sends it as a message of its own, and so must a fault injected before or
 * after it (spliced into the same string, the fault would make PostgreSQL answer 25001). Every
 * case of `fault` and `retry` runs, and none may crash the check or be reported as a finding.
 */

const TABLE = `CREATE TABLE IF NOT EXISTS orders (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    customer_email text NOT NULL
);`;
const COLUMN = 'ALTER TABLE orders ADD COLUMN IF NOT EXISTS external_ref text;';
const INDEX = 'CREATE INDEX CONCURRENTLY IF NOT EXISTS orders_customer_email_idx ON orders (customer_email);';

const cigogne = (up: string, marker = '--- migration:up'): string => `${marker}\n${up}\n--- migration:down\nSELECT 0;\n--- migration:end\n`;

/** The same three migrations in each tool's format, the index alone and outside the tool's transaction. */
const SETS: Record<string, Record<string, string> | string> = {
  'rerun-all': 'migrations-under-test/concurrent-index/fixed',
  'golang-migrate': {
    '000001_create_orders.up.sql': TABLE,
    '000002_external_ref.up.sql': COLUMN,
    '000003_orders_customer_email_idx.up.sql': INDEX,
  },
  dbmate: {
    '20240301090000_create_orders.sql': `-- migrate:up\n${TABLE}\n\n-- migrate:down\nDROP TABLE orders;\n`,
    '20240301090100_external_ref.sql': `-- migrate:up\n${COLUMN}\n\n-- migrate:down\nSELECT 0;\n`,
    '20240301090200_orders_customer_email_idx.sql': `-- migrate:up transaction:false\n${INDEX}\n\n-- migrate:down\nSELECT 0;\n`,
  },
  codd: {
    '2024-03-01-09-00-00-create-orders.sql': TABLE,
    '2024-03-01-09-01-00-external-ref.sql': COLUMN,
    '2024-03-01-09-02-00-orders-customer-email-idx.sql': `-- codd: no-txn\n${INDEX}\n`,
  },
  cigogne: {
    '20240301090000-CreateOrders.sql': cigogne(TABLE),
    '20240301090100-ExternalRef.sql': cigogne(COLUMN),
    '20240301090200-OrdersCustomerEmailIdx.sql': cigogne(INDEX, '--- migration:up disable_transaction'),
  },
};

let scratch = '';
beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'migtest-concurrent-index-'));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function folderOf(runner: string): Promise<string> {
  const set = SETS[runner]!;
  if (typeof set === 'string') return set;
  const dir = path.join(scratch, runner);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  for (const [name, text] of Object.entries(set)) await writeFile(path.join(dir, name), text);
  return dir;
}

describe('a statement that cannot run in a transaction, alone in its migration', () => {
  it.each(Object.keys(SETS))('%s: fault --exhaustive and retry run every case and find nothing', async (runner) => {
    const dir = await folderOf(runner);
    const result = await migtest(['check', dir, '--runner', runner, '--checks', 'fresh,fault,retry', '--exhaustive', '--format', 'json']);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as JsonReport;
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    expect(Object.fromEntries(report.checks.map((c) => [c.name, c.findings.map((f) => `${f.sqlstate} ${f.message}`)]))).toEqual({
      fresh: [],
      fault: [],
      retry: [],
    });
    expect(result.code).toBe(0);
    // Every boundary ran, each with an error and a lost connection: the two around the index, and
    // at least three around the other statements (codd and cigogne run those in one block).
    expect(byName['fault']!.status).toBe('pass');
    expect(byName['fault']!.cases).toBeGreaterThanOrEqual(5 * 2);
    expect(byName['retry']!.status).toBe('pass');
    expect(byName['retry']!.cases).toBeGreaterThan(0);
  }, 240_000);
});
