// The files runner model against a real PostgreSQL: its tracker rows, what a later run skips, the
// advisory lock, the gap between a file and its row (record=after-file), and what the checks make of it.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runChecks } from '../../src/index.js';
import { loadSet } from '../../src/migrations/load.js';
import type { MigrationSet } from '../../src/migrations/types.js';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { files } from '../../src/runners/files/model.js';
import type { RunOptions, RunnerOptions, Trace } from '../../src/runners/types.js';
import { migtest, ROOT } from '../helpers/cli.js';
import { sql } from '../helpers/db.js';

const STORY = path.join(ROOT, 'migrations-under-test/files-after-file');
const RACE = path.join(ROOT, 'migrations-under-test/replica-race/fixed');

let server: Server;
let broken: MigrationSet;
const scratch = mkdtempSync(path.join(tmpdir(), 'migtest-files-'));

beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
  broken = await loadSet(path.join(STORY, 'broken'), 'files');
});

afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

function run(set: MigrationSet, db: DatabaseHandle, runnerOptions: RunnerOptions = {}, options: RunOptions = {}): Promise<Trace> {
  return files.run(files.plan(set, runnerOptions), db, options);
}

async function rows(db: DatabaseHandle, table = 'public.schema_migrations'): Promise<string[]> {
  return (await sql<{ version: string }>(db, `SELECT version FROM ${table} ORDER BY version`)).map((r) => r.version);
}

async function folder(label: string, contents: Record<string, string>): Promise<MigrationSet> {
  const dir = path.join(scratch, label);
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(contents)) writeFileSync(path.join(dir, name), text);
  return loadSet(dir, 'files');
}

const FILES = ['000001_create_plans.up.sql', '000002_seed_plans.up.sql', '000003_create_accounts.up.sql', '000004_create_invoices.up.sql'];

describe('files: tracker rows and skipped files', () => {
  it('records each file by name after it ran, with applied_at, and the next start runs nothing', async () => {
    const db = await server.createDatabase();
    const first = await run(broken, db);
    expect(first.ok).toBe(true);
    // A block per file and one per row.
    expect(first.blocks.map((b) => (b.block.record ? `row ${b.block.record.name}` : b.block.migrations[0]!.name))).toEqual(FILES.flatMap((f) => [f, `row ${f}`]));
    expect(await rows(db)).toEqual(FILES);
    expect(await sql(db, 'SELECT count(*)::int AS n FROM public.schema_migrations WHERE applied_at IS NOT NULL')).toEqual([{ n: 4 }]);
    const second = await run(broken, db);
    expect(second).toMatchObject({ ok: true, blocks: [] });
    expect(await sql(db, 'SELECT count(*)::int AS n FROM plans')).toEqual([{ n: 2 }]);
  });

  it('key=version records the leading number; tracker=<schema.table> makes the schema and the table there', async () => {
    const db = await server.createDatabase();
    expect((await run(broken, db, { key: 'version', tracker: 'ops.applied_files' })).ok).toBe(true);
    expect(await rows(db, 'ops.applied_files')).toEqual(['000001', '000002', '000003', '000004']);
    expect(await sql(db, "SELECT to_regclass('public.schema_migrations') IS NULL AS none")).toEqual([{ none: true }]);
  });

  it('skips exactly the files whose key is recorded, whatever their order', async () => {
    const db = await server.createDatabase();
    await sql(db, 'CREATE TABLE schema_migrations (version text primary key, applied_at timestamptz default now())');
    // Recorded by an earlier release: the seed ran then, and must not run again.
    await sql(db, "CREATE TABLE plans (code text PRIMARY KEY, name text NOT NULL, price_cents integer NOT NULL); INSERT INTO plans VALUES ('free', 'Free', 0), ('team', 'Team', 2900)");
    await sql(db, "INSERT INTO schema_migrations (version) VALUES ('000001_create_plans.up.sql'), ('000002_seed_plans.up.sql')");
    const trace = await run(broken, db);
    expect(trace.ok).toBe(true);
    expect(trace.blocks.filter((b) => !b.block.record).map((b) => b.block.migrations[0]!.name)).toEqual(FILES.slice(2));
    expect(await rows(db)).toEqual(FILES);
  });

  it('tracker=none keeps no table and runs every file at every start: the plain seed fails the second start', async () => {
    const db = await server.createDatabase();
    expect((await run(broken, db, { tracker: 'none' })).ok).toBe(true);
    expect(await sql(db, "SELECT to_regclass('public.schema_migrations') IS NULL AS none")).toEqual([{ none: true }]);
    const second = await run(broken, db, { tracker: 'none' });
    expect(second.failure).toMatchObject({ error: { sqlstate: '23505' }, statement: { line: 2 } });
    expect(second.failure?.statement?.file).toMatch(/000002_seed_plans\.up\.sql$/);
  });
});

describe('files: record=after-file and record=with-file', () => {
  it('after-file: a stop between a file and its row leaves the file applied and unrecorded, and the next start runs it again (23505)', async () => {
    const plan = files.plan(broken, { record: 'after-file' });
    const row = plan.blocks.findIndex((b) => b.record?.name === '000002_seed_plans.up.sql');
    expect(row).toBe(3);
    const db = await server.createDatabase();
    expect((await files.run(plan, db, { until: row })).ok).toBe(true);
    expect(await sql(db, 'SELECT count(*)::int AS n FROM plans')).toEqual([{ n: 2 }]);
    expect(await rows(db)).toEqual(FILES.slice(0, 1));
    const next = await files.run(plan, db);
    expect(next.failure).toMatchObject({ error: { sqlstate: '23505' }, statement: { line: 2 } });
  });

  it('after-file: a fault before the row (a block of its own) fails the run after the file committed', async () => {
    const plan = files.plan(broken, { record: 'after-file' });
    const db = await server.createDatabase();
    const trace = await files.run(plan, db, { faults: [{ kind: 'terminate', block: 3, at: 0 }] });
    expect(trace.failure).toMatchObject({ faulted: true, error: { sqlstate: '57P01' } });
    expect(await sql(db, 'SELECT count(*)::int AS n FROM plans')).toEqual([{ n: 2 }]);
    expect(await rows(db)).toEqual(FILES.slice(0, 1));
  });

  it('with-file: the row is written before the file\'s COMMIT, so a fault at the end of the file leaves neither', async () => {
    const plan = files.plan(broken, { record: 'with-file' });
    expect(plan.blocks.map((b) => b.rule)).toEqual(['in-txn', 'in-txn', 'in-txn', 'in-txn']);
    const db = await server.createDatabase();
    const trace = await files.run(plan, db, { faults: [{ kind: 'error', block: 1, at: 1, sqlstate: 'P0001' }] });
    expect(trace.failure).toMatchObject({ faulted: true, error: { sqlstate: 'P0001' } });
    expect(await sql(db, 'SELECT count(*)::int AS n FROM plans')).toEqual([{ n: 0 }]);
    expect(await rows(db)).toEqual(FILES.slice(0, 1));
    expect((await files.run(plan, db)).ok).toBe(true);
    expect(await rows(db)).toEqual(FILES);
  });

  it('transaction=per-file wraps a file in BEGIN/COMMIT: a one-statement CREATE INDEX CONCURRENTLY fails with 25001, while transaction=none sends it alone', async () => {
    const set = await folder('cic', {
      '001_t.up.sql': 'CREATE TABLE IF NOT EXISTS t (id int);\n',
      '002_t_id.up.sql': 'CREATE INDEX CONCURRENTLY IF NOT EXISTS t_id_idx ON t (id);\n',
    });
    const alone = await run(set, await server.createDatabase());
    expect(alone.ok).toBe(true);
    const wrapped = await run(set, await server.createDatabase(), { transaction: 'per-file' });
    expect(wrapped.failure?.error.sqlstate).toBe('25001');
  });
});

/** Whether a backend other than `self` holds the advisory lock with bigint key `key`. */
async function lockHolders(client: pg.Client, key: number): Promise<number> {
  const { rows } = await client.query<{ n: number }>(
    "SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0 AND objid = $1 AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
    [key],
  );
  return rows[0]!.n;
}

describe('files: lock=advisory', () => {
  it('holds pg_advisory_lock(lock-key) on the runner\'s connection while the files run, and not after', async () => {
    const set = await folder('lock', {
      '001_locks.up.sql': 'CREATE TABLE IF NOT EXISTS seen_locks (n int);\n',
      // Runs on the runner's connection: the lock it holds is visible to it.
      '002_seen.up.sql':
        "INSERT INTO seen_locks SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = 4242 AND objsubid = 1 AND pid = pg_backend_pid();\n",
    });
    const db = await server.createDatabase();
    expect((await run(set, db, { lock: 'advisory', 'lock-key': '4242' })).ok).toBe(true);
    expect(await sql(db, 'SELECT n FROM seen_locks')).toEqual([{ n: 1 }]);
    const other = await db.connect();
    try {
      expect(await lockHolders(other, 4242)).toBe(0);
    } finally {
      await other.end();
    }
  });

  it('waits for a lock another replica holds before it reads or makes its tracker, and runs once it is released', async () => {
    const db = await server.createDatabase();
    const replica = await db.connect();
    try {
      await replica.query('SELECT pg_advisory_lock(4242)');
      const running = run(broken, db, { lock: 'advisory', 'lock-key': '4242' });
      // The runner's backend waits on the advisory lock: a real lock wait, seen from outside.
      let waiting = 0;
      for (let i = 0; i < 100 && waiting === 0; i++) {
        const { rows } = await replica.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'",
        );
        waiting = rows[0]!.n;
        if (waiting === 0) await new Promise((resolve) => setTimeout(resolve, 50));
      }
      expect(waiting).toBe(1);
      expect((await replica.query("SELECT to_regclass('public.schema_migrations') IS NULL AS none")).rows).toEqual([{ none: true }]);
      await replica.query('SELECT pg_advisory_unlock(4242)');
      expect((await running).ok).toBe(true);
      expect(await rows(db)).toEqual(FILES);
    } finally {
      await replica.end();
    }
  });
});

describe('files: bad options on the command line', () => {
  it('exit 2 before any server starts, with the fix, and the file when a file is the cause', async () => {
    const bad = await migtest(['check', path.join(STORY, 'broken'), '--runner', 'files', '--runner-option', 'record=before-file']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('record=before-file is not one of after-file, with-file');
    expect(bad.stderr).toContain('fix: write record=after-file or record=with-file');
    const dir = path.join(scratch, 'unnumbered');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, '001_a.up.sql'), 'SELECT 1;\n');
    writeFileSync(path.join(dir, 'seed.up.sql'), 'SELECT 2;\n');
    const unnumbered = await migtest(['check', dir, '--runner', 'files', '--runner-option', 'key=version']);
    expect(unnumbered.code).toBe(2);
    expect(unnumbered.stderr).toContain(`${path.join(dir, 'seed.up.sql')}: seed.up.sql has no leading number`);
  });
});

describe('files: what the checks find', () => {
  const check = (dir: string, runnerOptions: RunnerOptions) =>
    runChecks({ dir, runner: 'files', runnerOptions, checks: ['fresh', 'twice', 'resume', 'fault'], postgres: [17], provider: 'embedded', options: { exhaustive: true } });

  it('files-after-file/broken: resume and fault find the seed run again after the crash between file and row', async () => {
    const report = await check(path.join(STORY, 'broken'), { record: 'after-file' });
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['fresh', 'pass'],
      ['twice', 'skip'],
      ['resume', 'fail'],
      ['fault', 'fail'],
    ]);
    for (const name of ['resume', 'fault']) {
      const findings = report.checks.find((c) => c.name === name)!.findings;
      expect(findings).toHaveLength(1);
      expect(findings[0]).toMatchObject({ sqlstate: '23505', line: 2 });
      expect(findings[0]!.file).toMatch(/broken\/000002_seed_plans\.up\.sql$/);
    }
    expect(report.checks.find((c) => c.name === 'resume')!.findings[0]!.message).toContain('crash after migration 2');
  });

  it('files-after-file/fixed under record=with-file, and replica-race/fixed under its lock: every check passes', async () => {
    for (const [dir, options] of [
      [path.join(STORY, 'fixed'), { record: 'with-file' }],
      [RACE, { lock: 'advisory', 'lock-key': '4242' }],
    ] as const) {
      const report = await check(dir, options);
      expect(report.checks.map((c) => [c.name, c.status, c.findings.length])).toEqual([
        ['fresh', 'pass', 0],
        ['twice', 'skip', 0],
        ['resume', 'pass', 0],
        ['fault', 'pass', 0],
      ]);
    }
  });

  it('tracker=none: twice runs (every file at every start) and finds the seed', async () => {
    const report = await runChecks({ dir: path.join(STORY, 'broken'), runner: 'files', runnerOptions: { tracker: 'none' }, checks: ['twice'], postgres: [17], provider: 'embedded', options: {} });
    const twice = report.checks[0]!;
    expect(twice.status).toBe('fail');
    expect(twice.findings[0]).toMatchObject({ sqlstate: '23505', line: 2 });
  });
});
