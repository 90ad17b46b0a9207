import { CANNOT_RUN } from '../../src/checks/applies.js';
import type { CheckResult, Finding, Note } from '../../src/checks/types.js';
import type { RunReport } from '../../src/checks/types.js';

/** A finding at a statement, with characters every output format must escape. */
export const AT_STATEMENT: Finding = {
  check: 'fault',
  file: 'sets/a,b/000004_x:y.up.sql',
  line: 2,
  column: 5,
  statement: "ALTER TABLE t\n  ADD CONSTRAINT c CHECK (a < 1 AND b > 2 AND s <> '&')",
  sqlstate: '42710',
  message: 'constraint "c" for relation "t" already exists: 100% sure <really> & \'quoted\'\r\nsecond line',
  detail: null,
  hint: 'guard it: IF NOT EXISTS, then\nre-run',
  diff: null,
  reproduce: "npx migtest check 'sets/a,b' --runner rerun-all --checks fault --pg 17 --exhaustive",
};

/** A finding about states, with no statement to point at. */
export const WITHOUT_FILE: Finding = {
  check: 'fault',
  file: null,
  line: null,
  column: null,
  statement: null,
  sqlstate: null,
  message: 'fault terminate before statement 1 of block 2 (in-txn): the block must leave the state from before the block',
  hint: null,
  diff: [{ path: 'table:public.t', change: 'added', found: { columns: [] } }],
  reproduce: 'npx migtest check sets/x --runner golang-migrate --checks fault --pg 16 --exhaustive',
  case: { fault: 'terminate', block: 1, at: 0, rule: 'in-txn', boundary: 'before', migration: '000002_b' },
};

function result(partial: Partial<CheckResult> & Pick<CheckResult, 'name' | 'postgres' | 'status'>): CheckResult {
  return { cases: 1, durationMs: 0, findings: [], ...partial };
}

/** Two versions: on 17 a pass, a failure with two findings, a skip (no case on this shard); on 16 a pass. */
export function handMadeReport(): RunReport {
  return {
    ok: false,
    tool: 'migtest',
    version: '0.1.0',
    set: 'sets/a,b',
    runner: 'rerun-all',
    postgres: ['17.10', '16.14'],
    shard: { index: 2, count: 4 },
    checks: [
      result({ name: 'fresh', postgres: '17', status: 'pass', cases: 1, durationMs: 120 }),
      result({ name: 'fault', postgres: '17', status: 'fail', cases: 22, durationMs: 2500, findings: [AT_STATEMENT, WITHOUT_FILE] }),
      result({ name: 'resume', postgres: '17', status: 'skip', cases: 0, durationMs: 3, reason: 'none of the 22 cases falls on shard 2/4 & <more>' }),
      result({ name: 'fault', postgres: '16', status: 'pass', cases: 22, durationMs: 1500 }),
    ],
  };
}

/** A finding that stands for 16 cases with one root cause: a codd file that is not safe to run again. */
export const GROUPED: Finding = {
  check: 'fault',
  file: 'db/2024-05-02-cancel.sql',
  line: 5,
  column: 1,
  statement: "UPDATE orders SET status = 'cancelled'",
  sqlstate: '42710',
  message: 'fault terminate before statement 2 of block 2 (no-txn): the next run fails at db/2024-05-02-cancel.sql:3:1: enum label "cancelled" already exists',
  detail: null,
  hint: 'add IF NOT EXISTS',
  diff: null,
  reproduce: 'npx migtest check db --runner codd --checks fault --pg 17 --exhaustive',
  case: { fault: 'terminate', block: 1, at: 1, rule: 'no-txn', boundary: 'before', migration: '2024-05-02-cancel.sql' },
  cases: 16,
};

/** The error of a first run that fails, as a check that could not run reports it. */
export const FIRST_RUN_FAILS: Finding = {
  check: 'twice',
  file: 'db/0001_divide.up.sql',
  line: 2,
  column: 1,
  statement: 'SELECT 1 / 0',
  sqlstate: '22012',
  message: 'the first run fails here, so twice cannot run: division by zero',
  detail: null,
  hint: null,
  diff: null,
  reproduce: 'npx migtest check db --runner rerun-all --checks twice --pg 17',
  cause: { file: 'db/0001_divide.up.sql', line: 2, sqlstate: '22012', message: 'division by zero', diff: null },
};

/** What the tool always does, with the operator's action. */
export const DIRTY: Note = {
  check: 'fault',
  file: 'db/000002_orders.up.sql',
  message: 'golang-migrate leaves version 2 dirty after any failure in this file',
  action: 'migrate force 1, then migrate up',
};

/** On 17: twice could not run (the set does not apply); fault failed with one grouped finding and a note; resume passed with a note. */
export function notesReport(): RunReport {
  return {
    ok: false,
    tool: 'migtest',
    version: '0.1.0',
    set: 'db',
    runner: 'golang-migrate',
    postgres: ['17.10'],
    checks: [
      result({ name: 'twice', postgres: '17', status: 'fail', cases: 0, durationMs: 2, reason: CANNOT_RUN, findings: [FIRST_RUN_FAILS] }),
      result({ name: 'fault', postgres: '17', status: 'fail', cases: 24, durationMs: 900, findings: [GROUPED], notes: [DIRTY] }),
      result({ name: 'resume', postgres: '17', status: 'pass', cases: 3, durationMs: 300, notes: [{ ...DIRTY, check: 'resume', file: null }] }),
    ],
  };
}
