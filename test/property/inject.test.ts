import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { initParser, splitStatements } from '../../src/migrations/split.js';
import { injectIntoScript } from '../../src/faults/inject.js';
import { durablePrefix } from '../../src/checks/fault.js';
import type { Block } from '../../src/runners/types.js';

// Statements whose text holds the traps a boundary must survive: `;` inside $$ bodies and
// literals, comments, non-ASCII text.
const statement = fc.constantFrom(
  'CREATE TABLE IF NOT EXISTS t (id int)',
  "INSERT INTO t VALUES (1)",
  "DO $$ BEGIN RAISE NOTICE 'a;b'; END $$",
  "SELECT 'é;🙂' AS x",
  'BEGIN',
  'COMMIT',
  '/* block; comment */ UPDATE t SET id = id',
  "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $body$",
);
const separator = fc.constantFrom(";\n", ";", ";\n\n-- note; with a semicolon\n", " ; ", "; -- trailing; comment\n");
const script = fc
  .tuple(fc.array(fc.tuple(statement, separator), { minLength: 1, maxLength: 8 }), fc.constantFrom('', ';', ';\n', '\n-- end'))
  .map(([parts, end]) => parts.map(([s, sep], i) => (i === parts.length - 1 ? s : s + sep)).join('') + end);

describe('fault injection into script text', () => {
  beforeAll(() => initParser());

  it('puts the fault statement exactly at the chosen boundary and leaves every other statement as it was', () => {
    fc.assert(
      fc.property(script, fc.nat(), (text, n) => {
        const where = { file: '/m/001.up.sql' };
        const before = splitStatements(text, where);
        const at = n % (before.length + 1);
        const after = splitStatements(injectIntoScript(text, before, at, `SELECT 'migtest fault'`), where);
        const expected = [...before.map((s) => s.sql)];
        expected.splice(at, 0, `SELECT 'migtest fault'`);
        expect(after.map((s) => s.sql)).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

describe('durable prefix of a faulted block', () => {
  beforeAll(() => initParser());

  const block = (rule: Block['rule'], text: string): Block => ({
    index: 0,
    rule,
    migrations: [],
    statements: splitStatements(text, { file: '/m/001.sql' }),
    text,
  });

  it('follows each transaction rule', () => {
    const text = 'CREATE TABLE a (x int); BEGIN; INSERT INTO a VALUES (1); COMMIT; INSERT INTO a VALUES (2);';
    expect([0, 1, 2, 3, 4, 5].map((at) => durablePrefix(block('in-txn', text), at))).toEqual([0, 0, 0, 0, 0, 0]);
    // A script is one implicit transaction: only what a COMMIT closed stays.
    expect([0, 1, 2, 3, 4, 5].map((at) => durablePrefix(block('script', text), at))).toEqual([0, 0, 0, 0, 4, 4]);
    // No-txn statements autocommit, except inside an explicit transaction the fault aborts.
    expect([0, 1, 2, 3, 4, 5].map((at) => durablePrefix(block('no-txn', text), at))).toEqual([0, 1, 1, 1, 4, 5]);
  });
});
