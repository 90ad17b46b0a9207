import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { jsonRun, migtest, ROOT } from '../helpers/cli.js';
import { tempFolder } from '../helpers/folders.js';

/*
 * Check populated through the command line, as a user runs it: the findings of the five broken
 * sets shrink to at most three rows, printed as INSERT statements; --exhaustive visits every
 * boundary; what the empty database shows already (twice's findings) is not reported again; a
 * table the generator cannot fill is named with the reason.
 */

interface PopulatedFinding {
  sqlstate: string | null;
  file: string | null;
  line: number | null;
  message: string;
  reproduce: string;
  rows?: string[];
  case?: { boundary: string; rows: number };
}

async function populated(args: string[]): Promise<{ code: number | null; status: string; findings: PopulatedFinding[]; details?: Record<string, unknown>; reason?: string }> {
  const { code, report } = await jsonRun(['check', ...args, '--checks', 'populated', '--pg', '17']);
  const check = report.checks.find((c) => c.name === 'populated')! as unknown as {
    status: string;
    findings: PopulatedFinding[];
    details?: Record<string, unknown>;
    reason?: string;
  };
  return { code, ...check };
}

/** Rows in INSERT statements: each `(…)` tuple after VALUES is one row. */
function rowsIn(statements: string[]): number {
  return statements.reduce((n, s) => n + (s.split(/\bVALUES\b/)[1]?.split('\n').filter((l) => /^\s*\(/.test(l)).length ?? 0), 0);
}

const BROKEN: [string, string, string | null, string][] = [
  ['populated-not-null', 'golang-migrate', '23502', '000003_add_customer_country.up.sql'],
  ['populated-text-to-int', 'golang-migrate', '22P02', '000002_quantity_as_integer.up.sql'],
  ['populated-set-not-null', 'rerun-all', '23502', '000002_ticket_assignee_required.up.sql'],
  ['populated-unique-index', 'dbmate', '23505', '20240702090000_unique_user_email.sql'],
  ['populated-chain-head', 'rerun-all', null, '000003_hash_chain_audit_events.up.sql'],
  ['populated-ack-lost', 'codd', null, '2024-09-02-09-00-00-welcome-bonus.sql'],
];

/** The record gap: a file committed and not recorded yet (files, record=after-file), run again at the next boot over the rows. */
const RECORD_GAP = 'migrations-under-test/populated-record-gap';

describe('check populated', () => {
  it.each(BROKEN)('%s/broken: one finding, shrunk to at most three rows, as INSERT statements that reproduce it', async (name, runner, sqlstate, file) => {
    const { code, findings } = await populated([`migrations-under-test/${name}/broken`, '--runner', runner, '--seed', '1']);
    expect(code).toBe(1);
    expect(findings).toHaveLength(1);
    const [finding] = findings as [PopulatedFinding];
    expect(finding.sqlstate).toBe(sqlstate);
    expect(finding.file).toMatch(new RegExp(`${file.replace('.', '\\.')}$`));
    expect(finding.case!.rows).toBeGreaterThan(0);
    expect(finding.case!.rows).toBeLessThanOrEqual(3);
    expect(finding.rows!.every((s) => s.startsWith('INSERT INTO '))).toBe(true);
    expect(rowsIn(finding.rows!)).toBe(finding.case!.rows);
    expect(finding.reproduce).toMatch(/--checks populated .*--seed 1 --path \S+/);
  });

  it('the record gap: a crash between a file and its record runs the file again over the rows; resume on empty tables sees nothing; the fixed set passes', async () => {
    const runner = ['--runner', 'files', '--runner-option', 'record=after-file'];
    const broken = await populated([`${RECORD_GAP}/broken`, ...runner, '--seed', '1']);
    expect(broken.findings.map((f) => [f.sqlstate, f.file?.split('/').pop(), f.line])).toEqual([['23505', '000002_customer_contacts.up.sql', 6]]);
    const [finding] = broken.findings as [PopulatedFinding];
    expect(finding.case!.boundary).toMatch(/after 000002_customer_contacts\.up\.sql ran and before the runner recorded it/);
    expect(finding.case!.rows).toBeLessThanOrEqual(3);
    expect(finding.rows!.join('\n')).toMatch(/INSERT INTO "public"\."customer_contacts"/);
    // What makes this populated's: without rows the file runs again and copies nothing.
    const resume = await jsonRun(['check', `${RECORD_GAP}/broken`, ...runner, '--checks', 'resume', '--pg', '17']);
    expect(resume.report.checks[0]!.status).toBe('pass');
    const fixed = await populated([`${RECORD_GAP}/fixed`, ...runner, '--seed', '1']);
    expect(fixed.status).toBe('pass');
  });

  it('--exhaustive visits every boundary and finds the same, with a seed that replays it; the fixed set passes', async () => {
    const broken = await populated(['migrations-under-test/populated-not-null/broken', '--runner', 'golang-migrate', '--exhaustive', '--seed', '3']);
    expect(broken.findings.map((f) => [f.sqlstate, f.line])).toEqual([['23502', 2]]);
    expect(broken.findings[0]!.reproduce).toMatch(/--exhaustive --seed 3$/);
    const fixed = await populated(['migrations-under-test/populated-not-null/fixed', '--runner', 'golang-migrate', '--exhaustive', '--seed', '3']);
    expect(fixed.status).toBe('pass');
    expect(fixed.findings).toEqual([]);
  });

  it('--rows 0 is refused before anything starts', async () => {
    const result = await migtest(['check', 'migrations-under-test/populated-not-null/fixed', '--runner', 'golang-migrate', '--checks', 'populated', '--rows', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--rows/);
  });
});

describe('check populated on sets written here', () => {
  let dir = '';
  const folder = tempFolder('migtest-populated-', (d) => (dir = d));

  it('names a table it cannot fill, with the reason, and still fills the others', async () => {
    await folder.write({
      '1_t.up.sql': 'CREATE TABLE shapes (id int PRIMARY KEY, outline point NOT NULL);\nCREATE TABLE notes (id int PRIMARY KEY, body text);\n',
      '2_u.up.sql': 'ALTER TABLE notes ADD COLUMN author text NOT NULL;\n',
    });
    const { findings, details } = await populated([dir, '--runner', 'golang-migrate', '--seed', '1']);
    expect(findings.map((f) => f.sqlstate)).toEqual(['23502']);
    const unfilled = details!.unfilled as { table: string; reason: string }[];
    expect(unfilled.map((u) => u.table)).toEqual(['public.shapes']);
    expect(unfilled[0]!.reason).toMatch(/outline/);
    const text = await migtest(['check', dir, '--runner', 'golang-migrate', '--checks', 'populated', '--pg', '17', '--seed', '1']);
    expect(text.stdout).toMatch(/not filled: public\.shapes: .*outline/);
  });

  it('leaves to twice what an empty database shows already: an unguarded ADD CONSTRAINT under rerun-all', async () => {
    await folder.write({
      '1_t.up.sql': 'CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY, n int);\n',
      '2_c.up.sql': 'ALTER TABLE t ADD CONSTRAINT t_id_check CHECK (id IS NOT NULL);\n',
    });
    const twice = await jsonRun(['check', dir, '--runner', 'rerun-all', '--checks', 'twice', '--pg', '17']);
    expect(twice.report.checks[0]!.findings.map((f) => f.sqlstate)).toEqual(['42710']);
    const { status, findings } = await populated([dir, '--runner', 'rerun-all', '--seed', '1']);
    expect(findings).toEqual([]);
    expect(status).toBe('pass');
  });

  it('reports a type change that narrows the stored values, not arithmetic that overflows only at the type\'s limits', async () => {
    await folder.write({
      '1_t.up.sql': 'CREATE TABLE prices (id int PRIMARY KEY, cents integer NOT NULL, total bigint NOT NULL);\n',
      '2_vat.up.sql': 'UPDATE prices SET cents = cents * 2;\n',
      '3_narrow.up.sql': 'ALTER TABLE prices ALTER COLUMN total TYPE integer;\n',
    });
    const { findings } = await populated([dir, '--runner', 'golang-migrate', '--seed', '1']);
    expect(findings.map((f) => [f.sqlstate, f.file?.endsWith('3_narrow.up.sql')])).toEqual([['22003', true]]);
  });

  it('on a real tool (--tool) too: arithmetic that overflows only at the type\'s limits is no finding', async () => {
    // A boot runner without a tracker runs every file at every start: the recomputation runs over
    // the generated rows, and the generator's extreme values overflow it (22003) as the model's do.
    await folder.write({
      '1_t.sql': 'CREATE TABLE IF NOT EXISTS prices (id int PRIMARY KEY, cents integer NOT NULL, doubled integer);\n',
      '2_doubled.sql': 'UPDATE prices SET doubled = cents * 2;\n',
    });
    const tool = `node ${path.join(ROOT, 'test/helpers/tools/boot-runner.mjs')} {dir} file`;
    const { status, findings } = await populated([dir, '--tool', tool, '--seed', '1']);
    expect(findings).toEqual([]);
    expect(status).toBe('pass');
  });

  it('is skipped with the reason when no boundary follows a migration (one migration under a tracker)', async () => {
    await folder.write({ '1_t.up.sql': 'CREATE TABLE t (id int PRIMARY KEY);\n' });
    const { status, reason } = await populated([dir, '--runner', 'golang-migrate']);
    expect(status).toBe('skip');
    expect(reason).toMatch(/no boundary/);
  });
});
