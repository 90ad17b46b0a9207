import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest, ROOT, type JsonReport } from '../helpers/cli.js';
import { sharedServer } from '../helpers/shared-server.js';
import { sql } from '../helpers/db.js';
import { readSqlFiles, refuseClusterSetup } from '../../src/migrations/setup.js';
import { initParser } from '../../src/migrations/split.js';
import { verifyState } from '../../src/checks/verify.js';
import { InputError } from '../../src/migrations/types.js';

/*
 * --setup and --verify on a set that needs a schema, a role and an extension made before its
 * first migration (migrations-under-test/needs-setup): without the setup it cannot be tested at
 * all; with it, the verify statement is the only thing that sees the broken backfill.
 */

const STORY = join(ROOT, 'migrations-under-test/needs-setup');
const SETUP = join(STORY, 'setup.sql');
const VERIFY = join(STORY, 'verify.sql');
const scratch = mkdtempSync(join(tmpdir(), 'migtest-setup-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const shared = sharedServer();

function file(name: string, text: string): string {
  const path = join(scratch, name);
  writeFileSync(path, text);
  return path;
}

describe('a set that needs a setup', () => {
  it('without --setup, fresh fails with 3F000: the schema the setup makes does not exist', async () => {
    const report = await shared.run({ dir: join(STORY, 'fixed'), runner: 'rerun-all', checks: ['fresh'], options: {} });
    expect(report.checks[0]).toMatchObject({ name: 'fresh', status: 'fail' });
    expect(report.checks[0]!.findings[0]).toMatchObject({ sqlstate: '3F000', line: 1 });
  });

  it('broken: with --setup and --verify, the verify statement fails on every state a check reaches, as a finding of that check', async () => {
    const result = await migtest(['check', join(STORY, 'broken'), '--runner', 'rerun-all', '--checks', 'fresh,twice,resume', '--setup', SETUP, '--verify', VERIFY, '--seed', '14', '--format', 'json']);
    expect(result.code, result.stderr).toBe(1);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['fresh', 'fail'],
      ['twice', 'fail'],
      ['resume', 'fail'],
    ]);
    const states = ['on the fresh state', 'on the state after a second run', 'the next run leaves after crash after migration 1'];
    for (const [i, check] of report.checks.entries()) {
      expect(check.findings).toHaveLength(1);
      const finding = check.findings[0]!;
      expect(finding).toMatchObject({ check: check.name, file: 'migrations-under-test/needs-setup/verify.sql', line: 3, column: 1, sqlstate: null });
      expect(finding.message).toMatch(/^verify migrations-under-test\/needs-setup\/verify\.sql:3 does not hold: it returns false/);
      expect(finding.message).toContain(states[i]);
      // The reproduce command carries the setup and the verify files, so it finds the same.
      expect(finding.reproduce).toContain('--setup migrations-under-test/needs-setup/setup.sql --verify migrations-under-test/needs-setup/verify.sql');
    }
  });

  it('fixed: every check passes, the role, the schema and the extension made once by the setup', async () => {
    const result = await migtest(['check', join(STORY, 'fixed'), '--runner', 'rerun-all', '--checks', 'fresh,twice,resume,fault', '--setup', SETUP, '--verify', VERIFY, '--format', 'json']);
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.checks.map((c) => [c.name, c.status, c.findings.length])).toEqual([
      ['fresh', 'pass', 0],
      ['twice', 'pass', 0],
      ['resume', 'pass', 0],
      ['fault', 'pass', 0],
    ]);
  });

  it('a failing setup file is exit 2 naming its file, line and error, not a finding', async () => {
    const bad = file('bad-setup.sql', 'CREATE SCHEMA billing;\nCREATE EXTENSION no_such_extension;\n');
    const result = await migtest(['check', join(STORY, 'fixed'), '--runner', 'rerun-all', '--checks', 'fresh', '--setup', bad]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${bad}:2:1: the setup file fails on PostgreSQL 17: 0A000`);
    expect(result.stderr).toContain('no_such_extension');
    expect(result.stderr).toContain('fix: a --setup file runs once');
  });
});

describe('verify statements', () => {
  it('run in a transaction that is rolled back: a statement that writes leaves the state as it was', async () => {
    await initParser();
    const db = await shared.server().createDatabase();
    try {
      await sql(db, 'CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2), (3)');
      const [verify] = readSqlFiles([file('writes.sql', 'DELETE FROM t;\nSELECT count(*) = 0 FROM t;\nSELECT x < 3 FROM t;\n')], '--verify');
      const failures = await verifyState(db, [verify!]);
      // The DELETE held inside the transaction (the count is 0 there), and nothing of it stayed.
      expect(failures).toEqual([]);
      expect(await sql(db, 'SELECT count(*)::int AS n FROM t')).toEqual([{ n: 3 }]);
      // Without the DELETE, row 3 makes the third statement false; an error is a failure too, and the next still runs.
      const [more] = readSqlFiles([file('more.sql', 'SELECT x < 3 FROM t ORDER BY x;\nSELECT 1 / 0 = 1;\nSELECT null::boolean;\n')], '--verify');
      const found = await verifyState(db, [more!]);
      expect(found.map((f) => [f.statement.line, f.error?.sqlstate ?? null, f.notTrue ?? null, f.rows ?? null])).toEqual([
        [1, null, 1, 3],
        [2, '22012', null, null],
        [3, null, 1, 1],
      ]);
      // A first column that is not boolean asserts nothing: exit 2 at its line.
      const [count] = readSqlFiles([file('count.sql', '\nSELECT count(*) FROM t;\n')], '--verify');
      const error = await verifyState(db, [count!]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(InputError);
      expect(error).toMatchObject({ line: 2, message: expect.stringContaining('column "count" is not boolean') });
    } finally {
      await shared.server().dropDatabase(db.name);
    }
  });

  it('a verify file with BEGIN or COMMIT is refused before any server starts', async () => {
    await initParser();
    expect(() => readSqlFiles([file('txn.sql', 'SELECT true;\nCOMMIT;\n')], '--verify')).toThrow(/cannot hold BEGIN, COMMIT or ROLLBACK/);
  });
});

describe('--setup with --provider url', () => {
  it('refuses a setup that creates a role (the server is not migtest\'s) and allows schemas and extensions', async () => {
    await initParser();
    const setup = readSqlFiles([SETUP], '--setup');
    expect(() => refuseClusterSetup(setup)).toThrow(/CREATE ROLE in a --setup file changes the server outside migtest's scratch databases/);
    const local = readSqlFiles([file('local.sql', 'CREATE SCHEMA billing;\nCREATE EXTENSION IF NOT EXISTS citext;\n')], '--setup');
    expect(() => refuseClusterSetup(local)).not.toThrow();
  });
});
