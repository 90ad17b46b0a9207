import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CheckResult } from '../../src/checks/types.js';
import { loadSet } from '../../src/migrations/load.js';
import { States } from '../../src/checks/states.js';
import { down as downCheck } from '../../src/checks/down.js';
import { golangMigrate as tool } from '../../src/runners/golang-migrate/index.js';

const golangMigrate = tool.model;
import { dbmate } from '../../src/runners/dbmate/model.js';
import { migtest, ROOT, type JsonReport } from '../helpers/cli.js';
import { sql } from '../helpers/db.js';
import { sharedServer } from '../helpers/shared-server.js';

// Check `down` on a real PostgreSQL: the three stories' broken sets give their findings, the
// fixed ones pass, a tool without downs is skipped, and the trackers are left as the tools leave them.

const shared = sharedServer();
const SETS = path.join(ROOT, 'migrations-under-test');
const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

async function down(dir: string, runner: string, runnerOptions: Record<string, string> = {}): Promise<CheckResult> {
  const report = await shared.runInCore({ dir, runner, runnerOptions, checks: ['down'], options: {} });
  return report.checks.find((c) => c.name === 'down')!;
}

const brief = (result: CheckResult): [string | null, number | null, string | null][] =>
  result.findings.map((f) => [path.basename(f.file ?? ''), f.line, f.sqlstate]);

/** A golang-migrate folder of `[name, up, down]` files in a scratch directory. */
function writeSet(files: [string, string, string][], label = 'set'): string {
  const dir = mkdtempSync(path.join(tmpdir(), `migtest-down-${label}-`));
  scratch.push(dir);
  for (const [name, up, down] of files) {
    writeFileSync(path.join(dir, `${name}.up.sql`), `${up}\n`);
    writeFileSync(path.join(dir, `${name}.down.sql`), `${down}\n`);
  }
  return dir;
}

/**
 * How many databases the shared server makes while `body` runs: a down check's walks, and the
 * reference states (and their copies read) of every step it compares the full way.
 */
async function databasesMade(body: () => Promise<void>): Promise<number> {
  const server = shared.server();
  const create = server.createDatabase.bind(server);
  let made = 0;
  server.createDatabase = async (options) => {
    made++;
    return create(options);
  };
  try {
    await body();
  } finally {
    server.createDatabase = create;
  }
  return made;
}

/** The findings of a result as file and diff paths. */
const diffs = (result: Pick<CheckResult, 'findings'>): [string, string[] | undefined][] => result.findings.map((f) => [path.basename(f.file ?? ''), f.diff?.map((d) => d.path)]);

/** Check down alone, walks of `jobs` 2 (one walk). */
async function downWalk(dir: string): Promise<CheckResult> {
  const report = await shared.runInCore({ dir, runner: 'golang-migrate', checks: ['down'], options: {}, jobs: 2 });
  return report.checks.find((c) => c.name === 'down')!;
}

describe('check down', () => {
  it('golang-migrate-down/broken: the down leaves the enum type behind, and the up fails on it with 42710', async () => {
    const result = await down(path.join(SETS, 'golang-migrate-down/broken'), 'golang-migrate');
    expect(result.status).toBe('fail');
    expect(brief(result)).toEqual([
      ['000002_add_account_status.down.sql', 2, null],
      ['000002_add_account_status.up.sql', 1, '42710'],
    ]);
    expect(result.findings[0]!.diff!.map((d) => `${d.path} ${d.change}`)).toEqual(['enum:public.account_status added']);
    expect(result.findings[0]!.reproduce).toContain('--checks down');
    expect(result.cases).toBe(3);
  });

  it('dbmate-down/broken: the down drops a misspelt table, 42P01 at its line', async () => {
    const result = await down(path.join(SETS, 'dbmate-down/broken'), 'dbmate');
    expect(brief(result)).toEqual([['20240501092000_create_shipment_items.sql', 10, '42P01']]);
    expect(result.findings[0]!.message).toContain('the down section of');
  });

  it('cigogne-down/broken: the down leaves two seed rows, and the seed fails on them with 23505', async () => {
    const result = await down(path.join(SETS, 'cigogne-down/broken'), 'cigogne');
    expect(brief(result)).toEqual([
      ['20250601090500-SeedCurrencies.sql', 5, null],
      ['20250601090500-SeedCurrencies.sql', 3, '23505'],
    ]);
    expect(result.findings[0]!.diff!.map((d) => d.path)).toEqual(['data:public.currencies']);
  });

  it.each([
    ['golang-migrate-down/fixed', 'golang-migrate', {}],
    ['golang-migrate-down/fixed', 'golang-migrate', { 'multi-statement': 'true' }],
    ['golang-migrate-down/fixed', 'golang-migrate', { transactions: 'true' }],
    ['dbmate-down/fixed', 'dbmate', {}],
    ['cigogne-down/fixed', 'cigogne', {}],
  ] as const)('%s (%s %j) passes', async (set, runner, options) => {
    const result = await down(path.join(SETS, set), runner, options);
    expect(result.findings).toEqual([]);
    expect(result.status).toBe('pass');
    expect(result.cases).toBe(3);
  });

  it('a tool without down migrations (rerun-all) is skipped with the reason, which is no failure', async () => {
    const report = await shared.runInCore({ dir: path.join(SETS, 'duplicate-rows/fixed'), runner: 'rerun-all', checks: ['down'], options: {} });
    expect(report.checks[0]).toMatchObject({ name: 'down', status: 'skip', cases: 0, findings: [] });
    expect(report.checks[0]!.reason).toContain('rerun-all has no down migrations');
    expect(report.ok).toBe(true);
  });

  it('golang-migrate without a .down.sql file: migrate down only moves the version, and the finding says so', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migtest-down-'));
    scratch.push(dir);
    writeFileSync(path.join(dir, '1_a.up.sql'), 'CREATE TABLE a (id int);\n');
    writeFileSync(path.join(dir, '1_a.down.sql'), 'DROP TABLE a;\n');
    writeFileSync(path.join(dir, '2_b.up.sql'), 'CREATE TABLE b (id int);\n');
    const result = await down(dir, 'golang-migrate');
    expect(result.findings).toHaveLength(2);
    expect(result.findings[0]!.message).toContain('it has no .down.sql file');
    expect(result.findings[0]!.diff!.map((d) => `${d.path} ${d.change}`)).toContain('table:public.b added');
    expect(result.findings[1]!.sqlstate).toBe('42P07');
  });

  it('the steps walk in ranges at once: the same findings, in the same order, with one walk or four', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migtest-down-'));
    scratch.push(dir);
    for (let k = 1; k <= 12; k++) {
      const v = String(k).padStart(6, '0');
      writeFileSync(path.join(dir, `${v}_t${k}.up.sql`), `CREATE TABLE t${k} (id serial PRIMARY KEY, note text);\nINSERT INTO t${k} (note) VALUES ('seed');\n`);
      // Every fourth down forgets its table (then the up again fails with 42P07); the others undo their up.
      writeFileSync(path.join(dir, `${v}_t${k}.down.sql`), k % 4 === 3 ? 'SELECT 1;\n' : `DROP TABLE t${k};\n`);
    }
    const run = async (jobs: number): Promise<CheckResult> => {
      const report = await shared.runInCore({ dir, runner: 'golang-migrate', checks: ['down'], options: {}, jobs });
      return report.checks.find((c) => c.name === 'down')!;
    };
    const one = await run(2);
    const four = await run(8);
    const expected = [11, 7, 3].flatMap((k) => [
      [`${String(k).padStart(6, '0')}_t${k}.down.sql`, 1, null],
      [`${String(k).padStart(6, '0')}_t${k}.up.sql`, 1, '42P07'],
    ]);
    expect(brief(one)).toEqual(expected);
    expect(brief(four)).toEqual(expected);
    expect(four.findings.map((f) => f.message)).toEqual(one.findings.map((f) => f.message));
    expect([one.cases, four.cases]).toEqual([12, 12]);
  });

  it('a seed into an earlier table and its down: proved by the walk\'s marks, though the sequence stands further', async () => {
    const dir = writeSet([
      ['000001_accounts', 'CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL);', 'DROP TABLE accounts;'],
      ['000002_seed_accounts', "INSERT INTO accounts (name) VALUES ('alice'), ('bob');", "DELETE FROM accounts WHERE name IN ('alice', 'bob');"],
      ['000003_orders', 'CREATE TABLE orders (id serial PRIMARY KEY, account_id int REFERENCES accounts (id));', 'DROP TABLE orders;'],
      ['000004_seed_more', "INSERT INTO accounts (name) VALUES ('carol');", "DELETE FROM accounts WHERE name = 'carol';"],
      ['000005_notes', 'CREATE TABLE notes (id serial PRIMARY KEY, body text);', 'DROP TABLE notes;'],
    ]);
    // One walk, no reference: every step (the seeds' downs leave accounts_id_seq further on, and
    // so do the steps after them) is proved by its mark.
    const relaxed = await databasesMade(async () => {
      const checked = await downWalk(dir);
      expect([checked.status, checked.cases, checked.findings]).toEqual(['pass', 5, []]);
    });
    expect(relaxed).toBe(1);
    // Compared exactly, where the sequences stand counts: those steps are compared with
    // reference databases instead, the seeds run again, and the ids they draw anew are a
    // difference (what the relaxed comparison renumbers away).
    const exactly = await databasesMade(async () => {
      const set = await loadSet(dir, 'golang-migrate');
      const server = shared.server();
      const states = new States(server, golangMigrate, golangMigrate.plan(set, {}), { runnerOptions: {}, relaxed: false });
      try {
        const exact = await downCheck.run({ set, model: golangMigrate, server, states, options: {}, reproduce: () => '' });
        expect(exact.status).toBe('fail');
        expect(diffs(exact)).toEqual([
          ['000004_seed_more.up.sql', ['data:public.accounts']],
          ['000002_seed_accounts.up.sql', ['data:public.accounts']],
        ]);
      } finally {
        await states.close();
      }
    });
    expect(exactly).toBeGreaterThan(1);
  });

  it('a backfill undone by dropping its column: the later steps judge its table by the state the raw digest proved, and still see a down that changes it', async () => {
    // The backfill's UPDATE leaves every row of accounts a new version; its down drops the column,
    // so the rows are the same values in versions no mark on the way up saw.
    const files = (ordersDown: string): [string, string, string][] => [
      ['000001_accounts', "CREATE TABLE accounts (id serial PRIMARY KEY, name text NOT NULL); INSERT INTO accounts (name) VALUES ('alice'), ('bob');", 'DROP TABLE accounts;'],
      ['000002_carol', "INSERT INTO accounts (name) VALUES ('carol');", "DELETE FROM accounts WHERE name = 'carol';"],
      ['000003_orders', 'CREATE TABLE orders (id serial PRIMARY KEY, account_id int);', ordersDown],
      ['000004_tier', "ALTER TABLE accounts ADD COLUMN tier text; UPDATE accounts SET tier = 'basic';", 'ALTER TABLE accounts DROP COLUMN tier;'],
      ['000005_notes', 'CREATE TABLE notes (id serial PRIMARY KEY, body text);', 'DROP TABLE notes;'],
    ];
    // One walk, no reference database: the tier step is proved by the raw digest kept before
    // its UPDATE, the orders step by its mark, accounts judged by the mark read after that
    // proof; carol's step by the raw digest kept before it (a row added to accounts, which a
    // later up rewrites), accounts judged from there by a mark read after it.
    const made = await databasesMade(async () => {
      const fixed = await downWalk(writeSet(files('DROP TABLE orders;'), 'fixed'));
      expect([fixed.status, fixed.cases, fixed.findings]).toEqual(['pass', 5, []]);
    });
    expect(made).toBe(1);
    // A down that adds a row to the backfilled table is still a difference at its own step (and
    // the up after it does not reach the state its first run did: the row stays).
    const broken = await downWalk(writeSet(files("DROP TABLE orders; INSERT INTO accounts (name) VALUES ('ghost');"), 'broken'));
    expect([broken.status, diffs(broken)]).toEqual([
      'fail',
      [
        ['000003_orders.down.sql', ['data:public.accounts']],
        ['000003_orders.up.sql', ['data:public.accounts']],
      ],
    ]);
  });

  it('a function replaced and its old body restored by its down: every step proved by its mark, the functions\' rows compared by contents', async () => {
    const dir = writeSet([
      ['000001_f', "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';", 'DROP FUNCTION f();'],
      ['000002_g', "CREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT f()';", 'DROP FUNCTION g();'],
      ['000003_h', "CREATE TABLE h (id int); CREATE FUNCTION h_count() RETURNS bigint LANGUAGE sql AS 'SELECT count(*) FROM h';", 'DROP FUNCTION h_count(); DROP TABLE h;'],
      ['000004_f_two', "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 2';", "CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1';"],
      ['000005_notes', 'CREATE TABLE notes (id serial PRIMARY KEY, body text);', 'DROP TABLE notes;'],
    ], 'replace');
    // The restored function's pg_proc row and its dependencies are new versions of the same
    // contents; compared by versions, the steps below the replacement (each adds functions
    // or their dependencies) would go to reference databases.
    const made = await databasesMade(async () => {
      const result = await downWalk(dir);
      expect([result.status, result.cases, result.findings]).toEqual(['pass', 5, []]);
    });
    expect(made).toBe(1);
  });

  it('after a step that leaves another state, the walk goes on from the ups\' own state: the steps below are proved by marks, not compared the full way', async () => {
    const dir = writeSet(
      Array.from({ length: 6 }, (_, k): [string, string, string] => {
        const i = k + 1;
        return [`00000${i}_t${i}`, `CREATE TABLE t${i} (id serial PRIMARY KEY, name text);\nINSERT INTO t${i} (name) VALUES ('a'), ('b');`, i === 5 ? 'DROP TABLE t5;\nCREATE TABLE left_behind (id int);' : `DROP TABLE t${i};`];
      }),
      'after',
    );
    const left = ['column:public.left_behind.id', 'data:public.left_behind', 'table:public.left_behind'];
    const made = await databasesMade(async () => {
      const check = await downWalk(dir);
      expect([check.status, diffs(check)]).toEqual(['fail', [['000005_t5.down.sql', left], ['000005_t5.up.sql', left]]]);
    });
    // The walk; for step 5 the reference states before and after it, copies of them read for the
    // diff, the fresh state and the copy its calibration (the relaxed comparison) makes; and the
    // walk brought up again to the state before step 5. None for steps 4 to 1, proved by its
    // marks (21 databases when they are compared the full way).
    expect(made).toBe(13);
  });

  it('every down leaves something behind: each step reports only its own, whether the walk goes on from its ups again or, past their budget, from a reference copy', async () => {
    const name = (i: number): string => `${String(i).padStart(6, '0')}_t${i}`;
    const dir = writeSet(
      Array.from({ length: 8 }, (_, k): [string, string, string] => [name(k + 1), `CREATE TABLE t${k + 1} (id int);`, `DROP TABLE t${k + 1};\nCREATE TABLE left_${k + 1} (id int);`]),
      'every',
    );
    // One walk of 8 steps: walking up again after steps 8 to 5 and 3 takes 7 + 6 + 5 + 4 + 2 ups,
    // its budget of 24; after steps 4, 2 and 1 it goes on from reference copies.
    const check = await downWalk(dir);
    const reported = check.findings.map((f) => `${path.basename(f.file ?? '')} ${[...new Set(f.diff?.map((d) => d.path.split(':')[1]!.split('.')[1]))].join(',')}`);
    const expected = Array.from({ length: 8 }, (_, k) => [`${name(8 - k)}.down.sql left_${8 - k}`, `${name(8 - k)}.up.sql left_${8 - k}`]).flat();
    expect([check.status, reported]).toEqual(['fail', expected]);
  });

  it('a down that does not parse: fresh passes (the set is not refused), down reports it with 42601 at its place', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migtest-down-'));
    scratch.push(dir);
    writeFileSync(path.join(dir, '1_a.up.sql'), 'CREATE TABLE a (id int);\n');
    writeFileSync(path.join(dir, '1_a.down.sql'), 'DROP TABLE a\nDROP TABLE b;\n');
    const report = await shared.runInCore({ dir, runner: 'golang-migrate', checks: ['fresh', 'down'], options: {} });
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([['fresh', 'pass'], ['down', 'fail']]);
    const [finding] = report.checks[1]!.findings;
    expect([path.basename(finding!.file!), finding!.line, finding!.column, finding!.sqlstate]).toEqual(['1_a.down.sql', 2, 1, '42601']);
  });
});

describe('the tools\' trackers after one step down', () => {
  it('--role: the ups and the steps down run as the deploy role, so a down only a superuser may run fails with 42501', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'migtest-down-'));
    scratch.push(dir);
    writeFileSync(path.join(dir, '000001_audit.up.sql'), 'CREATE TABLE audit (id int PRIMARY KEY);\n');
    // Replica mode to skip triggers while dropping: a superuser's setting.
    writeFileSync(path.join(dir, '000001_audit.down.sql'), "SET session_replication_role = replica;\nDROP TABLE audit;\nSET session_replication_role = origin;\n");
    const args = ['check', dir, '--runner', 'golang-migrate', '--checks', 'down', '--format', 'json'];
    const asSuperuser = await migtest(args);
    expect(asSuperuser.code).toBe(0);
    const asRole = JSON.parse((await migtest([...args, '--role', 'app_deployer'])).stdout) as JsonReport;
    expect(asRole.checks[0]!.findings.map((f) => [path.basename(f.file ?? ''), f.line, f.sqlstate])).toEqual([['000001_audit.down.sql', 1, '42501']]);
    expect(asRole.checks[0]!.findings[0]!.reproduce).toContain('--role app_deployer');
  });

  it('golang-migrate: the version before, clean; no row once the first migration is undone', async () => {
    const set = await loadSet(path.join(SETS, 'golang-migrate-down/fixed'), 'golang-migrate');
    const plan = golangMigrate.plan(set);
    const db = await shared.server().createDatabase();
    try {
      expect((await golangMigrate.run(plan, db)).ok).toBe(true);
      const rows = async (): Promise<unknown[]> => sql(db, 'SELECT version::text, dirty FROM schema_migrations');
      expect(await rows()).toEqual([{ version: '3', dirty: false }]);
      expect((await golangMigrate.down!.step(plan, db)).ok).toBe(true);
      expect(await rows()).toEqual([{ version: '2', dirty: false }]);
      await golangMigrate.down!.step(plan, db);
      const last = await golangMigrate.down!.step(plan, db);
      expect(last.migration?.id).toBe('1');
      expect(await rows()).toEqual([]);
      expect(await sql(db, "SELECT count(*)::int AS n FROM pg_class WHERE relname = 'accounts'")).toEqual([{ n: 0 }]);
    } finally {
      await shared.server().dropDatabase(db.name);
    }
  });

  it('dbmate: the row of the rolled-back version is deleted; a failing down keeps it and the table (one transaction)', async () => {
    const set = await loadSet(path.join(SETS, 'dbmate-down/broken'), 'dbmate');
    const plan = dbmate.plan(set);
    const db = await shared.server().createDatabase();
    try {
      expect((await dbmate.run(plan, db)).ok).toBe(true);
      const failed = await dbmate.down!.step(plan, db);
      expect(failed.failure?.error.sqlstate).toBe('42P01');
      const versions = async (): Promise<unknown[]> => sql(db, 'SELECT version FROM schema_migrations ORDER BY version');
      expect(await versions()).toEqual([{ version: '20240501090000' }, { version: '20240501091000' }, { version: '20240501092000' }]);
      await sql(db, 'DROP TABLE shipment_items');
      await sql(db, "DELETE FROM schema_migrations WHERE version = '20240501092000'");
      expect((await dbmate.down!.step(plan, db)).migration?.id).toBe('20240501091000');
      expect(await versions()).toEqual([{ version: '20240501090000' }]);
    } finally {
      await shared.server().dropDatabase(db.name);
    }
  });
});

describe('dbmate rollback with -- migrate:down transaction:false', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'migtest-down-dbmate-'));
  scratch.push(dir);

  it('sends the section as one string without BEGIN: the implicit transaction rolls all of it back, and the row stays', async () => {
    writeFileSync(
      path.join(dir, '20240101000000_a.sql'),
      '-- migrate:up\nCREATE TABLE a (id int);\nCREATE TABLE b (id int);\n\n-- migrate:down transaction:false\nDROP TABLE b;\nDROP TABLE missing;\n',
    );
    const plan = dbmate.plan(await loadSet(dir, 'dbmate'));
    const db = await shared.server().createDatabase();
    try {
      expect((await dbmate.run(plan, db)).ok).toBe(true);
      const step = await dbmate.down!.step(plan, db);
      expect(step.failure?.error.sqlstate).toBe('42P01');
      expect(step.failure?.statement?.line).toBe(7);
      // One string, so PostgreSQL's implicit transaction still rolls back DROP TABLE b.
      expect(await sql(db, "SELECT relname FROM pg_class WHERE relname IN ('a', 'b') ORDER BY relname")).toEqual([{ relname: 'a' }, { relname: 'b' }]);
      expect(await sql(db, 'SELECT version FROM schema_migrations')).toEqual([{ version: '20240101000000' }]);
    } finally {
      await shared.server().dropDatabase(db.name);
    }
  });
});
