import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import type { Fault } from '../../src/faults/types.js';
import { dbmate } from '../../src/runners/dbmate/model.js';
import type { RunOptions, RunnerOptions, Trace } from '../../src/runners/types.js';

/** A run's options, with the runner options the set is planned under. */
type Options = RunOptions & { runnerOptions?: RunnerOptions };
import { runChecks } from '../../src/index.js';
import { ROOT } from '../helpers/cli.js';
import { sql } from '../helpers/db.js';
import { loadSet } from '../../src/migrations/load.js';
import type { Env, MigrationSet } from '../../src/migrations/types.js';

const loadDbmate = (dir: string, env: Env = {}): Promise<MigrationSet> => loadSet(dir, 'dbmate', env);

const STORY = path.join(ROOT, 'migrations-under-test/dbmate-transaction-false');
const CIC_FILE = path.join(STORY, 'broken/20240315143000_unique_order_external_ref.sql');

let server: Server;
let broken: MigrationSet;
let fixed: MigrationSet;
const scratch = mkdtempSync(path.join(tmpdir(), 'migtest-dbmate-'));
chmodSync(scratch, 0o755);

beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
  broken = await loadDbmate(path.join(STORY, 'broken'));
  fixed = await loadDbmate(path.join(STORY, 'fixed'));
});

afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});


async function versions(db: DatabaseHandle): Promise<string[]> {
  return (await sql<{ version: string }>(db, 'SELECT version FROM public.schema_migrations ORDER BY version')).map((r) => r.version);
}

/** Tables and indexes of the set, with whether each index is valid. */
async function relations(db: DatabaseHandle): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    db,
    `SELECT c.relname || coalesce(CASE WHEN NOT i.indisvalid THEN ' (invalid)' END, '') AS name
       FROM pg_class c LEFT JOIN pg_index i ON i.indexrelid = c.oid
      WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'i') AND c.relname NOT LIKE 'schema_migrations%'
      ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

async function run(set: MigrationSet, db: DatabaseHandle, options: Options = {}): Promise<Trace> {
  const { runnerOptions, ...rest } = options;
  return dbmate.run(dbmate.plan(set, runnerOptions), db, rest);
}

function fault(kind: Fault['kind'], block: number, at: number): Fault {
  return { kind, block, at, sqlstate: 'P0001' };
}

/** A folder of its own holding the given dbmate files. */
function folder(label: string, files: Record<string, string>): string {
  const dir = path.join(scratch, label);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const ORDERS = '-- Orders.\n-- migrate:up\nCREATE TABLE orders (id bigserial PRIMARY KEY, ref text NOT NULL);\n-- migrate:down\nDROP TABLE orders;\n';

describe('dbmate: a full run and a second run', () => {
  it('applies every migration in its own block, records each version, and a second run does nothing', async () => {
    const db = await server.createDatabase();
    const first = await run(fixed, db);
    expect(first.ok).toBe(true);
    expect(first.blocks.map((b) => [b.block.rule, b.block.migrations[0]!.id, b.outcomes.map((o) => o.status)])).toEqual([
      ['in-txn', '20240301090000', ['ok', 'ok']],
      ['no-txn', '20240315143000', ['ok']],
      ['in-txn', '20240315143100', ['ok']],
    ]);
    expect(await versions(db)).toEqual(['20240301090000', '20240315143000', '20240315143100']);
    expect(await relations(db)).toEqual(['orders', 'orders_customer_id_idx', 'orders_external_ref_key', 'orders_pkey']);
    expect(await sql(db, `SELECT conname FROM pg_constraint WHERE conrelid = 'public.orders'::regclass AND contype = 'u'`)).toEqual([
      { conname: 'orders_external_ref_key' },
    ]);

    const second = await run(fixed, db);
    expect(second).toMatchObject({ ok: true, blocks: [] });
    expect(await versions(db)).toEqual(['20240301090000', '20240315143000', '20240315143100']);
  });

  it('creates the tracker dbmate 2.36 creates: version varchar primary key', async () => {
    const db = await server.createDatabase();
    await run(fixed, db, { until: 0 });
    expect(
      await sql(db, `SELECT attname, format_type(atttypid, atttypmod) AS type FROM pg_attribute WHERE attrelid = 'public.schema_migrations'::regclass AND attnum > 0`),
    ).toEqual([{ attname: 'version', type: 'character varying' }]);
    expect(await versions(db)).toEqual([]);
  });

  it('stops cleanly before block `until`, and goes on from block `from`', async () => {
    const db = await server.createDatabase();
    expect((await run(fixed, db, { until: 1 })).blocks.map((b) => b.block.index)).toEqual([0]);
    expect(await versions(db)).toEqual(['20240301090000']);
    expect((await run(fixed, db, { from: 1 })).blocks.map((b) => b.block.index)).toEqual([1, 2]);
    expect(await versions(db)).toEqual(['20240301090000', '20240315143000', '20240315143100']);
  });

  it('applies a migration with an older version added later, as dbmate does without --strict', async () => {
    const dir = folder('late', {
      '20240101000000_orders.sql': ORDERS,
      '20240201000000_notes.sql': '-- Notes.\n-- migrate:up\nCREATE TABLE notes (id int);\n-- migrate:down\n',
    });
    const set = await loadDbmate(dir);
    const db = await server.createDatabase();
    // The notes migration was deployed first; the orders one was merged later with an older timestamp.
    await run({ ...set, migrations: set.migrations.filter((m) => m.id === '20240201000000') }, db);
    const trace = await run(set, db);
    expect(trace.blocks.map((b) => [b.block.index, b.block.migrations[0]!.id])).toEqual([[0, '20240101000000']]);
    expect(await versions(db)).toEqual(['20240101000000', '20240201000000']);
  });
});

describe('dbmate transaction:false: the section is still one string, so one implicit transaction', () => {
  it('CREATE INDEX CONCURRENTLY plus another statement fails with 25001 at the CIC line; nothing of the section stays, nothing is recorded', async () => {
    const db = await server.createDatabase();
    const trace = await run(broken, db);
    expect(trace.ok).toBe(false);
    expect(trace.failure?.error.sqlstate).toBe('25001');
    expect(trace.failure?.error.message).toBe('CREATE INDEX CONCURRENTLY cannot run inside a transaction block');
    expect(trace.failure?.statement).toMatchObject({ file: CIC_FILE, line: 3, column: 1, kind: 'IndexStmt' });
    expect(trace.blocks.at(-1)).toMatchObject({ durable: 0, failedAt: 0 });
    expect(await versions(db)).toEqual(['20240301090000']);
    expect(await relations(db)).toEqual(['orders', 'orders_customer_id_idx', 'orders_pkey']);

    // Unrecorded, so the next run sends the section again, and fails again.
    const again = await run(broken, db);
    expect(again.blocks.map((b) => b.block.index)).toEqual([1]);
    expect(again.failure?.error.sqlstate).toBe('25001');
  });

  it('the same CIC alone in its migration passes', async () => {
    const db = await server.createDatabase();
    const trace = await run(fixed, db, { until: 2 });
    expect(trace.ok).toBe(true);
    expect(await relations(db)).toContain('orders_external_ref_key');
  });

  it('a fault after a one-statement section, before the version insert: the index is built but unrecorded, and the rerun builds it again', async () => {
    const db = await server.createDatabase();
    const trace = await run(fixed, db, { faults: [fault('terminate', 1, 1)] });
    expect(trace.blocks.at(-1)).toMatchObject({ durable: 1, faulted: true });
    expect(await relations(db)).toContain('orders_external_ref_key');
    expect(await versions(db)).toEqual(['20240301090000']);
    // The fixed set's CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS makes that rerun a no-op.
    expect((await run(fixed, db)).ok).toBe(true);
    expect(await versions(db)).toHaveLength(3);

    const dir = folder('cic-without-guard', {
      '1_orders.sql': ORDERS,
      '2_index.sql': '-- Index refs.\n-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY orders_ref_idx ON orders (ref);\n-- migrate:down\n',
    });
    const set = await loadDbmate(dir);
    const other = await server.createDatabase();
    await run(set, other, { faults: [fault('error', 1, 1)] });
    const rerun = await run(set, other);
    expect(rerun.failure?.error.sqlstate).toBe('42P07');
    expect(rerun.failure?.statement).toMatchObject({ line: 3, column: 1 });
  });

  it('a fault in a two-statement section rolls the whole section back (implicit transaction), unrecorded; the rerun re-executes it', async () => {
    const dir = folder('two-statements', {
      '1_orders.sql': ORDERS,
      '2_refs.sql': '-- Refs.\n-- migrate:up transaction:false\nCREATE TABLE refs (id int);\nINSERT INTO refs VALUES (1);\n-- migrate:down\n',
    });
    const set = await loadDbmate(dir);
    const db = await server.createDatabase();
    const trace = await run(set, db, { faults: [fault('error', 1, 1)] });
    expect(trace.blocks.at(-1)).toMatchObject({ durable: 0, failedAt: 1, faulted: true });
    expect(await relations(db)).toEqual(['orders', 'orders_pkey']);
    expect(await versions(db)).toEqual(['1']);
    const next = await run(set, db);
    expect(next.ok).toBe(true);
    expect(await sql(db, 'SELECT id FROM refs')).toEqual([{ id: 1 }]);
    expect(await versions(db)).toEqual(['1', '2']);
  });

  it('a COMMIT inside the section makes the work before it durable: a fault after it leaves it partial and unrecorded, and the rerun fails', async () => {
    const dir = folder('commit-inside', {
      '1_orders.sql': ORDERS,
      '2_refs.sql': '-- Refs.\n-- migrate:up transaction:false\nCREATE TABLE refs (id int);\nCOMMIT;\nINSERT INTO refs VALUES (1);\n-- migrate:down\n',
    });
    const set = await loadDbmate(dir);
    const db = await server.createDatabase();
    const trace = await run(set, db, { faults: [fault('terminate', 1, 2)] });
    expect(trace.blocks.at(-1)).toMatchObject({ durable: 2, faulted: true });
    expect(await relations(db)).toContain('refs');
    expect(await versions(db)).toEqual(['1']);
    const next = await run(set, db);
    expect(next.failure?.error.sqlstate).toBe('42P07');
    expect(next.failure?.statement).toMatchObject({ line: 3, column: 1 });
  });
});

describe('dbmate transactional migrations: section and version insert in one transaction', () => {
  it.each([
    ['error', 1],
    ['terminate', 1],
    ['error', 2],
    ['terminate', 2],
  ] as const)('a fault (%s before statement %i, 2 = after the last) rolls everything back and records nothing; the next run converges', async (kind, at) => {
    const db = await server.createDatabase();
    const trace = await run(fixed, db, { faults: [fault(kind, 0, at)] });
    expect(trace.ok).toBe(false);
    expect(trace.failure?.faulted).toBe(true);
    expect(trace.blocks.at(-1)).toMatchObject({ durable: 0, failedAt: at });
    expect(await relations(db)).toEqual([]);
    expect(await versions(db)).toEqual([]);
    expect((await run(fixed, db)).ok).toBe(true);
    expect(await versions(db)).toHaveLength(3);
  });

  it('CREATE INDEX CONCURRENTLY in a transactional migration fails with 25001 at its line', async () => {
    const dir = folder('cic-in-txn', {
      '1_orders.sql': ORDERS,
      '2_index.sql': '-- Index refs.\n-- migrate:up\nCREATE INDEX CONCURRENTLY orders_ref_idx ON orders (ref);\n-- migrate:down\n',
    });
    const db = await server.createDatabase();
    const trace = await run(await loadDbmate(dir), db);
    expect(trace.failure?.error.sqlstate).toBe('25001');
    expect(trace.failure?.statement).toMatchObject({ file: path.join(dir, '2_index.sql'), line: 3, column: 1 });
    expect(await versions(db)).toEqual(['1']);
  });

  it('a statement that fails mid-section rolls back the statements before it', async () => {
    const dir = folder('fails', {
      '1_orders.sql': ORDERS,
      '2_seed.sql': "-- Seed.\n-- migrate:up\nINSERT INTO orders (ref) VALUES ('a');\nINSERT INTO orders (ref) VALUES (NULL);\n-- migrate:down\n",
    });
    const db = await server.createDatabase();
    const trace = await run(await loadDbmate(dir), db);
    expect(trace.failure?.error.sqlstate).toBe('23502');
    expect(trace.failure?.statement).toMatchObject({ line: 4, column: 1 });
    expect(trace.blocks.at(-1)?.outcomes.map((o) => o.status)).toEqual(['ok', 'error']);
    expect(await sql(db, 'SELECT count(*)::int AS n FROM orders')).toEqual([{ n: 0 }]);
    expect(await versions(db)).toEqual(['1']);
  });
});

describe('dbmate-transaction-false: what the checks find', () => {
  const check = (set: 'broken' | 'fixed') =>
    runChecks({
      dir: path.join(STORY, set),
      runner: 'dbmate',
      checks: ['fresh', 'twice', 'resume', 'fault'],
      postgres: [17],
      provider: 'embedded',
      options: { exhaustive: true },
    });

  it('broken: fresh fails with 25001 at the CIC line, and the other checks cannot run: they fail with the same error', async () => {
    const report = await check('broken');
    expect(report.checks.map((c) => [c.name, c.status, c.cases])).toEqual([
      ['fresh', 'fail', 1],
      ['twice', 'fail', 0],
      ['resume', 'fail', 0],
      ['fault', 'fail', 0],
    ]);
    expect(report.ok).toBe(false);
    for (const result of report.checks) {
      const [finding, ...rest] = result.findings;
      expect(rest).toEqual([]);
      expect(finding).toMatchObject({ check: result.name, sqlstate: '25001', line: 3, column: 1 });
      expect(finding!.file).toMatch(/broken\/20240315143000_unique_order_external_ref\.sql$/);
      expect(finding!.hint).toContain('cannot run inside a transaction block');
    }
    expect(report.checks.slice(1).map((c) => c.reason)).toEqual(Array(3).fill('cannot run: the set does not apply to an empty database (the first run fails)'));
  });

  it('fixed: every check passes, every fault and crash case included', async () => {
    const report = await check('fixed');
    expect(report.checks.map((c) => [c.name, c.status, c.findings.length])).toEqual([
      ['fresh', 'pass', 0],
      ['twice', 'skip', 0], // dbmate never runs a recorded migration again
      ['resume', 'pass', 0],
      ['fault', 'pass', 0],
    ]);
    // Boundaries: 3 + 2 + 2, two fault kinds each.
    expect(report.checks[3]!.cases).toBe(14);
  });
});
