import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorFinding } from '../../src/checks/findings.js';
import { States } from '../../src/checks/states.js';
import { writersOf, type RunOrigin } from '../../src/checks/writer.js';
import { loadSet } from '../../src/migrations/load.js';
import { initParser } from '../../src/migrations/split.js';
import type { FormatName } from '../../src/runners/registry.js';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { Server } from '../../src/postgres/types.js';
import { runnerModel } from '../../src/runners/registry.js';
import type { RunnerOptions, Trace } from '../../src/runners/types.js';
import type { Relaxation } from '../../src/snapshot/relaxed.js';
import { runChecks } from '../../src/index.js';
import { ROOT } from '../helpers/cli.js';
import { sql } from '../helpers/db.js';
import { tempFolder } from '../helpers/folders.js';

// The server is 17: `NOT ENFORCED` (PostgreSQL 18) passes the parser migtest splits with, and
// the server rejects it as a syntax error, as any version gap between a set and a server does.
const PG18_ONLY = 'ALTER TABLE account\n  ADD CONSTRAINT positive_balance CHECK (balance >= 0) NOT ENFORCED;';

let server: Server;
let dir = '';
const folder = tempFolder('migtest-locations-', (d) => {
  dir = d;
});

beforeAll(async () => {
  await initParser();
  server = await startEmbedded({ major: 17 });
});

afterAll(async () => {
  await server?.stop();
});

/** One run of `runner` over the current folder on a new database: its trace, the finding, and the database. */
async function runOnce(runner: string, format: FormatName, options: { runnerOptions?: RunnerOptions; env?: Record<string, string> } = {}) {
  const set = await loadSet(dir, format, options.env ?? {});
  const db = await server.createDatabase();
  const model = runnerModel(runner);
  const trace: Trace = await model.run(model.plan(set, options.runnerOptions ?? {}), db);
  expect(trace.failure, 'the run must fail').toBeDefined();
  const finding = errorFinding('fresh', trace.failure!, 'reproduce');
  return { trace, finding, db, file: (name: string) => path.join(dir, name) };
}

/** A file whose line 1 is BEGIN and whose line 12 holds the syntax error, at column 60. */
const SCRIPT_WITH_SYNTAX_ERROR = [
  'BEGIN;', // 1
  '', // 2
  'CREATE TABLE IF NOT EXISTS account (', // 3
  '  id bigint PRIMARY KEY,', // 4
  '  balance numeric NOT NULL DEFAULT 0', // 5
  ');', // 6
  'COMMIT;', // 7
  '', // 8
  '-- Balances may go negative for a while; the check only documents the rule.', // 9
  'BEGIN;', // 10
  'INSERT INTO account (id) VALUES (1) ON CONFLICT DO NOTHING;', // 11
  PG18_ONLY, // 12-13
  'COMMIT;',
].join('\n');

describe('a syntax error in a file sent as one string', () => {
  it('rerun-all: is placed where the server points (13:60), at that statement, not at the BEGIN of line 1; nothing of the file ran', async () => {
    await folder.write({ '000001_accounts.up.sql': SCRIPT_WITH_SYNTAX_ERROR });
    const { trace, finding, db, file } = await runOnce('rerun-all', 'rerun-all');
    expect(finding).toMatchObject({
      file: file('000001_accounts.up.sql'),
      line: 13,
      column: 60,
      sqlstate: '42601',
      statement: PG18_ONLY.replace(/;$/, ''),
    });
    expect(trace.failure!.statement?.line).toBe(12);
    // The server refused the whole string: even the first transaction, COMMIT and all, never ran.
    const block = trace.blocks[0]!;
    expect(block.durable).toBe(0);
    expect(block.outcomes.map((o) => o.status)).toEqual(['skipped', 'skipped', 'skipped', 'skipped', 'skipped', 'error', 'skipped']);
    expect(await sql(db, `SELECT to_regclass('public.account') AS t`)).toEqual([{ t: null }]);
  });

  it('rerun-all with an injected fault in the string: the syntax error is still the failure, and the fault never fired', async () => {
    await folder.write({ '000001_accounts.up.sql': SCRIPT_WITH_SYNTAX_ERROR });
    const set = await loadSet(dir, 'rerun-all');
    const db = await server.createDatabase();
    const trace = await runnerModel('rerun-all').run(runnerModel('rerun-all').plan(set), db, { faults: [{ kind: 'error', block: 0, at: 0, sqlstate: 'P0001' }] });
    expect(trace.failure).toMatchObject({ error: { sqlstate: '42601', place: { line: 13, column: 60 } } });
    expect(trace.failure!.faulted).toBeUndefined();
    expect(trace.failure!.statement?.line).toBe(12);
  });

  it('golang-migrate: the same, with the dirty version it writes before the file', async () => {
    await folder.write({ '1_accounts.up.sql': SCRIPT_WITH_SYNTAX_ERROR, '1_accounts.down.sql': 'DROP TABLE account;' });
    const { finding, file } = await runOnce('golang-migrate', 'golang-migrate');
    expect(finding).toMatchObject({ file: file('1_accounts.up.sql'), line: 13, column: 60, sqlstate: '42601' });
    expect(finding.statement).toMatch(/^ALTER TABLE account/);
  });

  it('dbmate: placed in the file from where its up section starts', async () => {
    const text = ['-- migrate:up', 'CREATE TABLE account (id bigint PRIMARY KEY, balance numeric);', PG18_ONLY, '', '-- migrate:down', 'DROP TABLE account;'].join('\n');
    await folder.write({ '20240101000000_accounts.sql': text });
    const { finding, trace } = await runOnce('dbmate', 'dbmate');
    expect(finding).toMatchObject({ line: 4, column: 60, sqlstate: '42601' });
    expect(trace.blocks[0]!.outcomes.map((o) => o.status)).toEqual(['skipped', 'error']);
  });
});

describe('an error raised while a statement runs', () => {
  it('in a script: the statement found by counting, the column where the server points', async () => {
    const text = 'CREATE TABLE t (id int, x int);\nINSERT INTO t VALUES (1, 1);\nUPDATE t\n   SET y = 2\n WHERE id = 1;\n';
    await folder.write({ '000001_t.up.sql': text });
    const { finding, trace } = await runOnce('rerun-all', 'rerun-all');
    expect(finding).toMatchObject({ line: 4, column: 8, sqlstate: '42703' });
    expect(trace.failure!.statement?.line).toBe(3);
  });

  it('sent statement by statement (cigogne): placed inside the statement', async () => {
    const text = ['--- migration:up', 'CREATE TABLE t (id int, x int);', '', 'UPDATE t', '   SET y = 2;', '--- migration:down', 'DROP TABLE t;', '--- migration:end'].join('\n');
    await folder.write({ '20250101000000-T.sql': text });
    const { finding } = await runOnce('cigogne', 'cigogne');
    expect(finding).toMatchObject({ line: 5, column: 8, sqlstate: '42703' });
  });

  it("codd: counted in the file, where ${VAR} stands before the value sent in its place", async () => {
    const text = ['-- codd-env-vars: TABLE_NAME', 'CREATE TABLE tbl (id int);', 'SELECT id, ${TABLE_NAME}.nope FROM ${TABLE_NAME};'].join('\n');
    await folder.write({ '2024-01-01-00-00-00-t.sql': text });
    const { finding } = await runOnce('codd', 'codd', { env: { TABLE_NAME: 'tbl' } });
    // The server points at "tbl.nope", which starts inside the value sent for ${TABLE_NAME}:
    // the place is that ${TABLE_NAME} in the file.
    expect(finding).toMatchObject({ line: 3, column: 12, sqlstate: '42703' });
  });

  it("codd: a place after a ${VAR} on the same line counts the file's characters, not the value's", async () => {
    const text = ['-- codd-env-vars: TABLE_NAME', 'CREATE TABLE a_rather_long_table_name (id int);', 'SELECT ${TABLE_NAME}.id, nope FROM ${TABLE_NAME};'].join('\n');
    await folder.write({ '2024-01-01-00-00-00-t.sql': text });
    const { finding } = await runOnce('codd', 'codd', { env: { TABLE_NAME: 'a_rather_long_table_name' } });
    expect(finding).toMatchObject({ line: 3, column: 26, sqlstate: '42703' });
  });

  it('golang-migrate multi-statement: a piece cut from a $$ body is placed in the file, not in the piece', async () => {
    const text = ['CREATE TABLE t (id int);', '', '-- a comment', "DO $$ BEGIN RAISE NOTICE 'one'; RAISE NOTICE 'two'; END $$;"].join('\n');
    await folder.write({ '1_t.up.sql': text, '1_t.down.sql': 'DROP TABLE t;' });
    const { finding } = await runOnce('golang-migrate', 'golang-migrate', { runnerOptions: { 'multi-statement': 'true' } });
    // The second piece is "\n\n-- a comment\nDO $$ BEGIN RAISE NOTICE 'one';": the server
    // reports its unterminated $$ where it opens.
    expect(finding).toMatchObject({ line: 4, column: 4, sqlstate: '42601' });
  });
});

describe('an error raised inside a DO block', () => {
  const text = [
    'CREATE TABLE t (id int, x int);', // 1
    '', // 2
    'DO $$', // 3
    'DECLARE', // 4
    '  n int := 0;', // 5
    'BEGIN', // 6
    '  n := n + 1;', // 7
    '  IF n > 0 THEN', // 8
    "    RAISE EXCEPTION 'no account for %', n", // 9
    "      USING ERRCODE = 'P0002';", // 10
    '  END IF;', // 11
    'END', // 12
    '$$;', // 13
  ];

  it('RAISE: named at the body line PL/pgSQL gives, the DO block as the statement', async () => {
    await folder.write({ '000001_t.up.sql': text.join('\n') });
    const { finding, trace } = await runOnce('rerun-all', 'rerun-all');
    expect(finding).toMatchObject({ line: 9, column: 5, sqlstate: 'P0002' });
    expect(finding.statement).toMatch(/^DO \$\$/);
    expect(trace.failure!.error.place?.via).toBe('plpgsql');
  });

  it('a query of the block: at its line and column, from the position in the query', async () => {
    const updating = [...text.slice(0, 8), '    UPDATE t', '       SET y = n;', ...text.slice(10)];
    await folder.write({ '000001_t.up.sql': updating.join('\n') });
    const { finding } = await runOnce('rerun-all', 'rerun-all');
    expect(finding).toMatchObject({ line: 10, column: 12, sqlstate: '42703' });
  });

  it('sent on its own (cigogne), with a function the block calls failing: the calling line of the block', async () => {
    const body = [
      '--- migration:up', // 1
      "CREATE FUNCTION fail_now() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN RAISE EXCEPTION 'inner'; END $f$;", // 2
      'DO $$', // 3
      'BEGIN', // 4
      '  PERFORM 1;', // 5
      '  PERFORM fail_now();', // 6
      'END $$;', // 7
      '--- migration:down',
      'DROP FUNCTION fail_now();',
      '--- migration:end',
    ];
    await folder.write({ '20250101000000-T.sql': body.join('\n') });
    const { finding } = await runOnce('cigogne', 'cigogne');
    expect(finding).toMatchObject({ line: 6, column: 3, sqlstate: 'P0001', message: 'inner' });
    expect(finding.detail).toBe('raised in PL/pgSQL function fail_now() line 1 at RAISE');
  });
});

describe('an error in a function', () => {
  it('a body the server refuses at CREATE FUNCTION: placed in the body, where the server points', async () => {
    const text = [
      'SELECT 1;', // 1
      'CREATE OR REPLACE FUNCTION touch() RETURNS void', // 2
      'LANGUAGE plpgsql AS $$', // 3
      'BEGIN', // 4
      '  counter := counter + 1;', // 5
      'END', // 6
      '$$;', // 7
    ].join('\n');
    await folder.write({ '000001_f.up.sql': text });
    const { finding } = await runOnce('rerun-all', 'rerun-all');
    expect(finding).toMatchObject({ line: 5, column: 3, sqlstate: '42601' });
    expect(finding.statement).toMatch(/^CREATE OR REPLACE FUNCTION touch/);
  });

  it('raised while a function runs: the calling statement, and the function and its line in the detail', async () => {
    const text = [
      "CREATE OR REPLACE FUNCTION check_seed() RETURNS void LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'seed missing'; END $$;", // 1
      '', // 2
      'SELECT 1,', // 3
      '       check_seed();', // 4
    ].join('\n');
    await folder.write({ '000001_f.up.sql': text });
    const { finding } = await runOnce('rerun-all', 'rerun-all');
    expect(finding).toMatchObject({ line: 3, column: 1, sqlstate: 'P0001', message: 'seed missing' });
    expect(finding.detail).toBe('raised in PL/pgSQL function check_seed() line 1 at RAISE');
  });
});

describe('a data difference after a second run', () => {
  it('is attributed to the UPDATE in the DO block that wrote it, not to the INSERT that names the table first', async () => {
    const story = path.join(ROOT, 'migrations-under-test/second-run-writer/broken');
    await folder.write({
      '000001_create_plans.up.sql': readFileSync(path.join(story, '000001_create_plans.up.sql'), 'utf8'),
      '000002_seed_plans.up.sql': readFileSync(path.join(story, '000002_seed_plans.up.sql'), 'utf8'),
      '000003_prices_include_vat.up.sql': [
        '-- Prices are shown with VAT from now on: store them that way.', // 1
        'ALTER TABLE billing.plan ADD COLUMN IF NOT EXISTS vat_rate numeric(4, 2) NOT NULL DEFAULT 0.20;', // 2
        '', // 3
        'DO $$', // 4
        'BEGIN', // 5
        '  -- Installations migrated by hand may lack the column: add VAT only where it is known.', // 6
        '  IF EXISTS (SELECT 1 FROM information_schema.columns', // 7
        "             WHERE table_schema = 'billing' AND table_name = 'plan' AND column_name = 'vat_rate') THEN", // 8
        '    UPDATE billing.plan', // 9
        '       SET price_cents = round(price_cents * (1 + vat_rate));', // 10
        '  END IF;', // 11
        'END', // 12
        '$$;', // 13
      ].join('\n'),
      '000004_rename_business_plan.up.sql': readFileSync(path.join(story, '000004_rename_business_plan.up.sql'), 'utf8'),
    });
    const report = await runChecks({ dir, runner: 'rerun-all', checks: ['twice'], postgres: [17], provider: 'embedded', server, options: {} });
    const [finding, ...others] = report.checks[0]!.findings;
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ check: 'twice', line: 9, column: 5 });
    expect(finding!.file).toMatch(/000003_prices_include_vat\.up\.sql$/);
    expect(finding!.statement).toMatch(/^DO \$\$/);
    expect(finding!.message).toContain('billing.plan');
    expect(finding!.message).toContain('written at line 9 inside the DO block at line 4');
  });

  it('the set second-run-writer/broken: the top-level UPDATE that re-adds VAT, not the seed INSERT before it', async () => {
    const report = await runChecks({
      dir: path.join(ROOT, 'migrations-under-test/second-run-writer/broken'),
      runner: 'rerun-all',
      checks: ['twice'],
      postgres: [17],
      provider: 'embedded',
      server,
      options: {},
    });
    const [finding, ...others] = report.checks[0]!.findings;
    expect(others).toEqual([]);
    expect(finding).toMatchObject({ check: 'twice', line: 4, column: 1 });
    expect(finding!.file).toMatch(/second-run-writer\/broken\/000003_prices_include_vat\.up\.sql$/);
    expect(finding!.statement).toMatch(/^UPDATE billing\.plan/);
  });

  it('names the statement after which the table last left its first-run value, not an earlier excursion', async () => {
    await folder.write({
      '000001_t.up.sql': 'CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, x int, visits int);\nINSERT INTO t VALUES (1, 1, 0) ON CONFLICT DO NOTHING;\n',
      '000002_u.up.sql': 'UPDATE t SET x = x + 100;\n',
      '000003_v.up.sql': 'UPDATE t SET x = x - 100;\n\n-- counts boots\nUPDATE t\n   SET visits = visits + 1;\n',
    });
    const report = await runChecks({ dir, runner: 'rerun-all', checks: ['twice'], postgres: [17], provider: 'embedded', server, options: {} });
    const [finding, ...others] = report.checks[0]!.findings;
    expect(others).toEqual([]);
    // 000002 moves x away and 000003 brings it back: the change that stays is the visit count.
    expect(finding).toMatchObject({ check: 'twice', line: 4, column: 1 });
    expect(finding!.file).toMatch(/000003_v\.up\.sql$/);
  });
});

describe('a data difference after a recovery (fault, resume)', () => {
  // 000002 queues a price change in its own transaction, then records it; 000003 applies what is
  // queued in a DO block and empties the queue. A fault after 000002's COMMIT leaves the change
  // queued, the next run queues it again, and 000003 applies it twice: the statement that wrote the
  // difference is the UPDATE in 000003's DO block, a later file than the fault's boundary.
  const files = {
    '000001_create_plans.up.sql': [
      'CREATE TABLE IF NOT EXISTS plan (code text PRIMARY KEY, price_cents integer NOT NULL);',
      "INSERT INTO plan VALUES ('team', 2900) ON CONFLICT (code) DO NOTHING;",
      'CREATE TABLE IF NOT EXISTS price_change (code text NOT NULL, factor numeric NOT NULL);',
      'CREATE TABLE IF NOT EXISTS price_note (note text PRIMARY KEY);',
    ].join('\n'),
    '000002_queue_vat.up.sql': [
      'BEGIN;', // 1
      "INSERT INTO price_change VALUES ('team', 1.2);", // 2
      'COMMIT;', // 3
      "INSERT INTO price_note VALUES ('VAT queued') ON CONFLICT DO NOTHING;", // 4
    ].join('\n'),
    '000003_apply_price_changes.up.sql': [
      '-- Applies every queued change, once: the queue is emptied after.', // 1
      'DO $$', // 2
      'DECLARE', // 3
      '  c record;', // 4
      'BEGIN', // 5
      '  FOR c IN SELECT * FROM price_change LOOP', // 6
      '    UPDATE plan SET price_cents = round(price_cents * c.factor) WHERE code = c.code;', // 7
      '  END LOOP;', // 8
      'END', // 9
      '$$;', // 10
      'DELETE FROM price_change;', // 11
    ].join('\n'),
  };

  it('fault: is attributed to the UPDATE in the DO block of a later file, and the case keeps the fault boundary', async () => {
    await folder.write(files);
    const report = await runChecks({ dir, runner: 'rerun-all', checks: ['fault'], postgres: [17], provider: 'embedded', server, options: { exhaustive: true } });
    const findings = report.checks[0]!.findings;
    // One root cause, whichever boundary the fault was at.
    expect(findings).toHaveLength(1);
    const [finding] = findings;
    expect(finding!.cases).toBeGreaterThan(1);
    expect(finding!.file).toMatch(/000003_apply_price_changes\.up\.sql$/);
    expect(finding).toMatchObject({ check: 'fault', line: 7, column: 5 });
    expect(finding!.statement).toMatch(/^DO \$\$/);
    // The smallest case: right after 000002's COMMIT, before its statement 4.
    expect(finding!.message).toMatch(/^fault error before statement 4 of block 2 \(script\): the next run succeeds but leaves another state than a fresh run: data:public\.plan, written by \S*000003_apply_price_changes\.up\.sql:7:5 inside the DO block at line 2/);
    expect(finding!.case).toMatchObject({ block: 1, at: 3, point: { line: 4, column: 1 } });
    expect(String((finding!.case!.point as { file: string }).file)).toMatch(/000002_queue_vat\.up\.sql$/);
    expect(finding!.diff!.map((d) => d.path)).toEqual(['data:public.plan']);
  });

  it('resume: a crash after the file that queued the change is attributed to the same UPDATE', async () => {
    await folder.write(files);
    const report = await runChecks({ dir, runner: 'rerun-all', checks: ['resume'], postgres: [17], provider: 'embedded', server, options: { exhaustive: true } });
    const [finding, ...others] = report.checks[0]!.findings;
    expect(others).toEqual([]);
    expect(finding!.file).toMatch(/000003_apply_price_changes\.up\.sql$/);
    expect(finding).toMatchObject({ check: 'resume', line: 7, column: 5 });
    expect(finding!.message).toMatch(/^crash after migration 2 \(000002_queue_vat\.up\.sql\): .*written by \S*000003_apply_price_changes\.up\.sql:7:5 inside the DO block at line 2/);
    expect(String((finding!.case!.point as { file: string }).file)).toMatch(/000002_queue_vat\.up\.sql$/);
  });

  it('the writer search compares rows as the recovery did, and a table the run never moves has no writer', async () => {
    // An upsert that stamps now() again moves the table's exact value but not its relaxed one; a row
    // the run never touches (put there before it) is a difference the run did not write.
    await folder.write({
      '000001_t.up.sql': 'CREATE TABLE IF NOT EXISTS log (line text);\nCREATE TABLE IF NOT EXISTS plan (code text PRIMARY KEY, stamped timestamptz);\n',
      '000002_stamp.up.sql': "INSERT INTO plan VALUES ('team', clock_timestamp())\n  ON CONFLICT (code) DO UPDATE SET stamped = clock_timestamp();\n",
    });
    const model = runnerModel('rerun-all');
    const states = new States(server, model, model.plan(await loadSet(dir, 'rerun-all')), { runnerOptions: {} });
    try {
      const fresh = await states.fresh();
      const start = await states.copy(fresh);
      await sql(start, "INSERT INTO log VALUES ('left by a fault')");
      const origin = (relaxation?: Relaxation): RunOrigin => ({ copy: () => server.createDatabase({ template: start.name }), ...(relaxation ? { relaxation } : {}) });
      const exact = await writersOf(states, origin(), ['public.log', 'public.plan']);
      expect([...exact.keys()]).toEqual(['public.plan']);
      expect(exact.get('public.plan')!.statement.file).toMatch(/000002_stamp\.up\.sql$/);
      const relaxed = await writersOf(states, origin((await states.relaxedReference(fresh)).relaxation), ['public.log', 'public.plan']);
      expect([...relaxed.keys()]).toEqual([]);
      await states.drop(start);
    } finally {
      await states.close();
    }
  });
});
