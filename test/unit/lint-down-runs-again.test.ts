import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lintCommand } from '../../src/lint/command.js';

const RULE = 'down-runs-again';
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Lints a set written from `{ file: text }` under `runner`; the rule's findings as `file:line sqlstate`. */
async function lintFolder(files: Record<string, string>, runner: string, runnerOptions: Record<string, string> = {}): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'migtest-down-again-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const { report } = await lintCommand(dir, runner, { runnerOptions });
  return report.checks[0]!.findings.filter((f) => f.case?.rule === RULE).map((f) => `${basename(f.file ?? '')}:${f.line} ${String(f.case?.expects)}`);
}

const DBMATE_UP = '-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY IF NOT EXISTS t_a ON t (a);\n\n';

describe(RULE, () => {
  it('dbmate transaction:false: the row goes after the section, so its DROP without IF EXISTS can run twice', async () => {
    const files = (down: string) => ({
      '20240101000000_t.sql': '-- migrate:up\nCREATE TABLE t (a int);\n-- migrate:down\nDROP TABLE t;\n',
      '20240101000100_t_a.sql': `${DBMATE_UP}-- migrate:down transaction:false\n${down}\n`,
    });
    expect(await lintFolder(files('DROP INDEX CONCURRENTLY t_a;'), 'dbmate')).toEqual(['20240101000100_t_a.sql:5 42704']);
    expect(await lintFolder(files('DROP INDEX CONCURRENTLY IF EXISTS t_a;'), 'dbmate')).toEqual([]);
  });

  it('a down in the rollback\'s transaction never runs twice (the first DROP TABLE is not flagged)', async () => {
    expect(
      await lintFolder({ '20240101000000_t.sql': '-- migrate:up\nCREATE TABLE t (a int);\n-- migrate:down\nDROP TABLE t;\nALTER TABLE u DROP COLUMN b;\n' }, 'dbmate'),
    ).toEqual([]);
  });

  it('golang-migrate: one string never (migrate force says how far it got); with multi-statement every piece but the last', async () => {
    const files = {
      '1_t.up.sql': 'CREATE TABLE t (a int, b int);\nCREATE INDEX t_a ON t (a);\n',
      '1_t.down.sql': 'DROP INDEX t_a;\nALTER TABLE t DROP COLUMN b;\nDROP TABLE t;\n',
    };
    expect(await lintFolder(files, 'golang-migrate')).toEqual([]);
    expect(await lintFolder(files, 'golang-migrate', { 'multi-statement': 'true' })).toEqual(['1_t.down.sql:1 42704', '1_t.down.sql:2 42703']);
    expect(await lintFolder(files, 'golang-migrate', { 'multi-statement': 'true', transactions: 'true' })).toEqual([]);
  });

  it('cigogne disable_transaction: each statement commits and the row goes last', async () => {
    const files = (flag: string) => ({
      '20250101000000-CreateT.sql': `--- migration:up\nCREATE TABLE t (a int);\n--- migration:down${flag}\nDROP TABLE t;\n--- migration:end\n`,
    });
    expect(await lintFolder(files(' disable_transaction'), 'cigogne')).toEqual(['20250101000000-CreateT.sql:4 42P01']);
    expect(await lintFolder(files(''), 'cigogne')).toEqual([]);
  });
});
