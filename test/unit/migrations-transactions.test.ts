import { beforeAll, describe, expect, it } from 'vitest';
import { initParser, splitStatements } from '../../src/migrations/split.js';
import { committedBefore, durablePrefix, placeTransactions, type Wrapping } from '../../src/migrations/transactions.js';
import type { Statement } from '../../src/migrations/types.js';

const statements = (text: string): Statement[] => splitStatements(text, { file: '/m/001.sql' });

/** The transaction numbers of each statement, counted from 1 by one counter. */
function numbers(text: string, wrapping: Wrapping): { transaction: number; inBlock: boolean; explicitFrom?: number }[] {
  let n = 0;
  return placeTransactions(statements(text), wrapping, () => ++n);
}

describe('transactions of a session', () => {
  beforeAll(() => initParser());

  const TEXT = 'CREATE TABLE a (x int); BEGIN; INSERT INTO a VALUES (1); COMMIT; INSERT INTO a VALUES (2);';

  it('autocommit: each statement alone, except an explicit BEGIN … COMMIT', () => {
    expect(numbers(TEXT, 'autocommit')).toEqual([
      { transaction: 2, inBlock: false },
      { transaction: 3, inBlock: true, explicitFrom: 1 },
      { transaction: 3, inBlock: true, explicitFrom: 1 },
      { transaction: 3, inBlock: true, explicitFrom: 1 },
      { transaction: 5, inBlock: false },
    ]);
  });

  it("wrapped: the tool's transaction until a COMMIT of the file's own ends it; what follows autocommits", () => {
    // The BEGIN inside the tool's transaction is a no-op (PostgreSQL warns): no explicit transaction starts.
    expect(numbers(TEXT, 'wrapped').map((p) => [p.transaction, p.inBlock, p.explicitFrom])).toEqual([
      [1, true, undefined],
      [1, true, undefined],
      [1, true, undefined],
      [1, true, undefined],
      [3, false, undefined],
    ]);
  });

  it('string: one implicit transaction, and a new one after each COMMIT', () => {
    expect(numbers(TEXT, 'string').map((p) => [p.transaction, p.inBlock])).toEqual([
      [1, true],
      [1, true],
      [1, true],
      [1, true],
      [2, true],
    ]);
  });

  it('a ROLLBACK or PREPARE TRANSACTION ends an explicit transaction too', () => {
    const placed = numbers("BEGIN; SELECT 1; ROLLBACK; SELECT 2; BEGIN; SELECT 3; PREPARE TRANSACTION 'p'; SELECT 4;", 'autocommit');
    expect(placed.map((p) => p.inBlock)).toEqual([true, true, true, false, true, true, true, false]);
    expect(new Set(placed.map((p) => p.transaction)).size).toBe(4);
  });

  it('what is committed before each boundary', () => {
    const s = statements(TEXT);
    const at = (w: Wrapping): number[] => [0, 1, 2, 3, 4, 5].map((i) => committedBefore(s, w, i));
    expect(at('wrapped')).toEqual([0, 0, 0, 0, 0, 0]);
    expect(at('string')).toEqual([0, 0, 0, 0, 4, 4]);
    expect(at('autocommit')).toEqual([0, 1, 1, 1, 4, 5]);
  });

  it('a BEGIN inside an open transaction opens nothing: the first BEGIN is still what a fault aborts back to', () => {
    const s = statements('CREATE TABLE a (x int); BEGIN; INSERT INTO a VALUES (1); BEGIN; INSERT INTO a VALUES (2); COMMIT;');
    expect([0, 1, 2, 3, 4, 5, 6].map((i) => committedBefore(s, 'autocommit', i))).toEqual([0, 1, 1, 1, 1, 1, 6]);
  });

  it("a block's rule promises what its wrapping commits", () => {
    const block = (rule: 'in-txn' | 'no-txn' | 'script') => ({ rule, statements: statements(TEXT) });
    expect(durablePrefix(block('in-txn'), 4)).toBe(0);
    expect(durablePrefix(block('script'), 5)).toBe(4);
    expect(durablePrefix(block('no-txn'), 3)).toBe(1);
  });
});
