import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lintCommand } from '../../src/lint/command.js';
import { where } from './lint-set.js';

const RULE = 'psql-meta-command';
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'migtest-lint-psql-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function lintFiles(files: Record<string, string>, runner = 'rerun-all'): Promise<string[]> {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return where((await lintCommand(dir, runner)).report.checks[0]!.findings);
}

describe(RULE, () => {
  it('flags each meta-command at its line (the loader refuses the set at the first one)', async () => {
    expect(await lintFiles({ '001_a.up.sql': '\\set ON_ERROR_STOP off\nSELECT 1;\n\\echo done\n', '002_b.up.sql': '\\copy t FROM data.csv\n' })).toEqual([
      `${RULE} 001_a.up.sql:1`,
      `${RULE} 001_a.up.sql:3`,
      `${RULE} 002_b.up.sql:1`,
    ]);
  });

  it('does not flag a backslash inside a string, nor codd COPY data and its \\. line', async () => {
    expect(await lintFiles({ '001_a.up.sql': "SELECT E'a\\nb', '\\set x';\n" })).toEqual([]);
    rmSync(join(dir, '001_a.up.sql'));
    const codd = { '2024-01-01-00-00-00-seed.sql': 'CREATE TABLE t (a text);\nCOPY t (a) FROM STDIN;\nx\\ty\n\\.\n' };
    expect(await lintFiles(codd, 'codd')).toEqual([]);
  });

  it('is suppressed by a comment on the line before, and the comment is unused where nothing is flagged', async () => {
    expect(await lintFiles({ '001_a.up.sql': `-- migtest-ignore: ${RULE}\n\\set ON_ERROR_STOP on\nSELECT 1;\n` })).toEqual([]);
    expect(await lintFiles({ '001_a.up.sql': `-- migtest-ignore: ${RULE}\nSELECT 1;\n` })).toEqual([`unused-ignore 001_a.up.sql:1`]);
  });
});
