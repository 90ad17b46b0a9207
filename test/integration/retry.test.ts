import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSet } from '../../src/migrations/load.js';
import { initParser } from '../../src/migrations/split.js';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { States } from '../../src/checks/states.js';
import { rulesOf, scheduleArbitrary, toFault, type PlannedFault, type RetryCase } from '../../src/checks/retry.js';
import { codd } from '../../src/runners/codd/model.js';
import { golangMigrate } from '../../src/runners/golang-migrate/model.js';
import { rerunAll } from '../../src/runners/rerun-all/model.js';
import { parseRetryPolicy, VirtualClock, type RetryPolicy } from '../../src/runners/retry.js';
import type { RunnerModel, Trace } from '../../src/runners/types.js';
import { ROOT } from '../helpers/cli.js';

// Every run here is on a real PostgreSQL 17, with faults injected by the server itself, on a
// virtual clock: no test sleeps through a policy's waits.

const SETS = path.join(ROOT, 'migrations-under-test');
const CODD_DEFAULT = parseRetryPolicy('max 2 backoff exponential 1s');
const scratch = mkdtempSync(path.join(tmpdir(), 'migtest-retry-'));
let server: Server;
const opened: States[] = [];

beforeAll(async () => {
  await initParser();
  server = await startEmbedded({ major: 17 });
});

afterAll(async () => {
  for (const states of opened) await states.close().catch(() => undefined);
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

/** The states of a set under a model; `retry` null: no policy at all. */
async function statesOf(dir: string, model: RunnerModel, retry: RetryPolicy | null = CODD_DEFAULT, runnerOptions: Record<string, string> = {}): Promise<States> {
  const set = await loadSet(dir, model.format);
  const states = new States(server, model, model.plan(set, runnerOptions), { runnerOptions, ...(retry ? { retry } : {}) });
  opened.push(states);
  return states;
}

/** A set of its own, written to a scratch folder. */
async function setOf(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(path.join(dir, file), text);
  return dir;
}

async function query<T>(db: DatabaseHandle, sql: string): Promise<T[]> {
  const client = new pg.Client({ ...db.config, database: db.name });
  await client.connect();
  try {
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Runs faults on a copy of the state before the first faulted block, under the policy, on a clock of the test's own. */
async function runCase(states: States, faults: PlannedFault[], retry = states.settings.retry) {
  const from = Math.min(...faults.map((f) => f.block));
  const db = await states.copy(await states.before(from));
  const clock = new VirtualClock();
  const trace = await states.run(db, { from, faults: faults.map(toFault), clock, retry });
  return { db, trace, clock };
}

const f = (block: number, at: number, kind: PlannedFault['kind'], times: number): PlannedFault => ({ block, at, kind, times });

/** The tries of each block as the trace records them. */
function tries(trace: Trace): Record<number, { tries?: number; waitsMs?: number[]; statements?: unknown }> {
  return Object.fromEntries(
    trace.blocks.map((b) => [
      b.block.index,
      { tries: b.tries, waitsMs: b.waitsMs, ...(b.statementTries?.length ? { statements: b.statementTries.map((s) => [s.statement, s.tries, s.waitsMs]) } : {}) },
    ]),
  );
}

/**
 * What codd must do with these transient faults, worked out here on its own: each try of a unit
 * (an in-txn block, or a statement of a no-txn block: these sets have no explicit BEGIN) fails at
 * its first fault with firings left; a lost connection ends the run; 3 tries.
 */
function coddExpects(states: States, faults: PlannedFault[]): { ok: boolean; units: [number, number | null, number, number[]][] } {
  const units = new Map<string, PlannedFault[]>();
  for (const fault of [...faults].sort((a, b) => a.block - b.block || a.at - b.at)) {
    const statement = states.plan.blocks[fault.block]!.rule === 'no-txn' ? fault.at : null;
    const key = `${fault.block}:${statement}`;
    units.set(key, [...(units.get(key) ?? []), fault]);
  }
  const out: [number, number | null, number, number[]][] = [];
  for (const [key, list] of units) {
    const [block, statement] = key.split(':');
    const firings = list.flatMap((x) => Array<PlannedFault['kind']>(x.times).fill(x.kind));
    const lost = firings.indexOf('lost');
    const failures = Math.min(firings.length, 3, lost >= 0 ? lost + 1 : Infinity);
    const ended = failures === 3 || (lost >= 0 && failures === lost + 1);
    out.push([Number(block), statement === 'null' ? null : Number(statement), ended ? failures : failures + 1, [1000, 2000].slice(0, ended ? failures - 1 : failures)]);
    if (ended) return { ok: false, units: out };
  }
  return { ok: true, units: out };
}

function coddObserved(trace: Trace): [number, number | null, number, number[]][] {
  return trace.blocks.flatMap((b): [number, number | null, number, number[]][] =>
    b.block.rule === 'no-txn'
      ? (b.statementTries ?? []).map((s) => [b.block.index, s.statement, s.tries, s.waitsMs])
      : (b.tryErrors ?? []).length > 0
        ? [[b.block.index, null, b.tries!, b.waitsMs!]]
        : [],
  );
}

describe('codd retries, property-based (codd-retry/fixed: an in-txn block, a no-txn migration of 3 statements, an in-txn block)', () => {
  let states: States;
  beforeAll(async () => {
    states = await statesOf(path.join(SETS, 'codd-retry/fixed'), codd);
  });

  it('the run succeeds iff every unit fails fewer times than its 3 tries; the tries and waits are the policy\'s, exactly; a run that succeeds ends in the fresh state', async () => {
    const fresh = await states.fresh();
    const rules = rulesOf(codd, CODD_DEFAULT);
    // fc.assert prints the seed, the path and the shrunk schedule of a failure; MIGTEST_SEED and
    // MIGTEST_PATH replay exactly that schedule.
    await fc.assert(
      fc.asyncProperty(scheduleArbitrary(states.plan.blocks, rules), async (c: RetryCase) => {
        const { db, trace, clock } = await runCase(states, c.faults);
        try {
          const expected = coddExpects(states, c.faults);
          expect(trace.ok).toBe(expected.ok);
          expect(coddObserved(trace)).toEqual(expected.units);
          expect(clock.waits).toEqual(expected.units.flatMap((u) => u[3]));
          expect(trace.retry).toEqual({ policy: 'max 2 backoff exponential 1s', waitedMs: clock.now() });
          if (trace.ok) expect((await states.hash(db)).all).toBe(fresh.hash.all);
        } finally {
          await states.drop(db);
        }
      }),
      {
        numRuns: 30,
        ...(process.env.MIGTEST_SEED ? { seed: Number(process.env.MIGTEST_SEED) } : {}),
        ...(process.env.MIGTEST_PATH ? { path: process.env.MIGTEST_PATH, endOnFailure: true } : {}),
      },
    );
  });

  it('two in-txn blocks that each fail 2 times (tries - 1) both get through: the counter starts over for each block', async () => {
    const { db, trace, clock } = await runCase(states, [f(0, 0, '40001', 2), f(2, 1, '40P01', 2)]);
    expect(trace.ok).toBe(true);
    expect(tries(trace)).toEqual({
      0: { tries: 3, waitsMs: [1000, 2000] },
      1: { tries: 1, waitsMs: [] },
      2: { tries: 3, waitsMs: [1000, 2000] },
    });
    expect(trace.blocks[0]!.tryErrors).toEqual(['40001', '40001']);
    expect(trace.blocks[2]!.tryErrors).toEqual(['40P01', '40P01']);
    expect(clock.waits).toEqual([1000, 2000, 1000, 2000]);
    expect((await states.hash(db)).all).toBe((await states.fresh()).hash.all);
  });

  it('two statements of a no-txn migration that each fail 2 times both get through: the counter starts over for each statement', async () => {
    const { db, trace, clock } = await runCase(states, [f(1, 0, '40001', 2), f(1, 1, '40P01', 2), f(1, 2, '40001', 1)]);
    expect(trace.ok).toBe(true);
    expect(tries(trace)[1]).toEqual({
      tries: 6,
      waitsMs: [1000, 2000, 1000, 2000, 1000],
      statements: [
        [0, 3, [1000, 2000]],
        [1, 3, [1000, 2000]],
        [2, 2, [1000]],
      ],
    });
    expect(clock.waits).toEqual([1000, 2000, 1000, 2000, 1000]);
    expect((await states.hash(db)).all).toBe((await states.fresh()).hash.all);
  });

  it('one in-txn block that fails 3 times fails the run after 3 tries, and leaves the state from before the block with no record of it', async () => {
    const { db, trace, clock } = await runCase(states, [f(2, 1, '40001', 3)]);
    expect(trace.ok).toBe(false);
    expect(trace.failure).toMatchObject({ faulted: true, error: { sqlstate: '40001' } });
    expect(tries(trace)[2]).toEqual({ tries: 3, waitsMs: [1000, 2000] });
    expect(clock.waits).toEqual([1000, 2000]);
    // A state before a block is hashed raw only when kept; its canonical hashes on demand.
    const before = await states.before(2);
    await states.canonical(before);
    expect((await states.hash(db)).schemaData).toBe(before.hash.schemaData);
    expect(await query(db, `SELECT name FROM codd.sql_migrations WHERE name LIKE '%refunds%'`)).toEqual([]);
  });

  it('one no-txn statement that fails 3 times fails the run; the statements before it stay, and codd records how many', async () => {
    const { db, trace } = await runCase(states, [f(1, 2, '40P01', 3)]);
    expect(trace.ok).toBe(false);
    expect(tries(trace)[1]).toEqual({ tries: 3, waitsMs: [1000, 2000], statements: [[2, 3, [1000, 2000]]] });
    expect((await states.hash(db)).schemaData).toBe((await states.partial(1, 2)).hash.schemaData);
    expect(await query(db, `SELECT num_applied_statements AS n, no_txn_failed_at IS NOT NULL AS failed FROM codd.sql_migrations WHERE name LIKE '%order-indexes%'`)).toEqual([
      { n: 2, failed: true },
    ]);
  });

  it('a lost connection is not retried: codd cannot go on on a dead connection, and the run ends at once, without waiting', async () => {
    const { trace, clock } = await runCase(states, [f(0, 2, 'lost', 1)]);
    expect(trace.ok).toBe(false);
    expect(tries(trace)[0]).toEqual({ tries: 1, waitsMs: [] });
    expect(clock.waits).toEqual([]);
    const noTxn = await runCase(states, [f(1, 1, '40001', 1), f(1, 2, 'lost', 1)]);
    expect(noTxn.trace.ok).toBe(false);
    expect(tries(noTxn.trace)[1]).toMatchObject({ statements: [[1, 2, [1000]], [2, 1, []]] });
    expect(noTxn.clock.waits).toEqual([1000]);
  });
});

describe('codd retries, explicit transactions and COMMIT errors', () => {
  it('a failure inside an explicit BEGIN of a no-txn migration resumes at that BEGIN, and the tries of every failure inside it count together', async () => {
    const dir = await setOf('begin', {
      '2024-01-01-00-00-00-table.sql': 'CREATE TABLE audit (n int);\n',
      '2024-01-02-00-00-00-backfill.sql':
        '-- codd: no-txn\nINSERT INTO audit VALUES (0);\nBEGIN;\nINSERT INTO audit VALUES (1);\nINSERT INTO audit VALUES (2);\nCOMMIT;\nINSERT INTO audit VALUES (3);\n',
    });
    const states = await statesOf(dir, codd);
    // Statements: 0 INSERT 0, 1 BEGIN, 2 INSERT 1, 3 INSERT 2, 4 COMMIT, 5 INSERT 3.
    const passed = await runCase(states, [f(1, 2, '40001', 1), f(1, 3, '40P01', 1)]);
    expect(passed.trace.ok).toBe(true);
    expect(tries(passed.trace)[1]).toMatchObject({ statements: [[1, 3, [1000, 2000]]] });
    expect(await query(passed.db, 'SELECT n FROM audit ORDER BY n')).toEqual([0, 1, 2, 3].map((n) => ({ n })));

    const failed = await runCase(states, [f(1, 3, '40001', 3)]);
    expect(failed.trace.ok).toBe(false);
    expect(tries(failed.trace)[1]).toMatchObject({ statements: [[1, 3, [1000, 2000]]] });
    expect(await query(failed.db, 'SELECT n FROM audit ORDER BY n')).toEqual([{ n: 0 }]);
    expect(await query(failed.db, `SELECT num_applied_statements AS n FROM codd.sql_migrations WHERE name LIKE '%backfill%'`)).toEqual([{ n: 1 }]);
  });

  it('an error from COMMIT is retried like any other: a deferred trigger that fails the first COMMIT with 40001', async () => {
    const dir = await setOf('commit', {
      '2024-01-01-00-00-00-schema.sql': `CREATE SEQUENCE commit_attempts;
CREATE TABLE payments (id int PRIMARY KEY);
CREATE FUNCTION fail_first_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF nextval('commit_attempts') = 1 THEN
    RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = 'could not serialize access (the first COMMIT)';
  END IF;
  RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER payments_commit AFTER INSERT ON payments DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION fail_first_commit();
`,
      '2024-01-02-00-00-00-analyze.sql': '-- codd: no-txn\nANALYZE payments;\n',
      '2024-01-03-00-00-00-seed.sql': 'INSERT INTO payments VALUES (1);\n',
    });
    const states = await statesOf(dir, codd);
    const db = await states.copy(await states.before(2));
    const once = await states.run(db, { from: 2, retry: undefined });
    // Without retries: the COMMIT itself fails (failedAt = the block's length: after its statements).
    expect(once.failure).toMatchObject({ error: { sqlstate: '40001' } });
    expect(once.blocks[0]).toMatchObject({ failedAt: 1 });
    await states.drop(db);

    const retried = await states.copy(await states.before(2));
    const clock = new VirtualClock();
    const trace = await states.run(retried, { from: 2, clock });
    expect(trace.ok).toBe(true);
    expect(trace.blocks[0]).toMatchObject({ tries: 2, waitsMs: [1000], tryErrors: ['40001'] });
    expect(clock.waits).toEqual([1000]);
    expect(await query(retried, 'SELECT id FROM payments')).toEqual([{ id: 1 }]);
  });
});

describe('ack-lost', () => {
  it('codd: a no-txn INSERT commits and the connection drops; codd records nothing, and the next run inserts the batch again', async () => {
    const states = await statesOf(path.join(SETS, 'codd-ack-lost/broken'), codd);
    const { db, trace } = await runCase(states, [f(1, 0, 'ack-lost', 1)]);
    expect(trace.ok).toBe(false);
    expect(trace.failure?.error.message).toContain('(ack lost)');
    expect(trace.blocks[0]).toMatchObject({ durable: 1, failedAt: 0, faulted: true });
    expect(await query(db, `SELECT count(*)::int AS n FROM credit_grants`)).toEqual([{ n: 2 }]);
    expect(await query(db, `SELECT name FROM codd.sql_migrations WHERE name LIKE '%launch-credit%'`)).toEqual([]);
    const next = await states.run(db);
    expect(next.ok).toBe(true);
    expect(await query(db, `SELECT count(*)::int AS n FROM credit_grants`)).toEqual([{ n: 5 }]);
  });

  it('codd: the COMMIT of an in-txn block commits its records too, so the next run has nothing to do', async () => {
    const states = await statesOf(path.join(SETS, 'codd-ack-lost/broken'), codd);
    const commit = states.plan.blocks[0]!.statements.length;
    const { db, trace } = await runCase(states, [f(0, commit, 'ack-lost', 1)]);
    expect(trace.ok).toBe(false);
    expect(trace.blocks[0]).toMatchObject({ durable: commit, failedAt: commit, tries: 1 });
    expect(await query(db, `SELECT count(*)::int AS n FROM codd.sql_migrations`)).toEqual([{ n: 1 }]);
  });
});

describe('a supervisor that runs a tool without retries again (--retry on other runner models)', () => {
  const policy = parseRetryPolicy('max 3 backoff constant 5s');

  it('rerun-all: a restart runs every file again; the try counter belongs to the file the boot failed at', async () => {
    const states = await statesOf(path.join(SETS, 'duplicate-rows/fixed'), rerunAll, policy);
    const { db, trace, clock } = await runCase(states, [f(1, 0, '40001', 1), f(2, 0, '40P01', 3)]);
    expect(trace.ok).toBe(true);
    expect(tries(trace)).toEqual({
      0: { tries: 1, waitsMs: [] },
      1: { tries: 2, waitsMs: [5000] },
      2: { tries: 4, waitsMs: [5000, 5000, 5000] },
    });
    expect(trace.retry).toEqual({ policy: 'max 3 backoff constant 5s', waitedMs: 20000, runs: 5 });
    expect(clock.waits).toEqual([5000, 5000, 5000, 5000]);
    expect((await states.hash(db)).all).toBe((await states.fresh()).hash.all);

    const exhausted = await runCase(states, [f(2, 1, 'lost', 4)]);
    expect(exhausted.trace.ok).toBe(false);
    expect(tries(exhausted.trace)[2]).toEqual({ tries: 4, waitsMs: [5000, 5000, 5000] });
  });

  it('rerun-all: a lost ack on a seed without ON CONFLICT makes the restart insert its rows again', async () => {
    const states = await statesOf(path.join(SETS, 'duplicate-rows/broken'), rerunAll, policy);
    // The seed is one statement, so its file is a no-txn block: the lost ack is that of statement 1.
    const { db, trace } = await runCase(states, [f(2, 0, 'ack-lost', 1)]);
    expect(trace.ok).toBe(true);
    expect(trace.retry?.runs).toBe(2);
    expect(await query(db, `SELECT count(*)::int AS n FROM notification_templates`)).toEqual([{ n: 6 }]);
  });

  it('golang-migrate: the restart is refused, the failed run left a dirty version; with transactions=true it gets through', async () => {
    const dirty = await statesOf(path.join(SETS, 'golang-migrate-dirty/fixed'), golangMigrate, policy);
    const refused = await runCase(dirty, [f(1, 0, '40001', 1)]);
    expect(refused.trace.ok).toBe(false);
    expect(refused.trace.refusal?.message).toBe('Dirty database version 2. Fix and force version.');
    expect(refused.clock.waits).toEqual([5000]);

    const clean = await statesOf(path.join(SETS, 'golang-migrate-dirty/fixed'), golangMigrate, policy, { transactions: 'true' });
    const passed = await runCase(clean, [f(1, 0, '40001', 2)]);
    expect(passed.trace.ok).toBe(true);
    expect(tries(passed.trace)[1]).toEqual({ tries: 3, waitsMs: [5000, 5000] });
  });

  it('without a policy nothing is retried, and the trace is what it always was (no tries recorded)', async () => {
    const states = await statesOf(path.join(SETS, 'duplicate-rows/fixed'), rerunAll, null);
    const { trace, clock } = await runCase(states, [f(1, 0, '40001', 1)], undefined);
    expect(trace.ok).toBe(false);
    expect(trace.blocks[0]!.tries).toBeUndefined();
    expect(trace.retry).toBeUndefined();
    expect(clock.waits).toEqual([]);
  });
});
