import { describe, expect, it } from 'vitest';
import { boundaries } from '../../src/checks/populated/boundaries.js';
import type { Migration } from '../../src/migrations/types.js';
import type { Block, Plan } from '../../src/runners/types.js';

const migration = (name: string): Migration => ({ id: name, name, orderKey: name, file: `/set/${name}.sql`, up: { statements: [] } as never, directives: {}, checksum: '' });
const block = (index: number, migrations: Migration[], record?: Migration): Block => ({ index, rule: 'in-txn', migrations, statements: [], ...(record ? { record } : {}) }) as Block;
const plan = (blocks: Block[]): Plan => ({ runner: 'x', set: { dir: '/set', format: 'x', migrations: [] } as never, blocks });

describe('populated boundaries', () => {
  const [a, b, c] = [migration('1_a'), migration('2_b'), migration('3_c')];

  it('after each block but the last; after the whole set only where every run runs every file', () => {
    const p = plan([block(0, [a]), block(1, [b]), block(2, [c])]);
    expect(boundaries(p, false).map((x) => [x.block, x.label])).toEqual([
      [1, 'after 1_a'],
      [2, 'after 2_b'],
    ]);
    expect(boundaries(p, true).map((x) => x.block)).toEqual([1, 2, 3]);
    expect(boundaries(p, true).at(-1)!.label).toBe('after the whole set');
  });

  it('none inside a block of several migrations: no deployment stops there', () => {
    expect(boundaries(plan([block(0, [a, b, c])]), false)).toEqual([]);
  });

  it('between a file and its record: the next run applies the file again', () => {
    const p = plan([block(0, [a]), block(1, [], a), block(2, [b]), block(3, [], b)]);
    const found = boundaries(p, false);
    expect(found.map((x) => [x.block, x.unrecorded, x.migration.name])).toEqual([
      [1, true, '1_a'],
      [2, false, '1_a'],
      [3, true, '2_b'],
    ]);
    expect(found[0]!.label).toMatch(/before the runner recorded it/);
  });
});
