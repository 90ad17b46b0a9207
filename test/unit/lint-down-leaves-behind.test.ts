import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lintCommand } from '../../src/lint/command.js';

const RULE = 'down-leaves-behind';
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Lints a golang-migrate set written from `{ file: text }`; the rule's findings as `file:line name`. */
async function lintFolder(files: Record<string, string>, runner = 'golang-migrate'): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'migtest-down-lint-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const { report } = await lintCommand(dir, runner);
  return report.checks[0]!.findings.filter((f) => f.case?.rule === RULE).map((f) => `${basename(f.file ?? '')}:${f.line} ${/drop (\w+ \S+),/.exec(f.message)?.[1]}`);
}

describe(RULE, () => {
  it('flags a type the down forgets, at the CREATE of the up', async () => {
    expect(
      await lintFolder({
        '1_status.up.sql': "CREATE TYPE status AS ENUM ('a', 'b');\nALTER TABLE t ADD COLUMN s status;\n",
        '1_status.down.sql': 'ALTER TABLE t DROP COLUMN s;\n',
      }),
    ).toEqual(['1_status.up.sql:1 type status']);
  });

  it('an index goes with its table, everything with a dropped schema, and a qualified name counts by its own name', async () => {
    expect(
      await lintFolder({
        '1_a.up.sql': 'CREATE SCHEMA billing;\nCREATE TABLE billing.invoices (id int);\nCREATE TABLE public.tags (id int);\nCREATE INDEX tags_id_idx ON tags (id);\nCREATE SEQUENCE billing.numbers;\n',
        '1_a.down.sql': 'DROP TABLE public.tags;\nDROP SCHEMA billing CASCADE;\n',
      }),
    ).toEqual([]);
  });

  it('an index a constraint took over goes with the constraint; one the up drops again is not the down\'s', async () => {
    expect(
      await lintFolder({
        '1_a.up.sql': 'CREATE UNIQUE INDEX t_ref_idx ON t (ref);\nALTER TABLE t ADD CONSTRAINT t_ref_key UNIQUE USING INDEX t_ref_idx;\nCREATE TABLE scratch (id int);\nDROP TABLE scratch;\n',
        '1_a.down.sql': 'ALTER TABLE t DROP CONSTRAINT t_ref_key;\n',
      }),
    ).toEqual([]);
  });

  it('flags a table whose DROP is misspelt, a view and an extension', async () => {
    expect(
      await lintFolder({
        '1_a.up.sql': 'CREATE TABLE shipment_items (id int);\nCREATE VIEW open_items AS SELECT 1 AS x;\nCREATE EXTENSION IF NOT EXISTS citext;\n',
        '1_a.down.sql': 'DROP TABLE shipment_item;\n',
      }),
    ).toEqual(['1_a.up.sql:1 table shipment_items', '1_a.up.sql:2 view open_items', '1_a.up.sql:3 extension citext']);
  });

  it('says nothing without a down section, and nothing under a tool that has no downs', async () => {
    expect(await lintFolder({ '1_a.up.sql': 'CREATE TABLE a (id int);\n' })).toEqual([]);
    expect(await lintFolder({ '000001_a.up.sql': 'CREATE TABLE IF NOT EXISTS a (id int);\n', '000001_a.down.sql': 'SELECT 1;\n' }, 'rerun-all')).toEqual([]);
  });
});
