import { describe, expect, it } from 'vitest';
import { causeOf, errorFinding, groupFindings, stateFinding } from '../../src/checks/findings.js';
import type { Finding } from '../../src/checks/types.js';
import type { Statement } from '../../src/migrations/types.js';

const REPRODUCE = 'npx migtest check db --runner rerun-all --checks fault --pg 17 --exhaustive';

/** A recovery finding as recoveryFinding words it today: the case's label, then what the next run did. */
function recovery(block: number, at: number, kind: 'error' | 'terminate', tail: string, extra: Partial<Finding> = {}): Finding {
  return {
    check: 'fault',
    file: `db/00000${block + 1}_x.up.sql`,
    line: at + 2,
    column: 1,
    statement: `CREATE TABLE t${block}_${at} ()`,
    sqlstate: '42710',
    message: `fault ${kind} before statement ${at + 1} of block ${block + 1} (script): ${tail}`,
    hint: 'guard it',
    diff: null,
    reproduce: REPRODUCE,
    case: { fault: kind, block, at },
    ...extra,
  };
}

const FAILS_AT_4 = 'the next run fails at db/000004_c.up.sql:2:1 (ALTER TABLE certificates …): constraint "c" for relation "t" already exists';

function statement(file: string, line: number): Statement {
  return { file, line, column: 1, sql: 'ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)', kind: 'AlterTableStmt' } as Statement;
}

describe('groupFindings: one finding per root cause', () => {
  it('makes the cases that end at the same failing statement one finding, the first case kept, the others counted', () => {
    const cases = [4, 5, 6, 7].flatMap((block) => [0, 1].flatMap((at) => (['error', 'terminate'] as const).map((kind) => recovery(block, at, kind, FAILS_AT_4))));
    const grouped = groupFindings(cases);
    expect(grouped).toHaveLength(1);
    expect(grouped[0]).toEqual({ ...cases[0], cases: 16 });
    expect(grouped[0]!.message).toContain('fault error before statement 1 of block 5');
  });

  it('keeps different causes apart: another statement, another SQLSTATE, another check, another difference', () => {
    const other = 'the next run fails at db/000006_d.up.sql:7:1 (INSERT …): duplicate key value violates unique constraint "k"';
    const diffA = [{ path: 'data:public.a', change: 'changed' as const, expected: { rows: 3 }, found: { rows: 6 } }];
    const diffB = [{ path: 'data:public.b', change: 'changed' as const, expected: { rows: 3 }, found: { rows: 6 } }];
    const diverged = 'the next run succeeds but leaves another state than a fresh run';
    const findings = [
      recovery(4, 0, 'error', FAILS_AT_4),
      recovery(4, 1, 'error', other, { sqlstate: '23505' }),
      recovery(4, 2, 'error', FAILS_AT_4, { sqlstate: '42P07' }),
      { ...recovery(4, 3, 'error', FAILS_AT_4), check: 'resume' as const },
      recovery(5, 0, 'error', `${diverged}: data:public.a`, { sqlstate: null, diff: diffA }),
      recovery(5, 1, 'error', `${diverged}: data:public.b`, { sqlstate: null, diff: diffB }),
      recovery(6, 0, 'terminate', FAILS_AT_4),
      recovery(6, 1, 'terminate', `${diverged}: data:public.a`, { sqlstate: null, diff: [{ ...diffA[0]!, found: { rows: 9 } }] }),
    ];
    const grouped = groupFindings(findings);
    // The same difference is the same path and kind of change, whatever values each case left.
    expect(grouped.map((f) => [f.case!.block, f.case!.at, f.cases])).toEqual([
      [4, 0, 2],
      [4, 1, 1],
      [4, 2, 1],
      [4, 3, 1],
      [5, 0, 2],
      [5, 1, 1],
    ]);
  });

  it('depends on the order of the cases only: the same cases give the same findings, in the order of their first case', () => {
    const a = recovery(4, 0, 'error', FAILS_AT_4);
    const b = recovery(4, 1, 'error', 'the next run fails at db/000006_d.up.sql:7:1 (INSERT …): duplicate key', { sqlstate: '23505' });
    const c = recovery(5, 0, 'terminate', FAILS_AT_4);
    expect(groupFindings([a, b, c])).toEqual(groupFindings([a, b, c]));
    expect(groupFindings([a, b, c]).map((f) => f.message)).toEqual([a.message, b.message]);
    expect(groupFindings([b, c, a]).map((f) => f.message)).toEqual([b.message, c.message]);
    // A finding that already stands for several cases adds them all.
    expect(groupFindings([{ ...a, cases: 3 }, c])[0]!.cases).toBe(4);
    expect(groupFindings([])).toEqual([]);
  });

  it('leaves out the names of databases a case made for itself', () => {
    const tail = (db: string) => `the next run fails at db/0001_boot.sql:12:1 (CREATE DATABASE orders): database "orders" already exists (on the server under test: ${db})`;
    const grouped = groupFindings([recovery(1, 0, 'error', tail('migtest_20669_50862d_5__orders_1c168a'), { sqlstate: '42P04' }), recovery(1, 1, 'error', tail('migtest_20669_50862d_9__orders_77aa01'), { sqlstate: '42P04' })]);
    expect(grouped.map((f) => f.cases)).toEqual([2]);
  });

  it('takes a finding\'s typed cause over its wording: the failing statement and error, or the difference', () => {
    const failure = { statement: statement('/abs/db/0004.up.sql', 2), error: { sqlstate: '42710', message: 'constraint "c" for relation "t" already exists' } };
    const first = errorFinding('fault', failure, REPRODUCE, 'fault error before statement 1 of block 5: constraint "c" …');
    const second = errorFinding('fault', failure, REPRODUCE, 'crash after migration 6: constraint "c" …, in other words');
    expect(causeOf(first)).toEqual({ file: first.file, line: 2, sqlstate: '42710', message: 'constraint "c" for relation "t" already exists', diff: null });
    expect(groupFindings([first, second])).toEqual([{ ...first, cases: 2 }]);

    const diff = [{ path: 'table:public.t', change: 'added' as const, found: {} }];
    const x = stateFinding('fault', 'fault error before statement 1 of block 2: the block must leave the state from before the block', diff, REPRODUCE);
    const y = stateFinding('fault', 'fault error before statement 3 of block 2: the block must leave exactly the first 2 statements', diff, REPRODUCE);
    expect(causeOf(x).diff).toEqual(['table:public.t added']);
    expect(groupFindings([x, y]).map((f) => f.cases)).toEqual([2]);
  });
});
