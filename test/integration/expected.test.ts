import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest, ROOT, type JsonReport } from '../helpers/cli.js';

const DRIFT = 'migrations-under-test/schema-drift';

function tree(root: string): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else files[relative(root, full)] = readFileSync(full, 'utf8');
    }
  };
  walk(root);
  return files;
}

function expectedCheck(report: JsonReport) {
  const check = report.checks.find((c) => c.name === 'expected');
  expect(check).toBeDefined();
  return check!;
}

describe('check expected and migtest snapshot', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'migtest-expected-'));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  it('fails on the drifted set with one finding per drifted object, structured in JSON', async () => {
    const result = await migtest(['check', `${DRIFT}/broken`, '--runner', 'golang-migrate', '--checks', 'fresh,expected', '--format', 'json']);
    expect(result.code).toBe(1);
    const check = expectedCheck(JSON.parse(result.stdout) as JsonReport);
    expect(check.status).toBe('fail');
    const findings = check.findings.map((f) => ({ file: f.file, line: f.line, message: f.message, detail: (f as { detail?: string | null }).detail, diff: f.diff, reproduce: f.reproduce }));
    expect(findings.map((f) => f.message)).toEqual([
      'table public.orders: column total_cents changed (type)',
      'table public.orders: index orders_customer_id_idx missing: in the expected schema, not in the fresh one',
      'view public.customer_totals changed (definition)',
    ]);
    expect(findings[0]).toEqual({
      // On the migration that makes the column, the expected-schema file in the detail.
      file: `${DRIFT}/broken/000002_create_orders.up.sql`,
      line: 2,
      detail: `expected-schema file: ${DRIFT}/expected-schema/pg17/column/public.orders.total_cents.json`,
      message: 'table public.orders: column total_cents changed (type)',
      diff: [{ path: 'column:public.orders.total_cents', change: 'changed', expected: { type: 'bigint' }, found: { type: 'integer' } }],
      reproduce: `npx migtest check ${DRIFT}/broken --runner golang-migrate --checks expected --pg 17`,
    });
    expect(findings[1]!.diff).toEqual([
      {
        path: 'index:public.orders_customer_id_idx',
        change: 'missing',
        expected: expect.objectContaining({
          kind: 'index',
          table: 'public.orders',
          definition: 'CREATE INDEX orders_customer_id_idx ON public.orders USING btree (customer_id, placed_at DESC)',
        }),
      },
    ]);
    const view = findings[2]!.diff![0] as { path: string; change: string; unified?: Record<string, string> };
    expect(view).toMatchObject({ path: 'view:public.customer_totals', change: 'changed' });
    expect(view.unified?.definition).toContain("+     LEFT JOIN public.orders o ON o.customer_id = c.id AND o.status <> 'cancelled'::text");
    expect(view.unified?.definition).toContain('-     LEFT JOIN public.orders o ON o.customer_id = c.id\n');
  });

  it('passes on its twin, and joins the default checks when the folder exists', async () => {
    const result = await migtest(['check', `${DRIFT}/fixed`, '--runner', 'golang-migrate', '--format', 'json']);
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as JsonReport;
    expect(report.checks.map((c) => `${c.name} ${c.status}`)).toEqual(['fresh pass', 'twice skip', 'expected pass']); // golang-migrate never runs an applied file again
    expect(expectedCheck(report).cases).toBe(22);
  });

  it('snapshot writes byte-identical files for the same state and removes the files of objects that are gone', async () => {
    const set = join(scratch, 'set');
    cpSync(join(ROOT, DRIFT, 'fixed'), set, { recursive: true });
    const out = join(scratch, 'snapshots');
    const first = await migtest(['snapshot', set, '--runner', 'golang-migrate', '--out', out]);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/pg 17 \(17\.\d+\): 22 objects in .*pg17: 22 written, 0 removed, 0 unchanged/);
    const written = tree(out);
    // The committed files were written the same way from the same set.
    const committed = Object.entries(tree(join(ROOT, DRIFT, 'expected-schema'))).filter(([file]) => file.startsWith('pg17/'));
    expect(written).toEqual(Object.fromEntries(committed));

    const again = await migtest(['snapshot', set, '--runner', 'golang-migrate', '--out', out]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 written, 0 removed, 22 unchanged');
    expect(tree(out)).toEqual(written);

    rmSync(join(set, '000003_customer_totals.up.sql'));
    rmSync(join(set, '000003_customer_totals.down.sql'));
    const third = await migtest(['snapshot', set, '--runner', 'golang-migrate', '--out', out]);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('21 objects');
    expect(third.stdout).toContain('0 written, 1 removed, 21 unchanged');
    expect(existsSync(join(out, 'pg17/view'))).toBe(false);
    const { 'pg17/view/public.customer_totals.json': gone, ...rest } = written;
    expect(gone).toBeDefined();
    expect(tree(out)).toEqual(rest);
  });

  it('--ignore leaves owners, privileges and column order out; --expected and --ignore are in the reproduce command', async () => {
    const folder = join(scratch, 'edited-expected');
    cpSync(join(ROOT, DRIFT, 'expected-schema'), folder, { recursive: true });
    const pg17 = join(folder, 'pg17');
    const edit = (file: string, change: (o: Record<string, unknown>) => void): void => {
      const object = JSON.parse(readFileSync(join(pg17, file), 'utf8')) as Record<string, unknown>;
      change(object);
      writeFileSync(join(pg17, file), JSON.stringify(object, null, 2) + '\n');
    };
    edit('table/public.orders.json', (o) => {
      o.columns = (o.columns as string[]).reverse();
    });
    edit('table/public.customers.json', (o) => {
      o.owner = 'billing_owner';
    });
    edit('column/public.orders.status.json', (o) => {
      o.privileges = ['reporting=r/billing_owner'];
    });
    mkdirSync(join(pg17, 'default-privileges'));
    writeFileSync(
      join(pg17, 'default-privileges/public.tables.json'),
      JSON.stringify({ kind: 'default-privileges', path: 'default-privileges:public.tables', privileges: ['reporting=r/billing_owner'] }, null, 2) + '\n',
    );
    const run = (ignore: string[]) =>
      migtest(['check', `${DRIFT}/fixed`, '--runner', 'golang-migrate', '--checks', 'expected', '--expected', folder, ...ignore, '--format', 'json']);

    const all = await run([]);
    expect(all.code).toBe(1);
    const findings = expectedCheck(JSON.parse(all.stdout) as JsonReport).findings;
    expect(findings.map((f) => f.message)).toEqual([
      'table public.orders: column status changed (privileges)',
      'default-privileges public.tables missing: in the expected schema, not in the fresh one',
      'table public.customers changed (owner)',
      'table public.orders changed (columns)',
    ]);
    expect(findings[0]!.reproduce).toBe(
      `npx migtest check ${DRIFT}/fixed --runner golang-migrate --checks expected --pg 17 --expected ${folder}`,
    );

    const some = await run(['--ignore', 'owners', '--ignore', 'column-order']);
    expect(some.code).toBe(1);
    const left = expectedCheck(JSON.parse(some.stdout) as JsonReport).findings;
    expect(left.map((f) => f.diff![0]!.path)).toEqual(['column:public.orders.status', 'default-privileges:public.tables']);
    expect(left[0]!.reproduce).toBe(
      `npx migtest check ${DRIFT}/fixed --runner golang-migrate --checks expected --pg 17 --expected ${folder} --ignore column-order,owners`,
    );

    const none = await run(['--ignore', 'column-order,owners,privileges']);
    expect(none.code).toBe(0);
    expect(expectedCheck(JSON.parse(none.stdout) as JsonReport).status).toBe('pass');
  });

  it('a folder without the server major: skipped, naming the command that writes it', async () => {
    const folder = join(scratch, 'only-pg16');
    cpSync(join(ROOT, DRIFT, 'expected-schema/pg16'), join(folder, 'pg16'), { recursive: true });
    const result = await migtest(['check', `${DRIFT}/fixed`, '--runner', 'golang-migrate', '--checks', 'expected', '--expected', folder, '--format', 'json']);
    expect(result.code).toBe(0);
    const check = expectedCheck(JSON.parse(result.stdout) as JsonReport) as { status: string; reason?: string };
    expect(check.status).toBe('skip');
    expect(check.reason).toBe(`${join(folder, 'pg17')} does not exist: write it with npx migtest snapshot ${DRIFT}/fixed --runner golang-migrate --pg 17 --out ${folder}`);
  });

  it('exit 2 before any server starts: no expected-schema folder, or a foreign folder to write into', async () => {
    const missing = await migtest(['check', 'migrations-under-test/duplicate-rows/broken', '--runner', 'rerun-all', '--checks', 'fresh,expected', '--pg', '17,18']);
    expect(missing.code).toBe(2);
    expect(missing.stdout).toBe('');
    expect(missing.stderr).toBe(
      'migtest: no expected-schema folder migrations-under-test/duplicate-rows/expected-schema for check expected\n' +
        '  fix: write it from the set as it is now, review and commit it (or pass --expected <folder>): npx migtest snapshot migrations-under-test/duplicate-rows/broken --runner rerun-all --pg 17,18\n',
    );

    const foreign = join(scratch, 'foreign');
    mkdirSync(join(foreign, 'pg17'), { recursive: true });
    writeFileSync(join(foreign, 'pg17', 'notes.txt'), 'mine\n');
    const refused = await migtest(['snapshot', `${DRIFT}/fixed`, '--runner', 'golang-migrate', '--out', foreign]);
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toContain(`${join(foreign, 'pg17')} exists and is not a migtest snapshot folder`);
    expect(refused.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(join(foreign, 'pg17'))).toEqual(['notes.txt']);

    const badIgnore = await migtest(['check', `${DRIFT}/fixed`, '--runner', 'golang-migrate', '--ignore', 'grants']);
    expect(badIgnore.code).toBe(2);
    expect(badIgnore.stderr).toContain("--ignore does not know 'grants'");
  });
});
