import { cpSync, mkdtempSync, rmSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest, ROOT, type JsonReport } from '../helpers/cli.js';

const SETS = 'migrations-under-test';

async function checkJson(dir: string): Promise<{ code: number | null; report: JsonReport; stderr: string }> {
  const result = await migtest(['check', dir, '--runner', 'rerun-all', '--checks', 'fresh,twice', '--format', 'json']);
  return { code: result.code, report: JSON.parse(result.stdout) as JsonReport, stderr: result.stderr };
}

function twiceOf(report: JsonReport) {
  const twice = report.checks.find((c) => c.name === 'twice');
  expect(twice).toBeDefined();
  return twice!;
}

describe('rerun-all: the cold-boot double-run bug', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'migtest-sets-'));
  chmodSync(scratch, 0o755);
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('finds 42710 on the second boot of the broken set, at the unguarded ADD CONSTRAINT', async () => {
    const { code, report } = await checkJson(`${SETS}/certctl-double-run/broken`);
    expect(code).toBe(1);
    expect(report).toMatchObject({ ok: false, tool: 'migtest', runner: 'rerun-all', set: `${SETS}/certctl-double-run/broken` });
    expect(report.checks.find((c) => c.name === 'fresh')?.status).toBe('pass');
    const twice = twiceOf(report);
    expect(twice.status).toBe('fail');
    expect(twice.findings).toHaveLength(1);
    const [finding] = twice.findings;
    expect(finding).toMatchObject({
      check: 'twice',
      file: `${SETS}/certctl-double-run/broken/000004_certificate_constraints.up.sql`,
      line: 2,
      column: 1,
      sqlstate: '42710',
    });
    expect(finding!.message).toContain('constraint "certificates_status_check" for relation "certificates" already exists');
    expect(finding!.statement).toMatch(/^ALTER TABLE certificates\s+ADD CONSTRAINT certificates_status_check/);
    expect(finding!.hint).toMatch(/pg_constraint.*DO block.*DROP CONSTRAINT IF EXISTS/s);
    expect(finding!.reproduce).toBe(
      `npx migtest check ${SETS}/certctl-double-run/broken --runner rerun-all --checks twice --pg 17`,
    );
  });

  it('with only the ADD CONSTRAINT file repaired, finds the sibling 42P10 at the ON CONFLICT seed', async () => {
    const dir = join(scratch, 'one-fixed');
    cpSync(join(ROOT, SETS, 'certctl-double-run/broken'), dir, { recursive: true });
    cpSync(
      join(ROOT, SETS, 'certctl-double-run/fixed/000004_certificate_constraints.up.sql'),
      join(dir, '000004_certificate_constraints.up.sql'),
    );
    const { code, report } = await checkJson(dir);
    expect(code).toBe(1);
    const [finding, ...rest] = twiceOf(report).findings;
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({ check: 'twice', line: 7, column: 1, sqlstate: '42P10' });
    expect(finding!.file).toMatch(/000006_seed_defaults\.up\.sql$/);
    expect(finding!.message).toContain('no unique or exclusion constraint matching the ON CONFLICT specification');
    expect(finding!.hint).toContain('a later migration dropped it');
  });

  it('passes the fixed set', async () => {
    const { code, report } = await checkJson(`${SETS}/certctl-double-run/fixed`);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.name, c.status, c.cases])).toEqual([
      ['fresh', 'pass', 1],
      ['twice', 'pass', 1],
    ]);
  });
});

describe('rerun-all: rows that double on the second run', () => {
  it('names the doubled table and its row counts, at the INSERT without ON CONFLICT', async () => {
    const { code, report } = await checkJson(`${SETS}/duplicate-rows/broken`);
    expect(code).toBe(1);
    const [finding, ...rest] = twiceOf(report).findings;
    expect(rest).toEqual([]);
    expect(finding).toMatchObject({
      check: 'twice',
      file: `${SETS}/duplicate-rows/broken/000003_seed_notification_templates.up.sql`,
      line: 2,
      sqlstate: null,
    });
    expect(finding!.message).toBe(
      'second run changed the data of public.notification_templates: 3 rows after the first run, 6 after the second',
    );
    expect(finding!.diff).toEqual([
      expect.objectContaining({ path: 'data:public.notification_templates', change: 'changed' }),
    ]);
    expect(finding!.diff![0]!.expected).toMatchObject({ rows: 3 });
    expect(finding!.diff![0]!.found).toMatchObject({ rows: 6 });
  });

  it('passes the fixed set', async () => {
    const { code, report } = await checkJson(`${SETS}/duplicate-rows/fixed`);
    expect(code).toBe(0);
    expect(report.ok).toBe(true);
  });
});

describe('bad input', () => {
  it('exits 2 with the folder and what to do, without a stack trace', async () => {
    const result = await migtest(['check', `${SETS}/nope`, '--runner', 'rerun-all']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`migtest: ${SETS}/nope: the migration folder does not exist`);
    expect(result.stderr).toContain('fix:');
    expect(result.stderr).not.toMatch(/\n\s+at /);
    expect(result.stdout).toBe('');
  });

  it('exits 2 for a psql meta-command, naming its file and line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migtest-psql-'));
    try {
      cpSync(join(ROOT, SETS, 'duplicate-rows/fixed'), dir, { recursive: true });
      const { writeFileSync } = await import('node:fs');
      writeFileSync(join(dir, '000009_psql.up.sql'), 'SELECT 1;\n\\set ON_ERROR_STOP off\nSELECT 2;\n');
      const result = await migtest(['check', dir, '--runner', 'rerun-all']);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/000009_psql\.up\.sql:2:1: "\\set ON_ERROR_STOP off" is a psql meta-command/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exits 2 for an unknown runner or check', async () => {
    expect((await migtest(['check', `${SETS}/duplicate-rows/fixed`, '--runner', 'flyway'])).code).toBe(2);
    const unknown = await migtest(['check', `${SETS}/duplicate-rows/fixed`, '--runner', 'rerun-all', '--checks', 'fresh,often']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown check 'often'");
  });
});
