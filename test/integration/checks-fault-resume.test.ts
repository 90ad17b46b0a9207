import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonRun, migtest, type JsonReport } from '../helpers/cli.js';
import { UNGUARDED_ROLE_BOOTSTRAP } from '../helpers/codd-bootstrap.js';

const SETS = 'migrations-under-test';

const run = jsonRun;

describe('checks fault and resume under rerun-all', () => {
  it('certctl-double-run/fixed survives a fault at every boundary and a crash after every migration', async () => {
    const { code, report } = await run([
      'check', `${SETS}/certctl-double-run/fixed`, '--runner', 'rerun-all', '--checks', 'resume,fault', '--exhaustive',
    ]);
    expect(report.checks.map((c) => [c.name, c.status, c.findings.length])).toEqual([
      ['resume', 'pass', 0],
      ['fault', 'pass', 0],
    ]);
    // 8 files: a crash after each; (statements + 1) boundaries per file, two fault kinds each.
    expect(report.checks[0]!.cases).toBe(8);
    expect(report.checks[1]!.cases).toBeGreaterThanOrEqual(2 * (8 + 8));
    expect(code).toBe(0);
  });

  it('certctl-double-run/broken: every fault after the constraint file makes the next boot fail with 42710, one finding for all of them', async () => {
    const scratch = mkdtempSync(join(tmpdir(), 'migtest-grouped-'));
    try {
      // The text on stdout and the JSON in a file, from one run.
      const out = join(scratch, 'report.json');
      const result = await migtest([
        'check', `${SETS}/certctl-double-run/broken`, '--runner', 'rerun-all', '--checks', 'fault', '--exhaustive', '--format', 'text,json', '--out', out,
      ]);
      expect(result.code).toBe(1);
      const report = JSON.parse(readFileSync(out, 'utf8')) as JsonReport;
      const [finding, ...rest] = report.checks[0]!.findings as (JsonReport['checks'][number]['findings'][number] & { cases: number; case: Record<string, unknown> })[];
      // One root cause (the unguarded ADD CONSTRAINT of 000004 fails on the next boot), one finding.
      expect(rest).toEqual([]);
      expect(finding!.sqlstate).toBe('42710');
      expect(finding!.message).toMatch(/^fault error before statement 1 of block 5 \(no-txn\): the next run fails at .*000004_certificate_constraints\.up\.sql:2:1/);
      // Faults in files 1 to 4 roll back within the first boot's implicit transactions, so the next
      // boot never finds the constraint; every boundary of files 5 to 8 (13) with both kinds does.
      expect(finding!.cases).toBe(26);
      // The first case in enumeration order, the simplest, with its own reproduce command.
      expect(finding!.case).toMatchObject({ fault: 'error', block: 4, at: 0, boundary: 'before' });
      expect(finding!.reproduce).toBe(`npx migtest check ${SETS}/certctl-double-run/broken --runner rerun-all --checks fault --pg 17 --exhaustive`);
      expect(result.stdout.match(/the next run fails at/g)).toHaveLength(1);
      expect(result.stdout).toContain('constraint "certificates_status_check" for relation "certificates" already exists (and 25 more cases)');
      expect(result.stdout.trimEnd().split('\n').at(-1)).toBe('FAIL 1 of 1 checks failed, 1 finding');
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });

  it('a sampled failure shrinks to the simplest case and replays from its seed and path', async () => {
    const args = ['check', `${SETS}/certctl-double-run/broken`, '--runner', 'rerun-all', '--checks', 'fault', '--seed', '7'];
    const first = await run(args);
    const [finding] = first.report.checks[0]!.findings;
    expect(finding).toBeDefined();
    expect((finding as { case?: unknown }).case).toEqual({
      fault: 'error', block: 4, at: 0, rule: 'no-txn', boundary: 'before', migration: '000005_create_notification_settings.up.sql',
    });
    const path = /--path (\S+)/.exec(finding!.reproduce)?.[1];
    expect(path).toBeDefined();
    const replay = await run([...args, '--path', path!]);
    expect(replay.report.checks[0]!.findings.map((f) => (f as { case?: unknown }).case)).toEqual([(finding as { case?: unknown }).case]);
  });
});

describe('cluster-level objects (codd bootstrap)', () => {
  it('a fault that loses the bootstrap record leaves a database the next run creates again: a note, and `dropdb orders` + `codd up` converges', async () => {
    const { code, report } = await run([
      'check', `${SETS}/codd-bootstrap/fixed`, '--runner', 'codd', '--runner-option', 'user=orders_owner',
      '--checks', 'fault', '--exhaustive',
    ]);
    // A lost connection after CREATE DATABASE, and every fault in the first block on the new
    // database (which would have recorded the bootstrap), meet 42P04 on the next run: codd's doing.
    expect(report.checks.map((c) => [c.status, c.findings.length])).toEqual([['pass', 0]]);
    expect(code).toBe(0);
  });

  it('tells apart states that differ only outside the database: the recovery fails only where the second role was made', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migtest-bootstrap-'));
    try {
      for (const [name, text] of Object.entries(UNGUARDED_ROLE_BOOTSTRAP)) writeFileSync(join(dir, name), text);
      const { code, report } = await run(['check', dir, '--runner', 'codd', '--runner-option', 'user=orders_owner', '--checks', 'fault', '--exhaustive']);
      expect(code).toBe(1);
      const findings = report.checks[0]!.findings;
      // A lost connection after CREATE ROLE orders_reader (the last boundary of the bootstrap), and
      // every fault in the next block: the role exists, the record does not; after `dropdb orders`
      // the bootstrap runs again and fails on the role. A lost connection before CREATE ROLE leaves
      // the same database (orders made, nothing recorded) without the role: it recovers.
      // One cause, five cases; the finding is the first of them in enumeration order.
      expect(findings).toHaveLength(1);
      const [f] = findings;
      expect(f!.cases).toBe(5);
      expect(f!.sqlstate).toBe('42710');
      expect(f!.message).toContain('after `dropdb orders` and `codd up`: the run fails at');
      expect(f!.message).toContain('role "orders_reader" already exists');
      const c = (f as { case?: { block: number; at: number; fault: string } }).case!;
      expect(`${c.block}:${c.at}:${c.fault}`).toBe('0:3:terminate');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('fault crash through the check', () => {
  it('certctl-double-run: the fixed set survives a server crash at every boundary; the broken one does not', async () => {
    const fixed = await run([
      'check', `${SETS}/certctl-double-run/fixed`, '--runner', 'rerun-all', '--checks', 'fault', '--faults', 'crash', '--exhaustive',
    ]);
    // 8 files, 20 statements: 28 boundaries, one crash each.
    expect(fixed.report.checks.map((c) => [c.status, c.cases, c.findings.length])).toEqual([['pass', 28, 0]]);
    expect(fixed.code).toBe(0);

    const broken = await run([
      'check', `${SETS}/certctl-double-run/broken`, '--runner', 'rerun-all', '--checks', 'fault', '--faults', 'crash', '--seed', '3',
    ]);
    const [finding, ...rest] = broken.report.checks[0]!.findings;
    expect(rest).toEqual([]);
    expect((finding as { case?: { fault: string; block: number } }).case).toMatchObject({ fault: 'crash', block: 4 });
    expect(finding!.sqlstate).toBe('42710');
    expect(finding!.reproduce).toContain('--faults crash');
    expect(broken.code).toBe(1);
    // 28 server restarts and a sampled run: over two minutes when the machine is loaded.
  }, 300_000);
});
