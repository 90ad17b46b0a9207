import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import type { Fault } from '../../src/faults/types.js';
import { DOLLAR_QUOTE_SPLIT_NOTE, golangMigrate, naiveSplitBrokeDollarQuote } from '../../src/runners/golang-migrate/model.js';
import type { RunOptions, RunnerOptions, Trace } from '../../src/runners/types.js';

/** A run's options, with the runner options the set is planned under. */
type Options = RunOptions & { runnerOptions?: RunnerOptions };
import { runChecks } from '../../src/index.js';
import { ROOT } from '../helpers/cli.js';
import { sql } from '../helpers/db.js';
import { loadSet } from '../../src/migrations/load.js';
import type { Env, MigrationSet } from '../../src/migrations/types.js';

const loadGolangMigrate = (dir: string, env: Env = {}): Promise<MigrationSet> => loadSet(dir, 'golang-migrate', env);

const STORY = path.join(ROOT, 'migrations-under-test/golang-migrate-dirty');

let server: Server;
let broken: MigrationSet;
let fixed: MigrationSet;
const scratch = mkdtempSync(path.join(tmpdir(), 'migtest-golang-migrate-'));
chmodSync(scratch, 0o755);

beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
  broken = await loadGolangMigrate(path.join(STORY, 'broken'));
  fixed = await loadGolangMigrate(path.join(STORY, 'fixed'));
});

afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});


/** The tracker's rows, as `version:dirty`. */
async function tracker(db: DatabaseHandle): Promise<string[]> {
  const rows = await sql<{ version: string; dirty: boolean }>(db, 'SELECT version, dirty FROM public.schema_migrations');
  return rows.map((r) => `${r.version}:${r.dirty ? 'dirty' : 'clean'}`);
}

async function columns(db: DatabaseHandle, table: string): Promise<string[]> {
  const rows = await sql<{ name: string }>(
    db,
    `SELECT attname AS name FROM pg_attribute WHERE attrelid = to_regclass('public.${table}') AND attnum > 0 AND NOT attisdropped ORDER BY attnum`,
  );
  return rows.map((r) => r.name);
}

async function relations(db: DatabaseHandle): Promise<string[]> {
  const rows = await sql<{ name: string }>(db, `SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'i') ORDER BY 1`);
  return rows.map((r) => r.name);
}

async function run(set: MigrationSet, db: DatabaseHandle, options: Options = {}): Promise<Trace> {
  const { runnerOptions, ...rest } = options;
  return golangMigrate.run(golangMigrate.plan(set, runnerOptions), db, rest);
}

function fault(kind: Fault['kind'], block: number, at: number): Fault {
  return { kind, block, at, sqlstate: 'P0001' };
}

/** A scratch copy of the story's fixed set, without the files `drop` names. */
function copyOfFixed(label: string, drop: (name: string) => boolean = () => false): string {
  const dir = path.join(scratch, label);
  cpSync(path.join(STORY, 'fixed'), dir, { recursive: true, filter: (src) => !drop(path.basename(src)) });
  return dir;
}

describe('golang-migrate: a full run and a second run', () => {
  it('applies every version, leaves one clean row at the last version, and a second run does nothing', async () => {
    const db = await server.createDatabase();
    const first = await run(fixed, db);
    expect(first.ok).toBe(true);
    expect(first.blocks.map((b) => [b.block.rule, b.block.migrations[0]!.id, b.durable])).toEqual([
      ['script', '1', 2],
      ['script', '2', 2],
      ['script', '3', 4],
    ]);
    expect(await tracker(db)).toEqual(['3:clean']);
    expect(await columns(db, 'customers')).toEqual(['id', 'email', 'created_at', 'email_normalized']);
    expect(await sql(db, 'SELECT email_normalized FROM customers')).toEqual([{ email_normalized: 'billing@example.com' }]);

    const second = await run(fixed, db);
    expect(second).toMatchObject({ ok: true, blocks: [] });
    expect(await tracker(db)).toEqual(['3:clean']);
  });

  it('creates the tracker the postgres driver creates', async () => {
    const db = await server.createDatabase();
    await run(fixed, db, { until: 0 });
    const rows = await sql(
      db,
      `SELECT attname, format_type(atttypid, atttypmod) AS type, attnotnull FROM pg_attribute WHERE attrelid = 'public.schema_migrations'::regclass AND attnum > 0 ORDER BY attnum`,
    );
    expect(rows).toEqual([
      { attname: 'version', type: 'bigint', attnotnull: true },
      { attname: 'dirty', type: 'boolean', attnotnull: true },
    ]);
    expect(await sql(db, `SELECT conname FROM pg_constraint WHERE conrelid = 'public.schema_migrations'::regclass AND contype = 'p'`)).toEqual([
      { conname: 'schema_migrations_pkey' },
    ]);
    expect(await tracker(db)).toEqual([]);
  });

  it('runs only versions above the recorded one, and stops cleanly before block `until`', async () => {
    const db = await server.createDatabase();
    const head = await run(fixed, db, { until: 2 });
    expect(head.ok).toBe(true);
    expect(head.blocks.map((b) => b.block.index)).toEqual([0, 1]);
    expect(await tracker(db)).toEqual(['2:clean']);
    const rest = await run(fixed, db, { from: 2 });
    expect(rest.blocks.map((b) => b.block.index)).toEqual([2]);
    expect(await tracker(db)).toEqual(['3:clean']);
  });

  it('moves the version over a version that has only a down file', async () => {
    const dir = copyOfFixed('down-only', (name) => name === '000002_create_invoices.up.sql');
    const set = await loadGolangMigrate(dir);
    const db = await server.createDatabase();
    const trace = await run(set, db);
    expect(trace.ok).toBe(true);
    expect(trace.blocks.map((b) => [b.block.migrations[0]!.id, b.block.statements.length])).toEqual([
      ['1', 2],
      ['2', 0],
      ['3', 4],
    ]);
    expect(await tracker(db)).toEqual(['3:clean']);
    expect(await relations(db)).not.toContain('invoices');
  });
});

describe('golang-migrate: what a fault leaves (default: each file one string, dirty flag around it)', () => {
  it('an error mid-file: the file rolls back (one implicit transaction), the version stays dirty, and the next run refuses', async () => {
    const db = await server.createDatabase();
    const trace = await run(fixed, db, { faults: [fault('error', 2, 2)] });
    expect(trace.ok).toBe(false);
    expect(trace.failure).toMatchObject({ faulted: true, error: { sqlstate: 'P0001', message: 'migtest: injected fault' } });
    expect(trace.blocks.at(-1)).toMatchObject({ durable: 0, failedAt: 2, faulted: true });
    expect(await tracker(db)).toEqual(['3:dirty']);
    expect(await columns(db, 'customers')).toEqual(['id', 'email', 'created_at']);

    const next = await run(fixed, db);
    expect(next).toEqual({
      blocks: [],
      ok: false,
      refusal: {
        message: 'Dirty database version 3. Fix and force version.',
        operatorAction: expect.stringContaining('000003_normalize_customer_emails runs in one transaction, so it applied entirely or not at all: if its changes are absent, run `migrate force 2` and `migrate up`'),
      },
    });
    // Refusing changes nothing.
    expect(await tracker(db)).toEqual(['3:dirty']);
  });

  it('a terminated connection after the last statement: the string never finished, so nothing of it stays, and the version is dirty', async () => {
    const db = await server.createDatabase();
    const statements = fixed.migrations[2]!.up.statements.length;
    const trace = await run(fixed, db, { faults: [fault('terminate', 2, statements)] });
    expect(trace.ok).toBe(false);
    expect(trace.failure?.error.sqlstate).toMatch(/^(57P01|08006)$/);
    expect(await tracker(db)).toEqual(['3:dirty']);
    expect(await columns(db, 'customers')).toEqual(['id', 'email', 'created_at']);
    expect((await run(fixed, db)).refusal?.message).toBe('Dirty database version 3. Fix and force version.');
  });

  it('a file of one statement commits on its own: a fault before the version update leaves it applied and the version dirty (#325)', async () => {
    const dir = copyOfFixed('one-statement', (name) => name.startsWith('000003'));
    writeFileSync(path.join(dir, '000003_index_invoices_by_status.up.sql'), '-- Invoices by status.\nCREATE INDEX CONCURRENTLY invoices_status_idx ON invoices (status);\n');
    const set = await loadGolangMigrate(dir);
    expect(golangMigrate.plan(set, {}).blocks.map((b) => b.rule)).toEqual(['script', 'script', 'no-txn']);
    const db = await server.createDatabase();
    const trace = await run(set, db, { faults: [fault('error', 2, 1)] });
    expect(trace.blocks.at(-1)).toMatchObject({ durable: 1, faulted: true });
    expect(await relations(db)).toContain('invoices_status_idx');
    expect(await tracker(db)).toEqual(['3:dirty']);
    const refused = await run(set, db);
    expect(refused.refusal?.operatorAction).toContain('if they are there (the process died between its commit and the version update, golang-migrate #325), run `migrate force 3`');

    // The refusal is golang-migrate's own: the operator forces the version the file left, its own here.
    const stop = await golangMigrate.inherentStop!(golangMigrate.plan(set), db, refused);
    expect(stop?.kind).toBe('golang-migrate:dirty-version');
    expect(stop?.actions.map((a) => a.label)).toEqual(['`migrate force 2` and `migrate up`', '`migrate force 3` and `migrate up`']);
    await stop!.actions[1]!.apply(db, () => server.createDatabase());
    expect(await tracker(db)).toEqual(['3:clean']);
    expect((await run(set, db)).ok).toBe(true);
  });

  it('a fault in the first file: dirty at version 1, and the way back is `migrate force -1` (NilVersion: no row at all)', async () => {
    const db = await server.createDatabase();
    await run(fixed, db, { faults: [fault('error', 0, 0)] });
    expect(await tracker(db)).toEqual(['1:dirty']);
    expect(await relations(db)).toEqual(['schema_migrations_pkey', 'schema_migrations'].sort());
    const next = await run(fixed, db);
    expect(next.refusal?.message).toBe('Dirty database version 1. Fix and force version.');
    expect(next.refusal?.operatorAction).toContain('`migrate force -1`');

    const stop = await golangMigrate.inherentStop!(golangMigrate.plan(fixed), db, next);
    expect(stop?.action).toContain('none of it → `migrate force -1`');
    expect(stop?.message).toMatch(/^Dirty database version 1\. Fix and force version\. golang-migrate marks each version dirty/);
    const target = await stop!.actions[0]!.apply(db, () => server.createDatabase());
    expect(target).toBe(db);
    expect(await tracker(db)).toEqual([]);
    expect((await run(fixed, db)).ok).toBe(true);
    expect(await tracker(db)).toEqual(['3:clean']);
  });

  it('only a dirty version is a stop golang-migrate always makes: a refusal on a clean row, or a run that succeeded, is none', async () => {
    const db = await server.createDatabase();
    const ok = await run(fixed, db);
    expect(await golangMigrate.inherentStop!(golangMigrate.plan(fixed), db, ok)).toBeUndefined();
    expect(await golangMigrate.inherentStop!(golangMigrate.plan(fixed), db, { ...ok, ok: false, refusal: { message: 'x', operatorAction: 'y' } })).toBeUndefined();
  });

  it('the broken backfill commits in two steps: a fault after its first COMMIT leaves the column, and forcing back makes the rerun fail with 42701', async () => {
    const db = await server.createDatabase();
    // Statements of 000003: BEGIN, ALTER … ADD COLUMN, COMMIT, BEGIN, UPDATE, ALTER … SET NOT NULL, CREATE UNIQUE INDEX, COMMIT.
    const trace = await run(broken, db, { faults: [fault('error', 2, 3)] });
    expect(trace.blocks.at(-1)).toMatchObject({ durable: 3, faulted: true });
    expect(await tracker(db)).toEqual(['3:dirty']);
    expect(await columns(db, 'customers')).toEqual(['id', 'email', 'created_at', 'email_normalized']);
    const refusal = (await run(broken, db)).refusal;
    expect(refusal?.operatorAction).toMatch(/^000003_normalize_customer_emails commits in several steps \(the file holds its own COMMIT\), so part of it may have applied: repair the partial state by hand/);

    // What an operator who trusts the file does: `migrate force 2`, then `migrate up`.
    await sql(db, 'UPDATE public.schema_migrations SET version = 2, dirty = false');
    const rerun = await run(broken, db);
    expect(rerun.failure?.error.sqlstate).toBe('42701');
    expect(rerun.failure?.statement).toMatchObject({ line: 3, column: 1 });
    expect(rerun.failure?.statement?.file).toMatch(/broken\/000003_normalize_customer_emails\.up\.sql$/);
    expect(await tracker(db)).toEqual(['3:dirty']);
  });

  it('the fixed backfill is one transaction and safe to run again: after `migrate force 2` the rerun converges', async () => {
    const db = await server.createDatabase();
    // golang-migrate #325: the file committed, and the process died before SetVersion(3, clean).
    await run(fixed, db);
    await sql(db, 'UPDATE public.schema_migrations SET version = 2');
    const rerun = await run(fixed, db);
    expect(rerun.ok).toBe(true);
    expect(await tracker(db)).toEqual(['3:clean']);
  });
});

describe('golang-migrate transactions=true (the TransactionsEnabled proposal, #196/#641)', () => {
  const transactions: Options = { runnerOptions: { transactions: 'true' } };

  it.each([
    ['error', 2],
    ['terminate', 4],
  ] as const)('a fault (%s before statement %i of the backfill) leaves a clean state and no dirty flag; the next run succeeds', async (kind, at) => {
    const db = await server.createDatabase();
    const trace = await run(fixed, db, { ...transactions, faults: [fault(kind, 2, at)] });
    expect(trace.ok).toBe(false);
    expect(trace.blocks.at(-1)).toMatchObject({ durable: 0, faulted: true });
    expect(await tracker(db)).toEqual(['2:clean']);
    expect(await columns(db, 'customers')).toEqual(['id', 'email', 'created_at']);
    const next = await run(fixed, db, transactions);
    expect(next.ok).toBe(true);
    expect(next.blocks.map((b) => b.block.index)).toEqual([2]);
    expect(await tracker(db)).toEqual(['3:clean']);
  });

  it("a file's own COMMIT ends the runner's transaction: the broken backfill still leaves its column behind, unrecorded", async () => {
    const db = await server.createDatabase();
    const trace = await run(broken, db, { ...transactions, faults: [fault('error', 2, 3)] });
    expect(trace.blocks.at(-1)).toMatchObject({ durable: 3, faulted: true });
    expect(await tracker(db)).toEqual(['2:clean']);
    expect(await columns(db, 'customers')).toContain('email_normalized');
    const next = await run(broken, db, transactions);
    expect(next.failure?.error.sqlstate).toBe('42701');
  });

  it('still refuses a dirty version left by an earlier run without the option', async () => {
    const db = await server.createDatabase();
    await run(fixed, db, { faults: [fault('error', 1, 1)] });
    expect((await run(fixed, db, transactions)).refusal?.message).toBe('Dirty database version 2. Fix and force version.');
  });
});

describe('golang-migrate multi-statement=true (naive split on every ;)', () => {
  const multi: Options = { runnerOptions: { 'multi-statement': 'true' } };
  const TOUCH = [
    '-- Keep notes.updated_at current on every update.',
    'CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL, updated_at timestamptz);',
    'CREATE FUNCTION notes_touch() RETURNS trigger LANGUAGE plpgsql AS $$',
    'BEGIN',
    '  NEW.updated_at := now();',
    '  RETURN NEW;',
    'END',
    '$$;',
    'CREATE TRIGGER notes_touch BEFORE UPDATE ON notes FOR EACH ROW EXECUTE FUNCTION notes_touch();',
    '',
  ].join('\n');

  it('cuts the $$ body: the piece fails with 42601 at its place in the file, the pieces before it stay, the version is dirty', async () => {
    const dir = copyOfFixed('touch', (name) => name.startsWith('000003'));
    writeFileSync(path.join(dir, '000003_notes_touch.up.sql'), TOUCH);
    const set = await loadGolangMigrate(dir);
    const db = await server.createDatabase();

    const trace = await run(set, db, multi);
    expect(trace.ok).toBe(false);
    expect(trace.failure?.statement).toMatchObject({ file: path.join(dir, '000003_notes_touch.up.sql'), line: 3, column: 1, kind: 'Unknown' });
    expect(trace.failure?.error).toMatchObject({ sqlstate: '42601', hint: DOLLAR_QUOTE_SPLIT_NOTE });
    expect(trace.failure?.error.message).toContain('unterminated dollar-quoted string');
    expect(trace.failure?.error.hint).toContain('golang-migrate #590, #698');
    expect(naiveSplitBrokeDollarQuote(TOUCH.slice(TOUCH.indexOf('CREATE FUNCTION'), TOUCH.indexOf('now();') + 6))).toBe(true);
    // The CREATE TABLE piece autocommitted before the cut piece failed.
    expect(await relations(db)).toContain('notes');
    expect(await tracker(db)).toEqual(['3:dirty']);

    // Sent as one string (the default), the same file applies.
    const whole = await server.createDatabase();
    expect((await run(set, whole)).ok).toBe(true);
  });

  it('cuts a comment that holds a ;, and says so', async () => {
    const dir = copyOfFixed('comment', (name) => name.startsWith('000003'));
    writeFileSync(path.join(dir, '000003_notes.up.sql'), '-- Notes; one per customer.\nCREATE TABLE notes (id bigserial PRIMARY KEY, body text);\n');
    const db = await server.createDatabase();
    const trace = await run(await loadGolangMigrate(dir), db, multi);
    expect(trace.failure?.statement).toMatchObject({ line: 1, column: 11, kind: 'Unknown' });
    expect(trace.failure?.error.sqlstate).toBe('42601');
    expect(trace.failure?.error.hint).toMatch(/^golang-migrate's multi-statement mode splits on every `;`, also inside quoted strings and comments/);
  });

  it('a fault mid-file leaves exactly the pieces before it, and a dirty version', async () => {
    const db = await server.createDatabase();
    // 000002: CREATE TABLE invoices; CREATE INDEX …: a fault between them.
    const trace = await run(fixed, db, { ...multi, faults: [fault('error', 1, 1)] });
    expect(trace.blocks.at(-1)).toMatchObject({ durable: 1, faulted: true });
    expect(await relations(db)).toContain('invoices');
    expect(await relations(db)).not.toContain('invoices_customer_id_idx');
    expect(await tracker(db)).toEqual(['2:dirty']);
    const refusal = (await run(fixed, db, multi)).refusal;
    expect(refusal?.operatorAction).toContain('x-multi-statement sends each piece on its own');
  });

  it('with transactions=true too, the pieces share one transaction with the version update', async () => {
    const db = await server.createDatabase();
    const both: Options = { runnerOptions: { 'multi-statement': 'true', transactions: 'true' } };
    await run(fixed, db, { ...both, faults: [fault('error', 1, 1)] });
    expect(await relations(db)).not.toContain('invoices');
    expect(await tracker(db)).toEqual(['1:clean']);
    expect((await run(fixed, db, both)).ok).toBe(true);
    expect(await tracker(db)).toEqual(['3:clean']);
  });
});

describe('golang-migrate-dirty: what the checks find', () => {
  const check = (set: 'broken' | 'fixed', runnerOptions: Record<string, string> = {}) =>
    runChecks({
      dir: path.join(STORY, set),
      runner: 'golang-migrate',
      checks: ['fresh', 'twice', 'resume', 'fault'],
      postgres: [17],
      provider: 'embedded',
      options: { seed: 42 },
      runnerOptions,
    });
  const summary = (report: Awaited<ReturnType<typeof check>>) => report.checks.map((c) => [c.name, c.status, c.findings.length]);

  it('without the option, the dirty version is a note; the broken backfill fails the forced recovery with 42701, the fixed one passes', async () => {
    const bad = await check('broken');
    const good = await check('fixed');
    for (const report of [bad, good]) {
      const notes = report.checks[3]!.notes ?? [];
      expect(notes).toHaveLength(1);
      expect(notes[0]).toMatchObject({ check: 'fault', message: expect.stringContaining('Dirty database version 1. Fix and force version.') });
      expect(notes[0]!.file).toMatch(/000001_create_customers\.up\.sql$/);
      expect(notes[0]!.action).toContain('`migrate force -1`');
    }
    // golang-migrate never runs an applied file again: twice is skipped with that reason, never a pass.
    expect(summary(bad)).toEqual([
      ['fresh', 'pass', 0],
      ['twice', 'skip', 0],
      ['resume', 'pass', 0],
      ['fault', 'fail', 1],
    ]);
    const [finding] = bad.checks[3]!.findings;
    expect(finding).toMatchObject({ check: 'fault', sqlstate: '42701', line: 6 });
    expect(finding!.file).toMatch(/000003_normalize_customer_emails\.up\.sql$/);
    expect(finding!.message).toContain('after `migrate force 2` and `migrate up`: the run fails at');
    expect(finding!.message).toContain('000003_normalize_customer_emails.up.sql:3:1 (ALTER TABLE customers ADD COLUMN email_normalized text)');
    expect(finding!.hint).toContain('leave the transaction to golang-migrate');
    expect(summary(good).map(([, status, n]) => [status, n])).toEqual([
      ['pass', 0],
      ['skip', 0],
      ['pass', 0],
      ['pass', 0],
    ]);
    expect(good.ok).toBe(true);
  });

  it('with transactions=true, the fixed set survives every fault; the broken one does not, at its inner COMMIT', async () => {
    const good = await check('fixed', { transactions: 'true' });
    expect(summary(good)).toEqual([
      ['fresh', 'pass', 0],
      ['twice', 'skip', 0],
      ['resume', 'pass', 0],
      ['fault', 'pass', 0],
    ]);
    const bad = await check('broken', { transactions: 'true' });
    const [finding, ...rest] = bad.checks[3]!.findings;
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ check: 'fault', line: 6, column: 1 });
    expect(finding!.file).toMatch(/broken\/000003_normalize_customer_emails\.up\.sql$/);
    expect(finding!.message).toMatch(/^fault error before statement 4 of block 3 \(in-txn\): the block must leave the state from before the block/);
  });
});
