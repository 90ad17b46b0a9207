import type { CheckResult, Finding } from '../../src/checks/types.js';
import type { RunReport } from '../../src/run.js';

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

/** Two versions: on 17 a pass, a failure with two findings, a skip; on 16 a pass. */
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
      result({ name: 'resume', postgres: '17', status: 'skip', cases: 0, durationMs: 3, reason: 'the first run fails (see check "fresh") & <more>' }),
      result({ name: 'fault', postgres: '16', status: 'pass', cases: 22, durationMs: 1500 }),
    ],
  };
}
