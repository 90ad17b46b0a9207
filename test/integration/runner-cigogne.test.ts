import { cpSync, mkdtempSync, rmSync, writeFileSync, appendFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { cigogne } from '../../src/runners/cigogne/model.js';
import type { Fault } from '../../src/faults/types.js';
import type { RunOptions, RunnerOptions, Trace } from '../../src/runners/types.js';

/** A run's options, with the runner options the set is planned under. */
type Options = RunOptions & { runnerOptions?: RunnerOptions };
import { migtest, ROOT, type JsonReport } from '../helpers/cli.js';
import { sql } from '../helpers/db.js';
import { loadSet } from '../../src/migrations/load.js';
import type { Env, MigrationSet } from '../../src/migrations/types.js';

const loadCigogne = (dir: string, env: Env = {}): Promise<MigrationSet> => loadSet(dir, 'cigogne', env);

const STORY = 'migrations-under-test/cigogne-single-transaction';
const FIXED = path.join(ROOT, STORY, 'fixed');

let server: Server;
let fixed: MigrationSet;
const scratch = mkdtempSync(path.join(tmpdir(), 'migtest-cigogne-'));
chmodSync(scratch, 0o755);

beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
  fixed = await loadCigogne(FIXED);
});

afterAll(async () => {
  await server?.stop();
  rmSync(scratch, { recursive: true, force: true });
});


/** Tables of the migration set (the tracker apart), with their row counts. */
async function tables(db: DatabaseHandle): Promise<Record<string, number>> {
  const names = await sql<{ name: string }>(
    db,
    `SELECT relname AS name FROM pg_class WHERE relkind = 'r' AND relnamespace = 'public'::regnamespace AND relname <> '_migrations' ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of names) counts[name] = Number((await sql<{ n: string }>(db, `SELECT count(*) AS n FROM public.${name}`))[0]!.n);
  return counts;
}

interface TrackerRow {
  id: number;
  name: string;
  sha256: string;
  createdat: string;
  appliedat: string;
}

async function tracker(db: DatabaseHandle): Promise<TrackerRow[]> {
  return sql<TrackerRow>(
    db,
    `SELECT id, name, sha256, to_char(createdat, 'YYYY-MM-DD HH24:MI:SS') AS createdat, appliedat::text AS appliedat FROM public._migrations ORDER BY id`,
  );
}

const names = (rows: TrackerRow[]): string[] => rows.map((r) => r.name);

const FULL = { customers: 0, rooms: 4, room_rates: 8, bookings: 0 };

async function run(set: MigrationSet, db: DatabaseHandle, options: Options = {}): Promise<Trace> {
  const { runnerOptions, ...rest } = options;
  return cigogne.run(cigogne.plan(set, runnerOptions), db, rest);
}

/** A scratch folder holding copies of the story's fixed files (all of them, or those named). */
function copyOfFixed(label: string, only?: (name: string) => boolean): string {
  const dir = path.join(scratch, label);
  cpSync(FIXED, dir, { recursive: true, filter: (src) => src === FIXED || !only || only(path.basename(src)) });
  return dir;
}

function folder(label: string, files: Record<string, string>): string {
  const dir = path.join(scratch, label);
  cpSync(FIXED, dir, { recursive: true, filter: (src) => src === FIXED });
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const migration = (up: string, marker = '--- migration:up'): string =>
  `-- test migration\n${marker}\n${up}\n--- migration:down\nSELECT 0;\n--- migration:end\n`;

describe('cigogne: a full run of the story set', () => {
  it('applies the five migrations in one transaction and records each with its sha256 and timestamp', async () => {
    const db = await server.createDatabase();
    const trace = await run(fixed, db);
    expect(trace.ok).toBe(true);
    expect(trace.blocks.map((b) => [b.block.index, b.block.rule, b.block.migrations.length, b.durable])).toEqual([[0, 'in-txn', 5, 8]]);
    expect(await tables(db)).toEqual(FULL);

    const rows = await tracker(db);
    // The zero migration records the tracker's own creation first, with the epoch as timestamp.
    expect(rows[0]).toMatchObject({ name: 'CreateMigrationTable', createdat: '1970-01-01 00:00:00' });
    expect(rows.slice(1).map((r) => [r.name, r.createdat, r.sha256])).toEqual(
      fixed.migrations.map((m) => [m.name.slice(15), `${m.id.slice(0, 4)}-${m.id.slice(4, 6)}-${m.id.slice(6, 8)} ${m.id.slice(8, 10)}:${m.id.slice(10, 12)}:${m.id.slice(12, 14)}`, m.checksum.toUpperCase()]),
    );
    // One transaction: every row has the same now().
    expect(new Set(rows.slice(1).map((r) => r.appliedat)).size).toBe(1);
    const columns = await sql<{ column_name: string }>(
      db,
      `SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '_migrations' ORDER BY ordinal_position`,
    );
    expect(columns.map((c) => c.column_name)).toEqual(['id', 'name', 'sha256', 'createdat', 'appliedat']);
  });

  it('does nothing on a second run', async () => {
    const db = await server.createDatabase();
    expect((await run(fixed, db)).ok).toBe(true);
    const before = await tracker(db);
    const second = await run(fixed, db);
    expect(second).toEqual({ blocks: [], ok: true });
    expect(await tracker(db)).toEqual(before);
    expect(await tables(db)).toEqual(FULL);
  });
});

describe('cigogne: a fault in the one transaction rolls back every pending migration', () => {
  const cases: [Fault['kind'], number, string][] = [
    ['error', 0, 'before the first statement'],
    ['error', 6, 'before the last migration'],
    ['error', 7, 'before the last statement'],
    ['error', 8, 'after the last statement, before the tracker rows and COMMIT'],
    ['terminate', 3, 'inside the third migration'],
    ['terminate', 8, 'after the last statement, before the tracker rows and COMMIT'],
  ];
  it.each(cases)('%s at boundary %i (%s) leaves no table and no tracker row, and the next run converges', async (kind, at) => {
    const db = await server.createDatabase();
    const trace = await run(fixed, db, { faults: [{ kind, block: 0, at, sqlstate: 'P0001' }] });
    expect(trace.ok).toBe(false);
    expect(trace.failure).toMatchObject({ faulted: true, block: { index: 0 } });
    expect(trace.blocks[0]).toMatchObject({ durable: 0, failedAt: at, faulted: true });
    expect(trace.failure!.error.sqlstate).toBe(kind === 'error' ? 'P0001' : '57P01');
    expect(await tables(db)).toEqual({});
    expect(names(await tracker(db))).toEqual(['CreateMigrationTable']);

    const next = await run(fixed, db);
    expect(next.ok).toBe(true);
    expect(await tables(db)).toEqual(FULL);
    expect(names(await tracker(db))).toEqual(['CreateMigrationTable', ...fixed.migrations.map((m) => m.name.slice(15))]);
  });

  it('a fault in the last pending migration leaves 0 rows in the tables the pending seeds fill', async () => {
    const schemaOnly = await loadCigogne(copyOfFixed('schema-only', (name) => !name.includes('Seed')));
    expect(schemaOnly.migrations).toHaveLength(3);
    const db = await server.createDatabase();
    expect((await run(schemaOnly, db)).ok).toBe(true);

    // The seeds arrive in the next deploy: both pending, both in one transaction of 3 statements;
    // the fault fires after the last one, before the tracker rows and the COMMIT.
    const trace = await run(fixed, db, { faults: [{ kind: 'error', block: 0, at: 3, sqlstate: 'P0001' }] });
    expect(trace.ok).toBe(false);
    expect(trace.blocks.map((b) => [b.block.index, b.block.migrations.map((m) => m.name.slice(15))])).toEqual([[0, ['SeedRooms', 'SeedRoomRates']]]);
    expect(trace.blocks[0]!.block.statements).toHaveLength(3);
    expect(await tables(db)).toEqual({ customers: 0, rooms: 0, room_rates: 0, bookings: 0 });
    expect(names(await tracker(db))).toEqual(['CreateMigrationTable', 'CreateCustomers', 'CreateRooms', 'CreateBookings']);

    expect((await run(fixed, db)).ok).toBe(true);
    expect(await tables(db)).toEqual(FULL);
  });

  it('a failing statement in the last migration rolls back the migrations before it', async () => {
    const dir = copyOfFixed('bad-rate');
    const rates = path.join(dir, '20250301092000-SeedRoomRates.sql');
    const text = migration("INSERT INTO room_rates (room_code, currency, hourly_cents) VALUES ('AMS-9-NOWHERE', 'EUR', 100);");
    writeFileSync(rates, text);
    const set = await loadCigogne(dir);
    const db = await server.createDatabase();
    const trace = await run(set, db);
    expect(trace.ok).toBe(false);
    expect(trace.failure).toMatchObject({ error: { sqlstate: '23503' }, statement: { file: rates, line: 3, column: 1 } });
    expect(trace.failure!.faulted).toBeUndefined();
    expect(await tables(db)).toEqual({});
    expect(names(await tracker(db))).toEqual(['CreateMigrationTable']);
  });
});

describe('cigogne: disable_transaction migrations', () => {
  let set: MigrationSet;
  beforeAll(async () => {
    set = await loadCigogne(
      folder('no-txn', {
        '20250101000000-CreateEvents.sql': migration('CREATE TABLE events (id int PRIMARY KEY, kind text NOT NULL);\nINSERT INTO events VALUES (1, \'boot\');'),
        '20250102000000-EventsKindIndex.sql': migration(
          'CREATE INDEX CONCURRENTLY IF NOT EXISTS events_kind_idx ON events (kind);',
          '--- migration:up disable_transaction',
        ),
        '20250103000000-CreateAudit.sql': migration('CREATE TABLE audit (id int);'),
      }),
    );
  });

  const indexExists = async (db: DatabaseHandle): Promise<boolean> =>
    (await sql(db, `SELECT 1 FROM pg_indexes WHERE indexname = 'events_kind_idx'`)).length === 1;

  it('plans the no-txn migration alone, between two in-txn blocks, and runs it outside a transaction', async () => {
    expect(cigogne.plan(set).blocks.map((b) => [b.index, b.rule, b.statements.length])).toEqual([
      [0, 'in-txn', 2],
      [1, 'no-txn', 1],
      [2, 'in-txn', 1],
    ]);
    const db = await server.createDatabase();
    const trace = await run(set, db);
    expect(trace.ok).toBe(true);
    expect(await indexExists(db)).toBe(true);
    expect(names(await tracker(db))).toEqual(['CreateMigrationTable', 'CreateEvents', 'EventsKindIndex', 'CreateAudit']);
  });

  it('a CONCURRENTLY index in a transactional migration fails in the shared transaction (25001)', async () => {
    const inTxn = await loadCigogne(
      folder('concurrently-in-txn', {
        '20250101000000-CreateEvents.sql': migration('CREATE TABLE events (id int PRIMARY KEY, kind text NOT NULL);'),
        '20250102000000-EventsKindIndex.sql': migration('CREATE INDEX CONCURRENTLY events_kind_idx ON events (kind);'),
      }),
    );
    const db = await server.createDatabase();
    const trace = await run(inTxn, db);
    expect(trace.failure).toMatchObject({ error: { sqlstate: '25001' }, statement: { line: 3 } });
    expect(await tables(db)).toEqual({});
  });

  it('a fault after its statement leaves it applied but unrecorded; the next run runs it again', async () => {
    const db = await server.createDatabase();
    const trace = await run(set, db, { faults: [{ kind: 'error', block: 1, at: 1, sqlstate: 'P0001' }] });
    expect(trace.ok).toBe(false);
    expect(trace.blocks.map((b) => [b.block.index, b.durable, b.error?.sqlstate ?? null])).toEqual([
      [0, 2, null],
      [1, 1, 'P0001'],
    ]);
    expect(await indexExists(db)).toBe(true);
    expect(names(await tracker(db))).toEqual(['CreateMigrationTable', 'CreateEvents']);
    expect(await tables(db)).toEqual({ events: 1 });

    const next = await run(set, db);
    expect(next.ok).toBe(true);
    expect(next.blocks.map((b) => b.block.index)).toEqual([1, 2]);
    expect(names(await tracker(db))).toEqual(['CreateMigrationTable', 'CreateEvents', 'EventsKindIndex', 'CreateAudit']);
  });

  it('a terminate before its statement leaves the earlier chunk committed and nothing of it', async () => {
    const db = await server.createDatabase();
    const trace = await run(set, db, { faults: [{ kind: 'terminate', block: 1, at: 0 }] });
    expect(trace.failure).toMatchObject({ faulted: true, error: { sqlstate: '57P01' } });
    expect(await indexExists(db)).toBe(false);
    expect(names(await tracker(db))).toEqual(['CreateMigrationTable', 'CreateEvents']);
  });

  it('a fault in the later chunk keeps the earlier chunks committed and recorded', async () => {
    const db = await server.createDatabase();
    const trace = await run(set, db, { faults: [{ kind: 'error', block: 2, at: 1, sqlstate: 'P0001' }] });
    expect(trace.blocks.map((b) => [b.block.index, b.durable])).toEqual([
      [0, 2],
      [1, 1],
      [2, 0],
    ]);
    expect(await tables(db)).toEqual({ events: 1 });
    expect(names(await tracker(db))).toEqual(['CreateMigrationTable', 'CreateEvents', 'EventsKindIndex']);
  });

  it('honours until and from: stop before a block, then go on from it with the same block numbers', async () => {
    const db = await server.createDatabase();
    const first = await run(set, db, { until: 1 });
    expect(first.ok).toBe(true);
    expect(first.blocks.map((b) => b.block.index)).toEqual([0]);
    expect(await indexExists(db)).toBe(false);

    const copy = await server.createDatabase({ template: db.name });
    const rest = await run(set, copy, { from: 1, faults: [{ kind: 'error', block: 2, at: 0, sqlstate: 'P0001' }] });
    expect(rest.blocks.map((b) => [b.block.index, b.durable])).toEqual([
      [1, 1],
      [2, 0],
    ]);
    expect(names(await tracker(copy))).toEqual(['CreateMigrationTable', 'CreateEvents', 'EventsKindIndex']);
  });
});

describe('cigogne: refusals', () => {
  it('refuses to run after an applied file was edited: FileHashChanged with both sha256', async () => {
    const dir = copyOfFixed('edited');
    const db = await server.createDatabase();
    const original = await loadCigogne(dir);
    expect((await run(original, db)).ok).toBe(true);
    const before = await tracker(db);

    const rooms = path.join(dir, '20250301091500-SeedRooms.sql');
    appendFileSync(rooms, '-- the Amsterdam rooms\n');
    const edited = await loadCigogne(dir);
    const recorded = original.migrations[3]!.checksum.toUpperCase();
    const current = edited.migrations[3]!.checksum.toUpperCase();
    expect(current).not.toBe(recorded);

    const trace = await run(edited, db);
    expect(trace.ok).toBe(false);
    expect(trace.blocks).toEqual([]);
    expect(trace.refusal!.message).toContain('Hash of file 20250301091500-SeedRooms has changed !');
    expect(trace.refusal!.message).toContain(
      `FileHashChanged: 20250301091500-SeedRooms.sql was applied with sha256 ${recorded} and now has sha256 ${current}`,
    );
    expect(trace.refusal!.operatorAction).toBe(
      `restore 20250301091500-SeedRooms.sql to the content that was applied (sha256 ${recorded}) and write a new migration for the change`,
    );
    expect(await tracker(db)).toEqual(before);

    // With cigogne's no_hash_check the edited file is simply already applied.
    expect(await run(edited, db, { runnerOptions: { 'no-hash-check': 'true' } })).toEqual({ blocks: [], ok: true });
  });

  it('refuses when an applied migration has no file any more: MigrationNotFound', async () => {
    const dir = copyOfFixed('removed');
    const db = await server.createDatabase();
    expect((await run(await loadCigogne(dir), db)).ok).toBe(true);
    rmSync(path.join(dir, '20250301090000-CreateCustomers.sql'));
    const trace = await run(await loadCigogne(dir), db);
    expect(trace.refusal!.message).toContain('Could not find a matching migration file for 20250301090000-CreateCustomers.');
    expect(trace.refusal!.operatorAction).toContain('put 20250301090000-CreateCustomers.sql back in the folder');
  });
});

describe('cigogne: the command line', () => {
  it('exits 2 for the broken set, naming the file:line of \\set ON_ERROR_STOP and why it means nothing here', async () => {
    const result = await migtest(['check', `${STORY}/broken`, '--runner', 'cigogne']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(
      `migtest: ${STORY}/broken/20250301092000-SeedRoomRates.sql:3:1: "\\set ON_ERROR_STOP off" is a psql meta-command, not SQL: ` +
        'cigogne sends each statement to the server through the prepared-statement protocol, and the server does not know psql commands',
    );
    expect(result.stderr).toContain('ON_ERROR_STOP has no meaning here');
    expect(result.stderr).toContain('the whole pending batch');
    expect(result.stderr).toMatch(/\n {2}fix: remove the line/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('passes fresh, twice, fault and resume on the fixed set, every case', async () => {
    const result = await migtest([
      'check',
      `${STORY}/fixed`,
      '--runner',
      'cigogne',
      '--checks',
      'fresh,twice,fault,resume',
      '--exhaustive',
      '--format',
      'json',
    ]);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.checks.map((c) => [c.name, c.status, c.findings])).toEqual([
      ['fresh', 'pass', []],
      ['twice', 'skip', []], // cigogne never runs a recorded migration again
      ['fault', 'pass', []],
      ['resume', 'pass', []],
    ]);
    // One block of 8 statements: 9 boundaries, 2 fault kinds; 5 crash points.
    expect(report.checks.find((c) => c.name === 'fault')!.cases).toBe(18);
    expect(report.checks.find((c) => c.name === 'resume')!.cases).toBe(5);
    expect(result.code).toBe(0);
  });
});
