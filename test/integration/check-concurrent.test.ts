import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { sharedServer } from '../helpers/shared-server.js';
import type { CheckResult } from '../../src/checks/types.js';
import { asReplica, installGate } from '../../src/checks/concurrent/gate.js';
import { interleave } from '../../src/checks/concurrent/interleave.js';
import type { Trace } from '../../src/runners/types.js';

// Check concurrent against a real server: replicas that boot at once, interleaved by a seeded
// scheduler, with commits held in SyncRep and lock waits read from pg_blocking_pids.

const shared = sharedServer();
const plainQuery = pg.Client.prototype.query;
const plainConnect = pg.Client.prototype.connect;
const BROKEN = join(ROOT, 'migrations-under-test/replica-race/broken');

async function concurrent(dir: string, runner: string, options: Record<string, unknown>, retry?: string): Promise<CheckResult> {
  const report = await shared.run({ dir, runner, checks: ['concurrent'], options, runnerOptions: {}, ...(retry ? { retry } : {}) });
  return report.checks.find((c) => c.name === 'concurrent')!;
}

/** What must be equal between two runs of one seed. */
function verdict(result: CheckResult): unknown {
  return { status: result.status, findings: result.findings.map((f) => ({ ...f, message: f.message, detail: f.detail, reproduce: f.reproduce })) };
}

describe('check concurrent', () => {
  it('finds two replicas racing on CREATE TABLE IF NOT EXISTS, shrunk to two decisions, with the command that replays it', async () => {
    const result = await concurrent(BROKEN, 'rerun-all', { seed: 1 });
    expect(result.status).toBe('fail');
    expect(result.details).toMatchObject({ replicas: 2, commitsHeld: true });
    expect(result.findings).toHaveLength(1);
    const [finding] = result.findings;
    expect(finding).toMatchObject({ check: 'concurrent', sqlstate: '23505', line: 1, column: 1 });
    expect(finding!.file).toMatch(/replica-race\/broken\/000001_create_tenants\.up\.sql$/);
    expect(finding!.message).toContain('pg_type_typname_nsp_index');
    expect(finding!.message).toMatch(/^replica 2 of 2 that start at once on an empty database fails/);
    expect(finding!.case).toMatchObject({ start: 0, choices: [0, 1] });
    expect(String((finding!.case as { interleaving: string }).interleaving)).toMatch(/^1s 2s 1c /);
    expect(finding!.detail).toContain('2. replica 2 sends: CREATE TABLE IF NOT EXISTS tenants (');
    expect(finding!.hint).toMatch(/pg_advisory_lock/);
    const path = /--seed 1 --path ([\d:]+)$/.exec(finding!.reproduce)?.[1];
    expect(path).toBeDefined();

    // Same seed, same verdict; the printed path replays the same finding.
    expect(verdict(await concurrent(BROKEN, 'rerun-all', { seed: 1 }))).toEqual(verdict(result));
    const replayed = await concurrent(BROKEN, 'rerun-all', { seed: 1, path });
    expect(replayed.findings.map((f) => [f.file, f.line, f.sqlstate, f.case])).toEqual([[finding!.file, 1, '23505', finding!.case]]);
  });

  it('puts the server settings back, node-postgres as it was, and leaves no database of its own', async () => {
    expect(pg.Client.prototype.query).toBe(plainQuery);
    expect(pg.Client.prototype.connect).toBe(plainConnect);
    const server = shared.server();
    const db = await server.createDatabase();
    try {
      const client = await db.connect();
      try {
        const { rows } = await client.query<{ name: string }>(
          "SELECT name FROM pg_catalog.pg_file_settings WHERE sourcefile LIKE '%postgresql.auto.conf'",
        );
        expect(rows).toEqual([]);
        expect((await client.query('SHOW synchronous_standby_names')).rows[0]).toEqual({ synchronous_standby_names: '' });
        const databases = await client.query<{ n: string }>("SELECT count(*) AS n FROM pg_catalog.pg_database WHERE datname NOT IN ('postgres', 'template0', 'template1', $1)", [db.name]);
        expect(Number(databases.rows[0]!.n)).toBe(0);
      } finally {
        await client.end();
      }
    } finally {
      await server.dropDatabase(db.name);
    }
  });

  it('runs three replicas, and every starting state with --exhaustive: one finding per racing file', async () => {
    const result = await concurrent(BROKEN, 'rerun-all', { exhaustive: true, replicas: 3 });
    expect(result.status).toBe('fail');
    // 4 starting states (empty, after each of the first three files) × 3 fixed interleavings.
    expect(result.cases).toBe(12);
    // From each starting state the first file still to run races: one finding per file, its CREATE TABLE.
    expect(result.findings.map((f) => [f.file!.replace(/.*\//, ''), f.line, f.sqlstate])).toEqual([
      ['000001_create_tenants.up.sql', 1, '23505'],
      ['000002_create_certificates.up.sql', 1, '23505'],
      ['000003_create_notification_channels.up.sql', 1, '23505'],
      ['000004_create_audit_events.up.sql', 1, '23505'],
    ]);
    expect(result.findings[0]!.message).toMatch(/of 3 that start at once on an empty database/);
    expect(result.findings[1]!.message).toMatch(/of 3 that start at once on the state after .*000001_create_tenants\.up\.sql/);
    expect(result.findings[0]!.reproduce).toMatch(/--checks concurrent --pg 17 --exhaustive --replicas 3$/);
  });

  it("passes a set whose tool locks its runs: the second replica waits on the first's advisory lock, then has nothing to do", async () => {
    const result = await concurrent(join(ROOT, 'migrations-under-test/golang-migrate-dirty/fixed'), 'golang-migrate', { seed: 7, runs: 4 });
    expect(result.findings).toEqual([]);
    expect(result.status).toBe('pass');
    expect(result.cases).toBeGreaterThan(0);
    expect(result.details).toMatchObject({ commitsHeld: true, lock: expect.stringContaining('pg_advisory_lock') });
  });

  it("finds the deadlock of a CONCURRENTLY index with the other replica's wait for the tool's lock, at the CIC, the same in every run of a seed", async () => {
    const broken = join(ROOT, 'migrations-under-test/golang-migrate-replica-index/broken');
    const first = await concurrent(broken, 'golang-migrate', { seed: 3 });
    expect(first.status).toBe('fail');
    expect(first.findings).toHaveLength(1);
    // The lock is taken on the connection the run migrates on, as the tool does: the server sees the
    // cycle (on a connection of its own, the CIC would wait forever and be cancelled: 57014).
    expect(first.findings[0]).toMatchObject({ sqlstate: '40P01', line: 2 });
    expect(first.findings[0]!.file).toMatch(/000002_sessions_by_account\.up\.sql$/);
    expect(first.findings[0]!.detail).toMatch(/virtual transaction[\s\S]*advisory lock/);
    expect(first.findings[0]!.hint).toMatch(/CONCURRENTLY statement waits for every transaction older than it/);
    // The wait for the lock never looks for the deadlock: the CIC's session always finds it.
    const again = await concurrent(broken, 'golang-migrate', { seed: 3 });
    const identity = (r: CheckResult): unknown => r.findings.map((f) => [f.sqlstate, f.file, f.line, f.message, f.case]);
    expect(identity(again)).toEqual(identity(first));
    // Three replicas: a connection the run gave back to the pool (its reset gave the lock back) may
    // serve another replica at once, and is never unlocked again from the first one's side.
    const fixed = await concurrent(join(ROOT, 'migrations-under-test/golang-migrate-replica-index/fixed'), 'golang-migrate', { seed: 3, replicas: 3 });
    expect(fixed.findings).toEqual([]);
    expect(fixed.status).toBe('pass');
    expect(fixed.details).toMatchObject({ replicas: 3 });
  });

  it('finds the race in the tool itself when it takes no lock and creates its tracker at every run', async () => {
    const result = await concurrent(join(ROOT, 'migrations-under-test/dbmate-transaction-false/fixed'), 'dbmate', { seed: 3 });
    expect(result.status).toBe('fail');
    // Its own CREATE TABLE IF NOT EXISTS schema_migrations races first: no file to point at.
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({ file: null, sqlstate: '23505' });
    expect(result.findings[0]!.message).toMatch(/fails in the tool's own statements \(its lock or its tracker\)/);
    expect(result.findings[0]!.hint).toMatch(/the tool takes no lock/);
  });

  it('finds a deadlock between replicas that each read a table, then alter it, in one transaction sent statement by statement', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migtest-concurrent-'));
    try {
      writeFileSync(join(dir, '2024-01-01-00-00-00-create.sql'), 'CREATE TABLE IF NOT EXISTS t (id int);\n');
      writeFileSync(join(dir, '2024-01-02-00-00-00-nt.sql'), '-- codd: no-txn\nSELECT 1;\n');
      writeFileSync(join(dir, '2024-01-03-00-00-00-alter.sql'), 'SELECT count(*) FROM t;\nALTER TABLE t ADD COLUMN IF NOT EXISTS c int;\n');
      // One try: with its default policy codd retries the block the server ended, and gets through.
      const result = await concurrent(dir, 'codd', { exhaustive: true }, 'max 0 backoff constant 1s');
      const deadlock = result.findings.find((f) => f.sqlstate === '40P01');
      expect(deadlock, JSON.stringify(result.findings.map((f) => f.message))).toBeDefined();
      expect(deadlock!.file).toMatch(/2024-01-03-00-00-00-alter\.sql$/);
      expect(deadlock!.line).toBe(2);
      expect(deadlock!.message).toMatch(/deadlock: replica \d of 2 is ended by the server/);
      expect((deadlock!.case as { start: number }).start).toBe(2);
      const withRetries = await concurrent(dir, 'codd', { exhaustive: true });
      expect(withRetries.findings.filter((f) => f.sqlstate === '40P01')).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('cancels a replica that waits forever (on a lock its own other connection holds) and says so', async () => {
    const server = shared.server();
    const db = await server.createDatabase();
    const setup = await db.connect();
    await setup.query('CREATE TABLE t (id int)');
    await setup.end();
    const monitor = await db.connect();
    const removeGate = installGate();
    try {
      const ok: Trace = { blocks: [], ok: true };
      const run = await interleave({
        replicas: 2,
        monitor,
        choices: [],
        stuckMs: 500,
        start: (replica) =>
          asReplica(replica, async () => undefined, db, async (gated) => {
            if (replica.index === 1) {
              const c = await gated.connect();
              await c.query('SELECT 1');
              await c.end();
              return ok;
            }
            const holder = await gated.connect();
            const waiter = await gated.connect();
            try {
              await holder.query('BEGIN');
              await holder.query('LOCK TABLE t IN ACCESS EXCLUSIVE MODE');
              const error = await waiter.query('SELECT count(*) FROM t').then(() => undefined, (e: { code?: string }) => e.code);
              await holder.query('ROLLBACK');
              return error ? { ...ok, ok: false } : ok;
            } finally {
              await holder.end();
              await waiter.end();
            }
          }),
      });
      expect(run.stuck).toHaveLength(1);
      expect(run.stuck[0]).toMatchObject({ replica: 0, message: 'SELECT count(*) FROM t' });
      expect(run.stuck[0]!.blockers).toHaveLength(1);
      expect((run.runs[0] as Trace).ok).toBe(false);
      expect((run.runs[1] as Trace).ok).toBe(true);
      expect(run.steps.map((step) => `${step.replica}${step.action[0]}`)).toContain('0s');
    } finally {
      removeGate();
      await monitor.end();
      await server.dropDatabase(db.name);
    }
  });
});
