import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import type { Fault } from '../../src/faults/types.js';
import { codd } from '../../src/runners/codd/model.js';
import type { RunOptions, RunnerOptions, Trace } from '../../src/runners/types.js';

/** A run's options, with the runner options the set is planned under. */
type Options = RunOptions & { runnerOptions?: RunnerOptions };
import { ROOT } from '../helpers/cli.js';
import { loadSet } from '../../src/migrations/load.js';
import type { Env, MigrationSet } from '../../src/migrations/types.js';

const loadCodd = (dir: string, env: Env = {}): Promise<MigrationSet> => loadSet(dir, 'codd', env);
const coddCluster = codd.cluster;

const SETS = path.join(ROOT, 'migrations-under-test');
const OWNER = { runnerOptions: { user: 'orders_owner' } };

let server: Server;
let noTxnBroken: MigrationSet;
let noTxnFixed: MigrationSet;
let bootBroken: MigrationSet;
let bootFixed: MigrationSet;
const scratch = mkdtempSync(path.join(tmpdir(), 'migtest-codd-'));

beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
  noTxnBroken = await loadCodd(path.join(SETS, 'codd-no-txn/broken'), {});
  noTxnFixed = await loadCodd(path.join(SETS, 'codd-no-txn/fixed'), {});
  bootBroken = await loadCodd(path.join(SETS, 'codd-bootstrap/broken'), {});
  bootFixed = await loadCodd(path.join(SETS, 'codd-bootstrap/fixed'), {});
});

afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

async function sql<T = Record<string, unknown>>(db: DatabaseHandle | string, text: string): Promise<T[]> {
  const handle = typeof db === 'string' ? { ...(await anyHandle()), name: db } : db;
  const client = new (await import('pg')).default.Client({ ...handle.config, database: handle.name });
  await client.connect();
  try {
    return (await client.query(text)).rows as T[];
  } finally {
    await client.end();
  }
}

let someDb: DatabaseHandle | undefined;
async function anyHandle(): Promise<DatabaseHandle> {
  someDb ??= await server.createDatabase();
  return someDb;
}

interface Row {
  name: string;
  n: number;
  applied: boolean;
  failed: boolean;
}

/** codd.sql_migrations without its volatile columns, in id order. */
async function tracker(db: DatabaseHandle): Promise<Row[]> {
  return sql<Row>(
    db,
    `SELECT name, num_applied_statements AS n, applied_at IS NOT NULL AS applied, no_txn_failed_at IS NOT NULL AS failed
       FROM codd.sql_migrations ORDER BY id`,
  );
}

async function hasTracker(db: DatabaseHandle): Promise<boolean> {
  return (await sql<{ ok: boolean }>(db, `SELECT to_regnamespace('codd') IS NOT NULL AS ok`))[0]!.ok;
}

const row = (name: string, n: number, state: 'applied' | 'failed' = 'applied'): Row => ({ name, n, applied: state === 'applied', failed: state === 'failed' });

async function run(set: MigrationSet, db: DatabaseHandle, options: Options = {}): Promise<Trace> {
  const { runnerOptions, ...rest } = options;
  return codd.run(codd.plan(set, runnerOptions), db, rest);
}

function fault(kind: Fault['kind'], block: number, at: number): Fault {
  return { kind, block, at, sqlstate: 'P0001' };
}

/** A copy of a case's database, as the checks make one, with what runs made for it outside. */
async function copyOf(db: DatabaseHandle): Promise<DatabaseHandle> {
  const copy = await server.createDatabase({ template: db.name });
  await coddCluster.copy(db, copy);
  return copy;
}

async function folder(label: string, files: Record<string, string>): Promise<MigrationSet> {
  const dir = path.join(scratch, label);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return loadCodd(dir, {});
}

function failure(trace: Trace): [string | undefined, string | undefined, number | undefined, boolean] {
  return [trace.failure?.error.sqlstate, trace.failure?.statement && path.basename(trace.failure.statement.file), trace.failure?.statement?.line, trace.failure?.faulted ?? false];
}

const CREATE = '2024-05-01-09-00-00-create-orders.sql';
const CANCEL = '2024-05-02-09-00-00-cancel-stale-orders.sql';
const INDEX = '2024-05-03-09-00-00-open-orders-index.sql';

/** What the no-txn sets leave in the data: order statuses and customer credits. */
async function money(db: DatabaseHandle): Promise<string[]> {
  const orders = await sql<{ v: string }>(db, `SELECT id || ':' || status AS v FROM orders ORDER BY id`);
  const credits = await sql<{ v: string }>(db, `SELECT id || ':' || credit_cents AS v FROM customers ORDER BY id`);
  return [...orders.map((r) => r.v), ...credits.map((r) => r.v)];
}

const CANCELLED = ['10:paid', '11:cancelled', '12:cancelled', '13:shipped', '14:pending', '1:1200', '2:9900', '3:0'];

describe('codd: a full run and a second run', () => {
  it('applies the blocks, loads COPY data through the copy protocol, records every migration; a second run does nothing', async () => {
    expect(codd.plan(noTxnFixed).blocks.map((b) => [b.rule, b.migrations.map((m) => m.name)])).toEqual([
      ['in-txn', [CREATE]],
      ['no-txn', [CANCEL]],
      ['in-txn', [INDEX]],
    ]);
    const db = await server.createDatabase();
    const first = await run(noTxnFixed, db);
    expect(first.ok).toBe(true);
    expect(first.blocks.map((b) => [b.block.index, b.durable])).toEqual([
      [0, 5],
      [1, 2],
      [2, 1],
    ]);
    expect(await money(db)).toEqual(CANCELLED);
    expect(await tracker(db)).toEqual([row(CREATE, 5), row(CANCEL, 2), row(INDEX, 1)]);
    const ts = await sql<{ t: string }>(db, `SELECT to_char(migration_timestamp AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS t FROM codd.sql_migrations ORDER BY id`);
    expect(ts.map((r) => r.t)).toEqual(['2024-05-01 09:00:00', '2024-05-02 09:00:00', '2024-05-03 09:00:00']);

    const before = await sql(db, `SELECT id, applied_at FROM codd.sql_migrations ORDER BY id`);
    const second = await run(noTxnFixed, db);
    expect(second).toEqual({ blocks: [], ok: true });
    expect(await sql(db, `SELECT id, applied_at FROM codd.sql_migrations ORDER BY id`)).toEqual(before);
    expect(await money(db)).toEqual(CANCELLED);
  });

  it('creates its schema on a first run even with nothing to apply', async () => {
    const set = await folder('only-comments', { '2024-01-01-00-00-00-empty.sql': '-- nothing yet\n' });
    const db = await server.createDatabase();
    expect((await run(set, db)).ok).toBe(true);
    expect(await tracker(db)).toEqual([row('2024-01-01-00-00-00-empty.sql', 0)]);
  });

  it('stops before block `until`, and a run `from` a copy of that state finishes it as one run would', async () => {
    const db = await server.createDatabase();
    const part = await run(noTxnFixed, db, { until: 1 });
    expect(part.blocks.map((b) => b.block.index)).toEqual([0]);
    expect(await tracker(db)).toEqual([row(CREATE, 5)]);
    const copy = await copyOf(db);
    const rest = await run(noTxnFixed, copy, { from: 1 });
    expect(rest.blocks.map((b) => b.block.index)).toEqual([1, 2]);
    expect(await tracker(copy)).toEqual([row(CREATE, 5), row(CANCEL, 2), row(INDEX, 1)]);
    expect(await money(copy)).toEqual(CANCELLED);
  });
});

describe('codd: faults in an in-txn block', () => {
  it.each([
    ['error', 2],
    ['terminate', 0],
    ['error', 5],
    ['terminate', 5],
  ] as const)('a %s before statement %i rolls the block back with codd schema and all; the next run converges', async (kind, at) => {
    const db = await server.createDatabase();
    const trace = await run(noTxnFixed, db, { faults: [fault(kind, 0, at)] });
    expect(trace.ok).toBe(false);
    expect(trace.failure?.faulted).toBe(true);
    expect(trace.blocks[0]).toMatchObject({ durable: 0, failedAt: at, faulted: true });
    expect(await hasTracker(db)).toBe(false);
    expect(await sql(db, `SELECT 1 FROM pg_class WHERE relname = 'orders'`)).toEqual([]);
    expect((await run(noTxnFixed, db)).ok).toBe(true);
    expect(await money(db)).toEqual(CANCELLED);
    expect(await tracker(db)).toEqual([row(CREATE, 5), row(CANCEL, 2), row(INDEX, 1)]);
  });

  it('a statement that fails leaves nothing and names its line', async () => {
    const set = await folder('in-txn-failure', {
      '2024-01-01-00-00-00-a.sql': 'CREATE TABLE a (id int);\n',
      '2024-01-01-00-00-01-b.sql': '-- b\nINSERT INTO a VALUES (1);\n\nINSERT INTO missing VALUES (1);\n',
    });
    const db = await server.createDatabase();
    const trace = await run(set, db);
    expect(failure(trace)).toEqual(['42P01', '2024-01-01-00-00-01-b.sql', 4, false]);
    expect(trace.blocks[0]!.outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'error']);
    expect(await hasTracker(db)).toBe(false);
  });
});

describe('codd: faults in a no-txn block', () => {
  it('an error after ALTER TYPE … ADD VALUE records 1 applied statement; the next run resumes at statement 2', async () => {
    const db = await copyOf(await stateBefore(noTxnBroken, 1));
    const trace = await run(noTxnBroken, db, { from: 1, faults: [fault('error', 1, 1)] });
    expect(failure(trace)).toEqual(['P0001', undefined, undefined, true]);
    expect(trace.blocks[0]).toMatchObject({ durable: 1, failedAt: 1 });
    expect(await tracker(db)).toEqual([row(CREATE, 5), row(CANCEL, 1, 'failed')]);
    expect(await sql(db, `SELECT unnest(enum_range(NULL::order_status))::text AS v`)).toEqual([
      { v: 'pending' },
      { v: 'paid' },
      { v: 'shipped' },
      { v: 'cancelled' },
    ]);

    // Without resuming, the broken ADD VALUE would fail: codd skips it.
    const next = await run(noTxnBroken, db);
    expect(next.ok).toBe(true);
    expect(next.blocks.map((b) => [b.block.index, b.outcomes.map((o) => o.status)])).toEqual([
      [1, ['ok', 'ok', 'ok']],
      [2, ['ok']],
    ]);
    expect(await tracker(db)).toEqual([row(CREATE, 5), row(CANCEL, 3), row(INDEX, 1)]);
    expect(await money(db)).toEqual(CANCELLED);
  });

  it('an error after the last statement (at = statements.length) records all of them as applied by a failed run', async () => {
    const db = await copyOf(await stateBefore(noTxnBroken, 1));
    const trace = await run(noTxnBroken, db, { from: 1, faults: [fault('error', 1, 3)] });
    expect(trace.blocks[0]).toMatchObject({ durable: 3, failedAt: 3, faulted: true });
    expect(await tracker(db)).toEqual([row(CREATE, 5), row(CANCEL, 3, 'failed')]);
    expect((await run(noTxnBroken, db)).ok).toBe(true);
    // The credit ran once: resuming skipped all three statements.
    expect(await money(db)).toEqual(CANCELLED);
    expect(await tracker(db)).toEqual([row(CREATE, 5), row(CANCEL, 3), row(INDEX, 1)]);
  });

  it('a lost connection records nothing: the next run starts the migration over and the broken ADD VALUE fails (42710)', async () => {
    const db = await copyOf(await stateBefore(noTxnBroken, 1));
    const trace = await run(noTxnBroken, db, { from: 1, faults: [fault('terminate', 1, 2)] });
    expect(trace.failure?.error.sqlstate).toBe('57P01');
    expect(trace.blocks[0]).toMatchObject({ durable: 2, failedAt: 2 });
    expect(await tracker(db)).toEqual([row(CREATE, 5)]);
    const next = await run(noTxnBroken, db);
    expect(failure(next)).toEqual(['42710', CANCEL, 3, false]);
    expect(next.failure?.error.message).toBe('enum label "cancelled" already exists');
  });

  it('the fixed migration converges after a lost connection at any boundary', async () => {
    for (const at of [1, 2]) {
      const db = await copyOf(await stateBefore(noTxnFixed, 1));
      expect((await run(noTxnFixed, db, { from: 1, faults: [fault('terminate', 1, at)] })).ok).toBe(false);
      expect((await run(noTxnFixed, db)).ok).toBe(true);
      expect(await money(db)).toEqual(CANCELLED);
    }
  });

  it('a failure inside an explicit BEGIN … COMMIT records the statements before that BEGIN, and the next run resumes at it (codd PR #187)', async () => {
    const set = await folder('explicit-begin', {
      '2024-01-01-00-00-00-ledger.sql': [
        '-- codd: no-txn', // 1
        'CREATE TABLE ledger (id int PRIMARY KEY, amount int NOT NULL);', // 2
        'BEGIN;', // 3
        'INSERT INTO ledger VALUES (1, 10);', // 4
        'INSERT INTO ledger VALUES (2, 20);', // 5
        'COMMIT;', // 6
        'INSERT INTO ledger VALUES (3, 30);', // 7
      ].join('\n'),
    });
    const db = await server.createDatabase();
    const trace = await run(set, db, { faults: [fault('error', 0, 3)] });
    expect(trace.blocks[0]).toMatchObject({ durable: 1, failedAt: 3 });
    expect(await tracker(db)).toEqual([row('2024-01-01-00-00-00-ledger.sql', 1, 'failed')]);
    // The open transaction was rolled back: the first INSERT is gone.
    expect(await sql(db, `SELECT id FROM ledger`)).toEqual([]);
    const next = await run(set, db);
    expect(next.ok).toBe(true);
    expect(next.blocks[0]!.outcomes.map((o) => o.status)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
    expect(await sql(db, `SELECT id FROM ledger ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
    expect(await tracker(db)).toEqual([row('2024-01-01-00-00-00-ledger.sql', 6)]);
  });

  it('counts COPY … FROM STDIN as one statement, and never sends its data twice when resuming', async () => {
    const set = await folder('copy-no-txn', {
      '2024-01-01-00-00-00-copy.sql': '-- codd: no-txn\nCREATE TABLE c (id int);\nCOPY c FROM STDIN;\n1\n2\n\\.\nINSERT INTO c VALUES (3);\n',
    });
    const db = await server.createDatabase();
    const trace = await run(set, db, { faults: [fault('error', 0, 2)] });
    expect(trace.blocks[0]).toMatchObject({ durable: 2, failedAt: 2 });
    expect(await tracker(db)).toEqual([row('2024-01-01-00-00-00-copy.sql', 2, 'failed')]);
    expect((await run(set, db)).ok).toBe(true);
    expect(await sql(db, `SELECT id FROM c ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }, { id: 3 }]);
  });

  it('sends a no-parse migration whole, as one statement of its in-txn block', async () => {
    const set = await folder('no-parse', {
      '2024-01-01-00-00-00-a.sql': 'CREATE TABLE np (id int);\n',
      '2024-01-01-00-00-01-b.sql': '-- codd: no-parse\nINSERT INTO np VALUES (1); INSERT INTO np VALUES (2);\n',
    });
    expect(codd.plan(set).blocks.map((b) => [b.rule, b.statements.length])).toEqual([['in-txn', 2]]);
    const db = await server.createDatabase();
    const faulted = await run(set, db, { faults: [fault('error', 0, 2)] });
    expect(faulted.blocks[0]).toMatchObject({ durable: 0, failedAt: 2 });
    expect(await hasTracker(db)).toBe(false);
    expect((await run(set, db)).ok).toBe(true);
    expect(await sql(db, `SELECT id FROM np ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
    expect(await tracker(db)).toEqual([row('2024-01-01-00-00-00-a.sql', 1), row('2024-01-01-00-00-01-b.sql', 1)]);
  });

  it('a failure after COMMIT resumes after the statement that failed', async () => {
    const set = await folder('after-commit', {
      '2024-01-01-00-00-00-ledger.sql': '-- codd: no-txn\nCREATE TABLE l (id int);\nBEGIN;\nINSERT INTO l VALUES (1);\nCOMMIT;\nINSERT INTO l VALUES (2);\n',
    });
    const db = await server.createDatabase();
    await run(set, db, { faults: [fault('error', 0, 4)] });
    expect(await tracker(db)).toEqual([row('2024-01-01-00-00-00-ledger.sql', 4, 'failed')]);
    expect((await run(set, db)).ok).toBe(true);
    expect(await sql(db, `SELECT id FROM l ORDER BY id`)).toEqual([{ id: 1 }, { id: 2 }]);
  });
});

describe('codd: refusals', () => {
  it('refuses, in codd words, when the default connection cannot be opened and no bootstrap comes first', async () => {
    const db = await server.createDatabase();
    const trace = await run(noTxnFixed, db, { runnerOptions: { user: 'nobody_here' } });
    expect(trace.ok).toBe(false);
    expect(trace.blocks).toEqual([]);
    expect(trace.refusal?.message).toContain('The earliest existing migration has no custom connection string or there are no migrations at all. Exiting.');
    expect(trace.refusal?.operatorAction).toContain('CODD_CONNECTION');
  });

  it('refuses runner options it does not know', async () => {
    const db = await server.createDatabase();
    await expect(run(noTxnFixed, db, { runnerOptions: { retry: 'max 2' } })).rejects.toThrow("unknown runner option 'retry' for codd");
  });
});

/** The state a first run reaches before block `b` (kept, like the checks keep it). */
const states = new Map<string, Promise<DatabaseHandle>>();
function stateBefore(set: MigrationSet, b: number, options: Options = {}): Promise<DatabaseHandle> {
  const key = `${set.dir}:${b}`;
  let state = states.get(key);
  if (!state) {
    state = (async () => {
      const db = await server.createDatabase();
      const trace = await run(set, db, { ...options, until: b });
      expect(trace.ok).toBe(true);
      return db;
    })();
    states.set(key, state);
  }
  return state;
}

describe('codd: custom connections and the bootstrap (cluster-level objects)', () => {
  it('runs the bootstrap on a stand-in for postgres, gives the set its own orders database, and migrates the case database as orders_owner', async () => {
    const db = await server.createDatabase();
    const trace = await run(bootFixed, db, OWNER);
    expect(trace.ok).toBe(true);
    const made = coddCluster.databases(db);
    expect(made).toHaveLength(2);
    expect(made.every((name) => name.startsWith(`${db.name}__`))).toBe(true);
    // The case database plays `orders`: it has the tables, owned by the role the set made.
    expect(await sql(db, `SELECT tablename, tableowner FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`)).toEqual([
      { tablename: 'customers', tableowner: 'orders_owner' },
      { tablename: 'orders', tableowner: 'orders_owner' },
    ]);
    expect(await sql(db, `SELECT count(*)::int AS n FROM customers`)).toEqual([{ n: 2 }]);
    // The bootstrap is recorded with the first block on the new database.
    expect(await tracker(db)).toEqual([
      row('2024-06-01-08-00-00-bootstrap.sql', 2),
      row('2024-06-01-08-01-00-create-customers.sql', 2),
      row('2024-06-01-08-02-00-create-orders.sql', 1),
    ]);
    // migtest never touches the server's own postgres database, and no `orders` exists on the server.
    expect(await sql(db, `SELECT datname FROM pg_database WHERE datname = 'orders'`)).toEqual([]);
    expect(await run(bootFixed, db, OWNER)).toEqual({ blocks: [], ok: true });
  });

  it('keeps two cases on one server independent: neither sees the other database nor is refused by "already exists"', async () => {
    const unguarded = await folder('unguarded-bootstrap', {
      '2024-06-01-08-00-00-bootstrap.sql':
        '-- codd: no-txn\n-- codd-connection: dbname=postgres user=postgres host=localhost\nCREATE ROLE billing_owner LOGIN;\nCREATE DATABASE billing OWNER billing_owner;\n',
      '2024-06-01-08-01-00-invoices.sql': '-- codd-connection: postgres://billing_owner@localhost/billing\nCREATE TABLE invoices (id int);\n',
    });
    // CODD_CONNECTION names another database (app): billing is a database of its own in each case.
    const app = { runnerOptions: { database: 'app' } };
    const one = await server.createDatabase();
    const two = await server.createDatabase();
    const [a, b] = await Promise.all([run(unguarded, one, app), run(unguarded, two, app)]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    const [billingOne, billingTwo] = [coddCluster.databases(one), coddCluster.databases(two)].map((names) => names.find((n) => n.includes('__billing_'))!);
    expect(billingOne).not.toBe(billingTwo);
    // The same cluster-level state in both cases, by the set's names.
    expect(coddCluster.key(one)).toBe(coddCluster.key(two));
    expect(coddCluster.key(one)).toBe(JSON.stringify([['billing', 'postgres'], ['billing_owner'], null]));
    expect(await sql(billingOne!, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).toEqual([{ tablename: 'invoices' }]);
    expect(await sql(billingTwo!, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).toEqual([{ tablename: 'invoices' }]);
    // The case databases keep only the tracker.
    expect(await tracker(one)).toHaveLength(2);
    expect(await sql(one, `SELECT tablename FROM pg_tables WHERE schemaname = 'public'`)).toEqual([]);

    // A second run in the same case still fails as codd's would on the same server: the role is this case's.
    await sql(one, `DELETE FROM codd.sql_migrations`);
    const again = await run(unguarded, one, app);
    expect(failure(again)).toEqual(['42710', '2024-06-01-08-00-00-bootstrap.sql', 3, false]);

    await coddCluster.release(one);
    await coddCluster.release(two);
    expect(await sql(one, `SELECT datname FROM pg_database WHERE datname IN ('${billingOne}', '${billingTwo}')`)).toEqual([]);
    expect(coddCluster.databases(one)).toEqual([]);
  });

  it('a role another session is creating at that moment is taken as made: its 23505 from pg_authid is no failure', async () => {
    const racing = await folder('racing-role', {
      '2024-06-01-08-00-00-role.sql': '-- codd: no-txn\nCREATE ROLE racing_owner;\n',
      '2024-06-01-08-01-00-table.sql': 'CREATE TABLE racing (id int);\n',
    });
    const db = await server.createDatabase();
    const pg = (await import('pg')).default;
    const other = new pg.Client({ ...db.config, database: db.name });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query('CREATE ROLE racing_owner');
      const running = run(racing, db);
      // The run's CREATE ROLE waits on the other session's uncommitted pg_authid row.
      for (let waiting = false; !waiting; ) {
        const rows = await sql<{ n: number }>(db, `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE 'CREATE ROLE racing_owner%'`);
        waiting = rows[0]!.n > 0;
        if (!waiting) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      await other.query('COMMIT');
      const trace = await running;
      expect(trace.ok).toBe(true);
      expect(await tracker(db)).toHaveLength(2);
      await coddCluster.release(db);
      // Not the run's to drop: another session made it.
      expect(await sql(db, `SELECT rolname FROM pg_roles WHERE rolname = 'racing_owner'`)).toEqual([{ rolname: 'racing_owner' }]);
    } finally {
      await other.query('ROLLBACK').catch(() => undefined);
      await other.query('DROP ROLE IF EXISTS racing_owner').catch(() => undefined);
      await other.end();
    }
  });

  it('the broken bootstrap creates orders without an owner: codd, connecting as orders_owner, cannot create its schema', async () => {
    const db = await server.createDatabase();
    const trace = await run(bootBroken, db, OWNER);
    expect(failure(trace)).toEqual(['42501', '2024-06-01-08-01-00-create-customers.sql', 2, false]);
    expect(trace.failure?.error.message).toContain("Not enough permissions to create or update codd's internal schema");
    expect(trace.failure?.error.message).toContain('(permission denied for database orders) (on the server under test: migtest_');
    // The bootstrap ran but was never recorded: the next run starts it over.
    expect(await hasTracker(db)).toBe(false);
    expect(failure(await run(bootBroken, db, OWNER))).toEqual(['42710', '2024-06-01-08-00-00-bootstrap.sql', 4, false]);
  });

  it('before the bootstrap created it, the default database does not exist for codd: a crash in the bootstrap records nothing', async () => {
    const db = await server.createDatabase();
    const trace = await run(bootFixed, db, { ...OWNER, faults: [fault('terminate', 0, 1)] });
    expect(trace.ok).toBe(false);
    expect(await hasTracker(db)).toBe(false);
    // Same snapshot as after the CREATE DATABASE (an empty case database), another cluster-level state.
    expect(coddCluster.key(db)).not.toBe(coddCluster.key(await stateBefore(bootFixed, 1, OWNER)));
    // The next run bootstraps again: the role is guarded, the database not made yet.
    expect((await run(bootFixed, db, OWNER)).ok).toBe(true);
    expect(await tracker(db)).toHaveLength(3);
  });

  it('an error after CREATE DATABASE is recorded through the new default database, and the next run resumes past it', async () => {
    const db = await server.createDatabase();
    const trace = await run(bootFixed, db, { ...OWNER, faults: [fault('error', 0, 2)] });
    expect(trace.failure?.faulted).toBe(true);
    expect(await tracker(db)).toEqual([row('2024-06-01-08-00-00-bootstrap.sql', 2, 'failed')]);
    expect((await run(bootFixed, db, OWNER)).ok).toBe(true);
    expect(await tracker(db)).toEqual([
      row('2024-06-01-08-00-00-bootstrap.sql', 2),
      row('2024-06-01-08-01-00-create-customers.sql', 2),
      row('2024-06-01-08-02-00-create-orders.sql', 1),
    ]);
  });

  it('a crash after the bootstrap, before codd recorded it, leaves a database the next run creates again (42P04)', async () => {
    const before1 = await stateBefore(bootFixed, 1, OWNER);
    expect(await hasTracker(before1)).toBe(false);
    const db = await copyOf(before1);
    expect(coddCluster.databases(db)).toHaveLength(2);
    const trace = await run(bootFixed, db, OWNER);
    expect(failure(trace)).toEqual(['42P04', '2024-06-01-08-00-00-bootstrap.sql', 12, false]);
    expect(trace.failure?.error.message).toMatch(/^database "orders" already exists \(on the server under test: migtest_\S+__orders_[0-9a-f]{6}\)$/);
  });

  it('a run from block 1 of a copy records the bootstrap it holds in memory, with block 1', async () => {
    const db = await copyOf(await stateBefore(bootFixed, 1, OWNER));
    expect((await run(bootFixed, db, { ...OWNER, from: 1 })).ok).toBe(true);
    expect(await tracker(db)).toHaveLength(3);
  });

  it('replays the first statements of a bootstrap block on the case objects, as the fault check needs', async () => {
    const db = await server.createDatabase();
    const plan = codd.plan(bootFixed, OWNER.runnerOptions);
    await codd.replay!(plan, db, plan.blocks[0]!, 2);
    expect(coddCluster.databases(db)).toHaveLength(2);
    expect(await sql(db, `SELECT pg_get_userbyid(datdba) AS owner FROM pg_database WHERE datname = current_database()`)).toEqual([{ owner: 'orders_owner' }]);
    expect(await hasTracker(db)).toBe(false);
  });
});
