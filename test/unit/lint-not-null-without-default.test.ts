import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lintCommand } from '../../src/lint/command.js';

const RULE = 'not-null-without-default';
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Lints a golang-migrate set written from `{ file: text }`; the rule's findings as `file:line sqlstate`. */
async function lintFolder(files: Record<string, string>, runner = 'golang-migrate'): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'migtest-not-null-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const { report } = await lintCommand(dir, runner, {});
  return report.checks[0]!.findings.filter((f) => f.case?.rule === RULE).map((f) => `${basename(f.file ?? '')}:${f.line} ${String(f.case?.expects)}`);
}

const TABLE = { '1_t.up.sql': 'CREATE TABLE t (id bigint PRIMARY KEY);\n' };

describe(RULE, () => {
  it('flags a NOT NULL or PRIMARY KEY column without a default on a table an earlier migration created', async () => {
    expect(await lintFolder({ ...TABLE, '2_a.up.sql': '-- a comment\nALTER TABLE t ADD COLUMN a text NOT NULL;\n' })).toEqual(['2_a.up.sql:2 23502']);
    expect(await lintFolder({ ...TABLE, '2_a.up.sql': 'ALTER TABLE t ADD COLUMN IF NOT EXISTS a int NOT NULL, ADD COLUMN b int;\n' })).toEqual(['2_a.up.sql:1 23502']);
    expect(await lintFolder({ '1_t.up.sql': 'CREATE TABLE t (a int);\n', '2_a.up.sql': 'ALTER TABLE t ADD COLUMN id int PRIMARY KEY;\n' })).toEqual(['2_a.up.sql:1 23502']);
  });

  it('leaves alone what gives the existing rows a value, and what cannot have rows', async () => {
    const fine = [
      'ALTER TABLE t ADD COLUMN a text NOT NULL DEFAULT \'\';',
      'ALTER TABLE t ADD COLUMN a bigint GENERATED ALWAYS AS IDENTITY;',
      'ALTER TABLE t ADD COLUMN a bigserial NOT NULL;',
      'ALTER TABLE t ADD COLUMN a bigint NOT NULL GENERATED ALWAYS AS (id * 2) STORED;',
      'ALTER TABLE t ADD COLUMN a text;',
      'ALTER TABLE t ALTER COLUMN id SET DEFAULT 1;',
    ];
    for (const sql of fine) expect(await lintFolder({ ...TABLE, '2_a.up.sql': `${sql}\n` }), sql).toEqual([]);
    // The same migration created it: empty when the column comes.
    expect(await lintFolder({ '1_t.up.sql': 'CREATE TABLE t (id int);\nALTER TABLE t ADD COLUMN a text NOT NULL;\n' })).toEqual([]);
    // Never created by the set: nothing is known of it.
    expect(await lintFolder({ '1_a.up.sql': 'ALTER TABLE elsewhere ADD COLUMN a text NOT NULL;\n' })).toEqual([]);
  });

  it('speaks under every runner, also where nothing runs twice (dbmate)', async () => {
    const files = {
      '20240101000000_t.sql': '-- migrate:up\nCREATE TABLE t (id int);\n-- migrate:down\nDROP TABLE t;\n',
      '20240101000100_a.sql': '-- migrate:up\nALTER TABLE t ADD COLUMN a text NOT NULL;\n-- migrate:down\nALTER TABLE t DROP COLUMN a;\n',
    };
    expect(await lintFolder(files, 'dbmate')).toEqual(['20240101000100_a.sql:2 23502']);
  });
});
