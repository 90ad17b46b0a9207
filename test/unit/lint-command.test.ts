import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lintCommand } from '../../src/lint/command.js';
import { formatLint } from '../../src/report/lint.js';
import { InputError } from '../../src/migrations/types.js';
import { toJson } from '../../src/report/json.js';
import { where } from './lint-set.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migtest-lint-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function write(files: Record<string, string>): void {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
}

describe('lintCommand', () => {
  it('reports every psql meta-command at its line, and still lints the rest of the set', async () => {
    write({
      '001_a.up.sql': '\\set ON_ERROR_STOP on\nCREATE TABLE t (id int);\n',
      '002_b.up.sql': 'CREATE TABLE IF NOT EXISTS u (id int);\n\\i seed.sql\n',
    });
    const { report, code } = await lintCommand(dir, 'rerun-all');
    const findings = report.checks[0]!.findings;
    expect(where(findings)).toEqual(['psql-meta-command 001_a.up.sql:1', 'create-if-not-exists 001_a.up.sql:2', 'psql-meta-command 002_b.up.sql:2']);
    expect(findings[0]!.file).toBe(join(dir, '001_a.up.sql'));
    expect(findings[0]!.statement).toBe('\\set ON_ERROR_STOP on');
    expect(findings[0]!.message).toMatch(/^psql-meta-command: "\\set ON_ERROR_STOP on" is a psql meta-command, not SQL/);
    expect(findings[2]!.hint).toContain('put the included SQL into the migration itself');
    expect(code).toBe(1);
    expect(report).toMatchObject({ ok: false, tool: 'migtest', runner: 'rerun-all', postgres: [], checks: [{ name: 'lint', status: 'fail', cases: 2 }] });
  });

  it('lets a comment suppress a meta-command finding', async () => {
    write({ '001_a.up.sql': '-- migtest-ignore: psql-meta-command\n\\set ON_ERROR_STOP on\nSELECT 1;\n' });
    const { report, code } = await lintCommand(dir, 'rerun-all');
    expect(report.checks[0]!.findings).toEqual([]);
    expect(code).toBe(0);
  });

  it('reports a cigogne disable_transaction migration of two statements and lints it as cigogne would run it', async () => {
    write({
      '20240101000000-Index.sql':
        '--- migration:up disable_transaction\nCREATE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);\nCREATE INDEX CONCURRENTLY j ON t (b);\n--- migration:down\nDROP INDEX i;\n--- migration:end\n',
    });
    const { report } = await lintCommand(dir, 'cigogne');
    // The down drops i and forgets j: down-leaves-behind says so.
    expect(where(report.checks[0]!.findings)).toEqual([
      'create-if-not-exists 20240101000000-Index.sql:3',
      'down-leaves-behind 20240101000000-Index.sql:3',
      'cigogne-disable-transaction 20240101000000-Index.sql:3',
    ]);
  });

  it('gives a clean set exit code 0, a JSON report in the check contract, and a text summary', async () => {
    write({ '001_a.up.sql': 'CREATE TABLE IF NOT EXISTS t (id int);\n' });
    const { report, code } = await lintCommand(dir, 'rerun-all');
    expect(code).toBe(0);
    const json = JSON.parse(toJson(report)) as { ok: boolean; checks: { name: string; findings: unknown[] }[] };
    expect(json.ok).toBe(true);
    expect(json.checks).toEqual([expect.objectContaining({ name: 'lint', status: 'pass', findings: [] })]);
    expect(formatLint(report)).toMatch(/PASS no lint findings in 1 statements/);
  });

  it('prints each finding with its place, rule, hint and the command that reproduces it', async () => {
    write({ '001_a.up.sql': 'CREATE TABLE t (id int);\n' });
    const text = formatLint((await lintCommand(dir, 'rerun-all', { runnerOptions: {} })).report);
    expect(text).toContain(`✗ ${join(dir, '001_a.up.sql')}:1:1`);
    expect(text).toContain('create-if-not-exists: CREATE TABLE t fails with 42P07');
    expect(text).toContain('hint: write CREATE TABLE IF NOT EXISTS t');
    expect(text).toContain(`reproduce: npx migtest lint ${dir} --runner rerun-all`);
    expect(text).toMatch(/FAIL 1 lint finding \(create-if-not-exists\)/);
  });

  it('refuses bad input as InputError (exit code 2 on the command line)', async () => {
    await expect(lintCommand(join(dir, 'missing'), 'rerun-all')).rejects.toBeInstanceOf(InputError);
    await expect(lintCommand(dir, 'flyway')).rejects.toBeInstanceOf(InputError);
    write({ '1_a.up.sql': 'SELECT 1;' });
    await expect(lintCommand(dir, 'golang-migrate', { runnerOptions: { nope: 'true' } })).rejects.toBeInstanceOf(InputError);
    write({ '2_b.up.sql': 'SELEC 1;' });
    await expect(lintCommand(dir, 'golang-migrate')).rejects.toThrow(/syntax error/);
  });
});
