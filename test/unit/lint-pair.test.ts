import { describe, expect, it } from 'vitest';
import { blameOf, pairFindings } from '../../src/checks/lint.js';
import { recoveryFinding } from '../../src/checks/recovery.js';
import type { CheckName, CheckResult, Finding } from '../../src/checks/types.js';
import { lintSet } from '../../src/lint/engine.js';
import { initParser, splitStatements } from '../../src/migrations/split.js';
import { runnerModel } from '../../src/runners/registry.js';
import type { Plan } from '../../src/runners/types.js';
import { memorySet } from './lint-set.js';
import { pathIn } from '../../src/checks/paths.js';
import { displayText } from '../../src/report/paths.js';

const FILES = {
  '004.up.sql': '-- constraints\nALTER TABLE c\n  ADD CONSTRAINT c_status_check CHECK (status <> \'\');\nALTER TABLE c ADD CONSTRAINT c_serial_key UNIQUE (serial);',
  '005.up.sql': "CREATE TABLE IF NOT EXISTS t (event text);\nINSERT INTO t VALUES ('a');",
};
const F4 = '/sets/example/004.up.sql';
const F5 = '/sets/example/005.up.sql';

async function lintResult(): Promise<{ result: CheckResult; plan: Plan }> {
  const set = await memorySet(FILES, 'rerun-all');
  const plan = runnerModel('rerun-all').plan(set);
  const findings = lintSet({ set, model: runnerModel('rerun-all'), plan, reproduce: 'lint' });
  return { result: result('lint', findings), plan };
}

function result(name: CheckName, findings: Finding[], status: CheckResult['status'] = findings.length ? 'fail' : 'pass'): CheckResult {
  return { name, postgres: '17', status, cases: 1, durationMs: 1, findings };
}

function dynamic(check: CheckName, file: string, line: number, message: string, sqlstate: string | null = null): Finding {
  return { check, file, line, column: 1, statement: '…', sqlstate, message, hint: null, diff: null, reproduce: '' };
}

describe('pairFindings', () => {
  it('confirms a lint finding whose statement a twice error blames, and marks the statements after the stop as unreached', async () => {
    const { result: lint, plan } = await lintResult();
    // The lint results hold set-relative paths as displayPath gives them; here they are absolute.
    expect(lint.findings.map((f) => `${String(f.case?.rule)} ${f.file}:${f.line}`)).toEqual([
      `add-constraint-unguarded ${F4}:2`,
      `add-constraint-unguarded ${F4}:4`,
      `insert-without-on-conflict ${F5}:2`,
    ]);
    const twice = result('twice', [dynamic('twice', F4, 2, 'constraint "c_status_check" for relation "c" already exists', '42710')]);
    const [pairedLint, pairedTwice] = pairFindings([lint, twice], plan);
    expect(pairedLint!.findings.map((f) => [f.case?.confirmed, f.case?.confirmedBy, f.case?.unreached])).toEqual([
      [true, ['twice'], undefined],
      [false, undefined, true],
      [false, undefined, true],
    ]);
    expect(pairedTwice!.findings[0]!.case).toEqual({ lint: ['add-constraint-unguarded'] });
  });

  it('confirms a data finding located at the writing statement; a dynamic finding lint would not catch gets an empty list', async () => {
    const { result: lint, plan } = await lintResult();
    const twice = result('twice', [
      dynamic('twice', F5, 2, 'second run changed the data of public.t: 1 rows after the first run, 2 after the second'),
      dynamic('twice', F5, 1, 'second run succeeded but changed the schema'),
    ]);
    const [pairedLint, pairedTwice] = pairFindings([lint, twice], plan);
    expect(pairedLint!.findings.map((f) => f.case?.confirmed)).toEqual([false, false, true]);
    expect(pairedLint!.findings[0]!.case?.unreached).toBeUndefined();
    expect(pairedTwice!.findings.map((f) => f.case?.lint)).toEqual([['insert-without-on-conflict'], []]);
  });

  it('blames the statement a recovery fails at, not the point of the fault', async () => {
    await initParser();
    const [point, failing] = splitStatements("CREATE TYPE s AS ENUM ('a');\nALTER TYPE s ADD VALUE 'c';", { file: '/sets/x.sql' });
    const failed = { kind: 'failed' as const, statement: failing!, error: { sqlstate: '42710', message: 'enum label "c" already exists' } };
    const finding = recoveryFinding('fault', { statement: point!, label: 'fault terminate after the last statement of block 2 (no-txn)', details: {} }, failed, 'r')!;
    expect([finding.file, finding.line]).toEqual(['/sets/x.sql', 1]);
    // The message marks the path; a reporter shows it (an absolute path outside the current directory stays absolute).
    expect(displayText(finding.message)).toContain('the next run fails at /sets/x.sql:2:1');
    expect(finding.message).toContain(`the next run fails at ${pathIn('/sets/x.sql')}:2:1`);
    expect(blameOf(finding)).toEqual({ file: '/sets/x.sql', line: 2 });
    // After an operator's modelled action, the finding blames its own place, as pairing always has.
    const operated = recoveryFinding('fault', { statement: point!, label: 'fault', details: {} }, { ...failed, operator: { label: 'migrate force 1' } }, 'r')!;
    expect(blameOf(operated)).toEqual({ file: '/sets/x.sql', line: 1 });
    expect(blameOf(dynamic('fault', 'sets/x.sql', 8, 'the block must leave the state from before the block'))).toEqual({ file: 'sets/x.sql', line: 8 });
  });

  it('does not confirm a lint finding with another SQLSTATE than the one its rule predicts', async () => {
    const { result: lint, plan } = await lintResult();
    const twice = result('twice', [dynamic('twice', F4, 3, 'deadlock detected', '40P01')]);
    const [pairedLint, pairedTwice] = pairFindings([lint, twice], plan);
    expect(pairedLint!.findings[0]!.case?.confirmed).toBe(false);
    expect(pairedTwice!.findings[0]!.case?.lint).toEqual([]);
  });

  it("confirms a lint finding at the place its rule says execution shows it (case.effect)", () => {
    const lint: Finding = { ...dynamic('lint', 'boot.sql', 6, 'codd-bootstrap-owner: …'), rule: { id: 'codd-bootstrap-owner', endLine: 6, effect: { file: 'customers.sql', line: 2 } } };
    const fresh = dynamic('fresh', 'customers.sql', 2, "Not enough permissions to create or update codd's internal schema", '42501');
    const [pairedLint, pairedFresh] = pairFindings([result('lint', [lint]), result('fresh', [fresh])]);
    expect(pairedLint!.findings[0]!.case).toMatchObject({ confirmed: true, confirmedBy: ['fresh'] });
    expect(pairedFresh!.findings[0]!.case?.lint).toEqual(['codd-bootstrap-owner']);
  });

  it('adds nothing without lint, or when every dynamic check was skipped; pairing twice gives the same result', async () => {
    const { result: lint, plan } = await lintResult();
    const skipped = result('twice', [], 'skip');
    expect(pairFindings([lint, skipped], plan)).toEqual([lint, skipped]);
    const twice = result('twice', [dynamic('twice', F4, 2, 'x', '42710')]);
    expect(pairFindings([twice])).toEqual([twice]);
    const once = pairFindings([lint, twice], plan);
    expect(pairFindings(once, plan)).toEqual(once);
  });

  it('pairs per PostgreSQL version', async () => {
    const { result: lint } = await lintResult();
    const twice18 = { ...result('twice', [dynamic('twice', F4, 2, 'x', '42710')]), postgres: '18' };
    const [pairedLint] = pairFindings([lint, twice18]);
    expect(pairedLint).toBe(lint);
  });

  it('confirms a finding inside a DO block with the error execution reports at the block, and a 42703 at a COMMENT', async () => {
    const files = {
      '001.up.sql': [
        'CREATE TABLE IF NOT EXISTS g (id int, crash_count int);',
        "COMMENT ON COLUMN g.crash_count IS 'crashes';",
        'DO $$',
        'BEGIN',
        '  UPDATE g SET crash_count = 0 WHERE crash_count IS NULL;',
        'END $$;',
      ].join('\n'),
      '002.up.sql': 'ALTER TABLE g RENAME COLUMN crash_count TO event_count;',
    };
    const set = await memorySet(files, 'rerun-all');
    const plan = runnerModel('rerun-all').plan(set);
    const lint = result('lint', lintSet({ set, model: runnerModel('rerun-all'), plan, reproduce: 'lint' }));
    const stale = lint.findings.filter((f) => f.case?.rule === 'stale-column-reference');
    expect(stale.map((f) => f.line)).toEqual([2, 5]);
    const file = stale[0]!.file!;
    // The second run stops at the COMMENT; with it guarded, at the DO statement's first line.
    const [atComment] = pairFindings([lint, result('twice', [dynamic('twice', file, 2, 'column "crash_count" of relation "g" does not exist', '42703')])], plan);
    expect(atComment!.findings.filter((f) => f.case?.rule === 'stale-column-reference').map((f) => [f.case?.confirmed, f.case?.unreached])).toEqual([
      [true, undefined],
      [false, true],
    ]);
    const [atBlock, twice] = pairFindings([lint, result('twice', [dynamic('twice', file, 3, 'column "crash_count" does not exist', '42703')])], plan);
    expect(atBlock!.findings.filter((f) => f.case?.rule === 'stale-column-reference').map((f) => f.case?.confirmed)).toEqual([false, true]);
    expect(twice!.findings[0]!.case?.lint).toEqual(['stale-column-reference']);
  });
});
