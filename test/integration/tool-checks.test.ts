import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { sharedServer } from '../helpers/shared-server.js';
import type { CheckName, RunReport } from '../../src/checks/types.js';

const shared = sharedServer();
const scratch = mkdtempSync(path.join(tmpdir(), 'migtest-tool-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const BOOT = path.join(ROOT, 'test/helpers/tools/boot-runner.mjs');
const DBMATE = `${path.join(ROOT, 'node_modules/.bin/dbmate')} --url {url} --migrations-dir {dir} --no-dump-schema up`;

function folder(name: string, files: Record<string, string>): string {
  const dir = path.join(scratch, name);
  rmSync(dir, { recursive: true, force: true });
  for (const [file, text] of Object.entries(files)) {
    writeFileSync(path.join(mkdir(dir), file), text);
  }
  return dir;
}

function mkdir(dir: string): string {
  mkdirSync(dir, { recursive: true });
  return dir;
}

function run(dir: string, tool: string, checks: CheckName[], options: Record<string, unknown> = {}, toolTracker?: string[]): Promise<RunReport> {
  return shared.runInCore({ dir, runner: 'tool', tool, checks, options: { seed: 7, ...options }, ...(toolTracker ? { toolTracker } : {}) });
}

describe('--tool: a real tool run through the proxy', () => {
  it('dbmate on a correct set: fresh, twice and every fault pass, the tracker compared as a tracker', async () => {
    const dir = path.join(ROOT, 'migrations-under-test/dbmate-transaction-false/fixed');
    const report = await run(dir, DBMATE, ['fresh', 'twice', 'fault'], { runs: 8 }, ['schema_migrations']);
    expect(report.checks.map((c) => [c.name, c.status])).toEqual([
      ['fresh', 'pass'],
      ['twice', 'pass'],
      ['fault', 'pass'],
    ]);
    const fault = report.checks[2]!;
    const boundaries = fault.details!.boundaries as number;
    // dbmate's own statements (its tracker, its transactions) are boundaries too: more than the three files.
    expect(boundaries).toBeGreaterThan(3);
    expect(fault.cases).toBeGreaterThan(2);
    expect(fault.cases).toBeLessThanOrEqual(8);
  });

  it('fresh fails at the statement of a multi-statement string the server stopped at, with its file and line', async () => {
    const dir = path.join(ROOT, 'migrations-under-test/dbmate-transaction-false/broken');
    const report = await run(dir, DBMATE, ['fresh', 'twice'], {}, ['schema_migrations']);
    const [fresh, twice] = report.checks;
    expect(fresh!.findings[0]).toMatchObject({ sqlstate: '25001', file: path.join(dir, '20240315143000_unique_order_external_ref.sql'), line: 3 });
    expect(fresh!.findings[0]!.statement).toMatch(/^CREATE UNIQUE INDEX CONCURRENTLY/);
    expect(twice).toMatchObject({ status: 'fail', cases: 0 });
    expect(twice!.reason).toMatch(/cannot run/);
  });

  it('twice finds the rows a boot runner without tracker doubles', async () => {
    const dir = folder('doubles', {
      '001_plans.sql': 'CREATE TABLE IF NOT EXISTS plans (code text, price int);\n',
      '002_seed.sql': "INSERT INTO plans VALUES ('basic', 10);\n",
    });
    const report = await run(dir, `node ${BOOT} {dir} file`, ['twice']);
    const finding = report.checks[0]!.findings[0]!;
    expect(finding.diff!.map((d) => d.path)).toEqual(['data:public.plans']);
    expect(finding.detail).toMatch(/second run sent 2 statement/);
  });

  it('fault finds a file whose statements autocommit one by one: the next boot fails at its first statement', async () => {
    const dir = folder('non-atomic', {
      '001_accounts.sql': 'CREATE TABLE accounts (id int PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS ledger (id int);\n',
    });
    const fixed = folder('atomic', {
      '001_accounts.sql': 'CREATE TABLE IF NOT EXISTS accounts (id int PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS ledger (id int);\n',
    });
    const broken = await run(dir, `node ${BOOT} {dir} statement`, ['fault'], { exhaustive: true });
    const fault = broken.checks[0]!;
    expect(fault.status).toBe('fail');
    expect(fault.details!.boundaries).toBe(2);
    const finding = fault.findings[0]!;
    expect(finding).toMatchObject({ sqlstate: '42P07', blame: { file: path.join(dir, '001_accounts.sql'), line: 1 } });
    expect(finding.message).toMatch(/^fault ack-lost at statement 1 \(CREATE TABLE accounts .*then the next run: the tool fails with 42P07/);
    expect(finding.reproduce).toContain("--tool 'node ");
    // error, terminate and ack-lost at statement 2, and ack-lost at statement 1: one cause.
    expect(finding.cases).toBe(4);
    const good = await run(fixed, `node ${BOOT} {dir} statement`, ['fault'], { exhaustive: true });
    expect(good.checks[0]).toMatchObject({ status: 'pass', cases: 6 });
  });

  it('a tracker column whose values differ from run to run (a duration) is no difference after a fault', async () => {
    const dir = folder('tracked', {
      '001_plans.sql': 'CREATE TABLE plans (code text PRIMARY KEY);\n',
      '002_seed.sql': "INSERT INTO plans VALUES ('basic');\n",
    });
    const report = await run(dir, `node ${BOOT} {dir} file tracked`, ['twice', 'fault'], { exhaustive: true }, ['applied']);
    expect(report.checks.map((c) => [c.name, c.status, c.findings.map((f) => f.message)])).toEqual([
      ['twice', 'pass', []],
      ['fault', 'pass', []],
    ]);
    expect(report.checks[1]!.cases).toBeGreaterThan(6);
  });

  it('concurrent: two replicas of a runner without a lock collide, with a session lock they wait and converge', async () => {
    const dir = folder('replicas', {
      '001_plans.sql': 'CREATE TABLE plans (code text PRIMARY KEY);\n',
      '002_seed.sql': "INSERT INTO plans VALUES ('basic');\n",
    });
    const racing = await run(dir, `node ${BOOT} {dir} file tracked`, ['concurrent'], { exhaustive: true });
    const race = racing.checks[0]!;
    expect(race.status).toBe('fail');
    // The second replica's CREATE TABLE meets the first's (or its tracker row): an error the server
    // gave, which of them depends on how far the first got (the relation, its row type, the catalog's
    // unique index); real processes race, so only the verdict is fixed, not the SQLSTATE.
    expect(race.findings[0]!.sqlstate).toMatch(/^(42P07|42710|23505)$/);
    // (Both replicas' first CREATE TABLE IF NOT EXISTS may also meet before the hold is reached.)
    expect(race.findings[0]!.message).toMatch(/^(replica 1 held before statement \d+ .* while 1 other\(s\) ran|2 replicas at once): replica \d/);
    const locked = await run(dir, `node ${BOOT} {dir} file tracked locked`, ['concurrent'], { exhaustive: true });
    expect(locked.checks[0]).toMatchObject({ status: 'pass', findings: [] });
    expect(locked.checks[0]!.cases).toBeGreaterThan(5);
  });

  it('a tool that fails on an empty database fails fresh with its own words when the server saw no error', async () => {
    const dir = folder('no-such', { '001.sql': 'SELECT 1;\n' });
    const report = await run(dir, 'echo "cannot read config" >&2; exit 3', ['fresh', 'lint']);
    expect(report.checks[0]!.findings[0]!.message).toMatch(/exits with code 3 without a server error: cannot read config/);
    expect(report.checks[1]).toMatchObject({ status: 'skip' });
  });
});

describe('--tool with check populated', () => {
  it('a boot runner without a tracker: the hash chain head that a run again resets, at the DO block that writes it; the fixed set passes', async () => {
    const tool = `node ${BOOT} {dir} file`;
    const broken = path.join(ROOT, 'migrations-under-test/populated-chain-head/broken');
    const [found] = (await run(broken, tool, ['populated'], { seed: 1 })).checks;
    expect(found!.status).toBe('fail');
    expect(found!.findings).toHaveLength(1);
    const finding = found!.findings[0]!;
    expect(finding).toMatchObject({ file: path.join(broken, '000003_hash_chain_audit_events.up.sql') });
    expect(finding.diff!.map((d) => d.path)).toEqual(['data:public.audit_chain_head']);
    expect(finding.rows!.join('\n')).toMatch(/^INSERT INTO "public"\."audit_events"/);
    const [fixed] = (await run(path.join(ROOT, 'migrations-under-test/populated-chain-head/fixed'), tool, ['populated'], { seed: 1 })).checks;
    expect(fixed!.status).toBe('pass');
  });
});
