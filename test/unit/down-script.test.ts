import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadSet } from '../../src/migrations/load.js';
import { initParser } from '../../src/migrations/split.js';
import { tempFolder } from '../helpers/folders.js';

// Item 4 of issue 15: a down section that does not parse is kept on the migration (Script.invalid)
// for check `down` to report, in every format with downs; the up side still refuses the set.

let dir = '';
const { write } = tempFolder('migtest-down-script-', (d) => (dir = d));
beforeAll(async () => {
  await initParser();
});

describe('a syntax error in a down section', () => {
  it('golang-migrate: the set loads, the error is kept with its place', async () => {
    await write({ '1_a.up.sql': 'CREATE TABLE a (id int);\n', '1_a.down.sql': 'DROP TABLE a\nDROP TABLE b;\n' });
    const set = await loadSet(dir, 'golang-migrate');
    const down = set.migrations[0]!.down!;
    expect([down.invalid?.file, down.invalid?.line, down.invalid?.column]).toEqual([path.join(dir, '1_a.down.sql'), 2, 1]);
    expect(down.statements).toEqual([]);
    expect(set.migrations[0]!.up.statements).toHaveLength(1);
  });

  it('dbmate: the set loads, the error points into the down section of the file', async () => {
    await write({ '20240101000000_a.sql': '-- migrate:up\nCREATE TABLE a (id int);\n\n-- migrate:down\nDROP TABEL a;\n' });
    const down = (await loadSet(dir, 'dbmate')).migrations[0]!.down!;
    expect([down.invalid?.line, down.invalid?.column]).toEqual([5, 6]);
  });

  it('cigogne: the set loads, the error is kept', async () => {
    await write({ '20250101000000-A.sql': '--- migration:up\nCREATE TABLE a (id int);\n--- migration:down\nDROP TABEL a;\n--- migration:end\n' });
    const down = (await loadSet(dir, 'cigogne')).migrations[0]!.down!;
    expect(down.invalid?.line).toBe(4);
  });

  it('an error in an up section still refuses the set', async () => {
    await write({ '1_a.up.sql': 'CREATE TABEL a (id int);\n', '1_a.down.sql': 'DROP TABLE a;\n' });
    await expect(loadSet(dir, 'golang-migrate')).rejects.toThrow(/syntax error/);
  });
});
