// Lint on every set of migrations-under-test/, statically and then together with the checks that
// execute it: every broken set is flagged at the right line, no fixed set is, and what lint says
// about re-runs is what a second run (or a fault) shows.
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pairFindings } from '../../src/checks/lint.js';
import type { CheckName, CheckOptions, CheckResult, Finding } from '../../src/checks/types.js';
import { lintCommand } from '../../src/lint/command.js';
import { loadSet } from '../../src/migrations/load.js';
import { initParser } from '../../src/migrations/split.js';
import { runnerModel } from '../../src/runners/registry.js';
import { ROOT } from '../helpers/cli.js';
import { sharedServer } from '../helpers/shared-server.js';

interface ScenarioSet {
  path: string;
  runnerOptions?: Record<string, string>;
  expect?: Prediction[];
  rejects?: { file: string; line: number };
}

interface Prediction {
  check: string;
  file: string;
  line: number;
  sqlstate?: string;
  message?: string;
}

interface Scenario {
  name: string;
  runner: string;
  runnerOptions?: Record<string, string>;
  /** --setup and --verify files (needs-setup): the set cannot run without the one, and predicts findings in the other. */
  setup?: string[];
  verify?: string[];
  sets: Record<string, ScenarioSet>;
}

interface Case {
  /** `<scenario>/<set key>`, e.g. `golang-migrate-dirty/broken-transactions`. */
  id: string;
  dir: string;
  runner: string;
  runnerOptions: Record<string, string>;
  broken: boolean;
  scenario: Scenario;
  set: ScenarioSet;
}

const SCENARIOS = join(ROOT, 'scenarios');
const CASES: Case[] = readdirSync(SCENARIOS)
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => {
    const scenario = JSON.parse(readFileSync(join(SCENARIOS, f), 'utf8')) as Scenario;
    return Object.entries(scenario.sets).map(([key, set]) => ({
      id: `${scenario.name}/${key}`,
      dir: resolve(SCENARIOS, set.path),
      runner: scenario.runner,
      runnerOptions: { ...scenario.runnerOptions, ...set.runnerOptions },
      broken: key.startsWith('broken'),
      scenario,
      set,
    }));
  });

/**
 * Sets whose scenario is not written yet (their folder is new), with the runner their file names
 * call for. Any other folder without a scenario fails the coverage test below.
 */
const WITHOUT_SCENARIO: Record<string, { runner: string; runnerOptions?: Record<string, string> }> = {
  'codd-ack-lost': { runner: 'codd' },
  'codd-retry': { runner: 'codd' },
};

const SETS_DIR = join(ROOT, 'migrations-under-test');
for (const [name, { runner, runnerOptions }] of Object.entries(WITHOUT_SCENARIO)) {
  if (CASES.some((c) => c.dir.startsWith(join(SETS_DIR, name) + '/'))) continue; // its scenario exists now
  const scenario: Scenario = { name, runner, sets: { broken: { path: join(SETS_DIR, name, 'broken') }, fixed: { path: join(SETS_DIR, name, 'fixed') } } };
  for (const [key, set] of Object.entries(scenario.sets)) {
    CASES.push({ id: `${name}/${key}`, dir: set.path, runner, runnerOptions: runnerOptions ?? {}, broken: key === 'broken', scenario, set });
  }
}

/** What lint says on each set (`rule file:line`): the broken sets at the lines that break, the fixed ones nothing. */
const EXPECTED: Record<string, string[]> = {
  'certctl-double-run/broken': [
    'add-constraint-unguarded 000004_certificate_constraints.up.sql:2',
    'add-constraint-unguarded 000004_certificate_constraints.up.sql:6',
    'on-conflict-target 000006_seed_defaults.up.sql:7',
  ],
  'duplicate-rows/broken': ['insert-without-on-conflict 000003_seed_notification_templates.up.sql:2'],
  'populated-not-null/broken': ['not-null-without-default 000003_add_customer_country.up.sql:2'],
  'populated-ack-lost/broken': ['update-not-convergent 2024-09-02-09-00-00-welcome-bonus.sql:4'],
  'populated-record-gap/broken': ['insert-without-on-conflict 000002_customer_contacts.up.sql:6'],
  'second-run-writer/broken': ['update-not-convergent 000003_prices_include_vat.up.sql:4'],
  'volatile-seeds/broken': ['insert-without-on-conflict 000005_create_welcome_messages.up.sql:8'],
  'rerun-all-retry/broken': ['insert-without-on-conflict 000003_seed_notification_templates.up.sql:2'],
  'cigogne-single-transaction/broken': ['psql-meta-command 20250301092000-SeedRoomRates.sql:3'],
  'cigogne-two-dash-marker/broken': [
    'cigogne-comment-split 20250410081000-CreateMemberships.sql:10',
    'cigogne-marker 20250410082000-SeedPlans.sql:2',
    'cigogne-marker 20250410082000-SeedPlans.sql:10',
    'cigogne-marker 20250410082000-SeedPlans.sql:12',
  ],
  'golang-migrate-dirty/broken': ['create-if-not-exists 000003_normalize_customer_emails.up.sql:3'],
  'golang-migrate-dirty/broken-transactions': [
    'transaction-nesting 000003_normalize_customer_emails.up.sql:2',
    'create-if-not-exists 000003_normalize_customer_emails.up.sql:3',
    'transaction-nesting 000003_normalize_customer_emails.up.sql:4',
    'transaction-nesting 000003_normalize_customer_emails.up.sql:6',
    'transaction-nesting 000003_normalize_customer_emails.up.sql:10',
  ],
  'golang-migrate-force/broken': ['create-if-not-exists 000003_add_account_plan.up.sql:2', 'insert-without-on-conflict 000003_add_account_plan.up.sql:3'],
  'dbmate-transaction-false/broken': [
    'create-if-not-exists 20240315143000_unique_order_external_ref.sql:3',
    'refused-in-transaction 20240315143000_unique_order_external_ref.sql:3',
    'dbmate-transaction-false 20240315143000_unique_order_external_ref.sql:3',
    'add-constraint-unguarded 20240315143000_unique_order_external_ref.sql:4',
  ],
  'codd-no-txn/broken': ['enum-add-value-if-not-exists 2024-05-02-09-00-00-cancel-stale-orders.sql:3', 'update-not-convergent 2024-05-02-09-00-00-cancel-stale-orders.sql:8'],
  'codd-bootstrap/broken': ['create-if-not-exists 2024-06-01-08-00-00-bootstrap.sql:4', 'codd-bootstrap-owner 2024-06-01-08-00-00-bootstrap.sql:6'],
  'codd-ack-lost/broken': ['insert-without-on-conflict 2024-08-02-09-00-00-launch-credit.sql:4', 'insert-without-on-conflict 2024-08-02-09-00-00-launch-credit.sql:7'],
  'lint-rerun-order/broken': ['stale-column-reference 000001_create_error_groups.up.sql:8', 'stale-column-reference 000002_import_legacy_groups.up.sql:8'],
  'concurrent-index/broken': ['refused-in-transaction 000002_orders_by_email.up.sql:3'],
  'golang-migrate-down/broken': ['down-leaves-behind 000002_add_account_status.up.sql:1'],
  'dbmate-down/broken': ['down-leaves-behind 20240501092000_create_shipment_items.sql:2'],
  'dbmate-down-crash/broken': ['down-runs-again 20240601091000_index_session_tokens.sql:6'],
  'role-rerun/broken': ['create-if-not-exists 001_reporting_role.up.sql:2'],
  'files-after-file/broken': ['insert-without-on-conflict 000002_seed_plans.up.sql:2'],
  'codd-retry/broken': [
    'enum-add-value-if-not-exists 2024-07-03-09-00-00-refunds.sql:2',
    'transaction-nesting 2024-07-03-09-00-00-refunds.sql:4',
    'transaction-nesting 2024-07-03-09-00-00-refunds.sql:5',
  ],
};

function where(findings: Finding[]): string[] {
  return findings.map((f) => `${String(f.case?.rule)} ${basename(f.file ?? '')}:${f.line}`);
}

/** Whether a lint finding sits where a finding (a scenario's prediction or a dynamic one) blames. */
function flags(lint: Finding, place: { file: string; line: number }): boolean {
  const effect = lint.case?.effect as { file: string; line: number } | undefined;
  if (effect && basename(effect.file) === basename(place.file) && effect.line === place.line) return true;
  const end = Number(lint.case?.endLine ?? lint.line);
  return basename(lint.file ?? '') === basename(place.file) && place.line >= lint.line! && place.line <= end;
}

async function lintOf(c: Case): Promise<Finding[]> {
  return (await lintCommand(c.dir, c.runner, { runnerOptions: c.runnerOptions })).report.checks[0]!.findings;
}

describe('migtest lint on migrations-under-test/', () => {
  it('covers every set folder of migrations-under-test/ (through its scenario, or WITHOUT_SCENARIO)', () => {
    const folders = readdirSync(SETS_DIR, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .flatMap((e) => ['broken', 'fixed'].map((side) => join(SETS_DIR, e.name, side)));
    expect(folders.filter((f) => !CASES.some((c) => c.dir === f))).toEqual([]);
  });

  // A scenario that runs a real tool with no runner model (`tool` alone: node-pg-migrate's JavaScript
  // migrations) has no format lint can read: its sets are covered, and lint says nothing of them.
  const modelled = (c: Case): boolean => c.runner !== undefined;
  it.each(CASES.filter(modelled).map((c) => [c.id, c] as const))('%s: lint says what is expected', async (_id, c) => {
    expect(where(await lintOf(c))).toEqual(EXPECTED[c.id] ?? []);
    if (!c.broken) expect(EXPECTED[c.id]).toBeUndefined();
  });

  // A drift from the committed expected schema (schema-drift) is no statement's fault: no rule can see it.
  // Nor is a permission the deploy role lacks (rls-deploy-role): only a run as that role shows it.
  // A scenario with --verify predicts findings in its verify file, an invariant no lint rule reads.
  // Nor seed rows a down leaves (cigogne-down): down-leaves-behind reads objects by name. Nor a race
  // between replicas that boot at once (replica-race): every file is safe run after run, and only
  // two sessions at the same moment show it. Nor a CREATE INDEX CONCURRENTLY that deadlocks with
  // the other replica's wait for the tool's lock (golang-migrate-replica-index): right wherever one
  // process migrates at a time (a deploy step), which no file says.
  // Nor a migration written in JavaScript for a real tool (node-pg-migrate-no-transaction): no runner model reads it.
  // What only rows show (check populated): no rule reads a statement that fails on rows alone.
  const UNSEEN_BY_LINT = new Set([
    'rls-deploy-role/broken',
    'cigogne-down/broken',
    'replica-race/broken',
    'golang-migrate-replica-index/broken',
    'node-pg-migrate-no-transaction/broken',
    'populated-unique-index/broken',
    'populated-text-to-int/broken',
    'populated-set-not-null/broken',
    'populated-chain-head/broken',
  ]);
  const lintable = (c: Case): boolean =>
    c.broken && modelled(c) && !UNSEEN_BY_LINT.has(c.id) && !c.scenario.verify && !(c.set.expect ?? []).every((p) => p.check === 'expected');
  it.each(CASES.filter(lintable).map((c) => [c.id, c] as const))('%s: flagged at the line the scenario predicts', async (_id, c) => {
    const findings = await lintOf(c);
    expect(findings.length).toBeGreaterThan(0);
    // A prediction the fixed set shares is the runner's own (golang-migrate's dirty flag), not this set's.
    const fixed = CASES.find((o) => o.scenario === c.scenario && !o.broken && JSON.stringify(o.runnerOptions) === JSON.stringify(c.runnerOptions));
    const shared = (p: Prediction): boolean =>
      (fixed?.set.expect ?? []).some((q) => q.check === p.check && q.file === p.file && q.line === p.line && q.message === p.message);
    const predictions: Prediction[] = c.set.rejects ? [{ check: 'load', ...c.set.rejects }] : (c.set.expect ?? []).filter((p) => !shared(p));
    // (golang-migrate-dirty/broken predicts only the dirty refusal every golang-migrate set gets;
    // the line that breaks, 000003:3 after `migrate force`, is in EXPECTED above.)
    for (const p of predictions) {
      // A fault finding sits at the fault; what breaks is the statement the next run fails at,
      // earlier in the file, with the SQLSTATE the scenario predicts.
      const at =
        p.check === 'fault' && p.sqlstate
          ? findings.filter((f) => basename(f.file ?? '') === p.file && f.case?.expects === p.sqlstate && f.line! <= p.line)
          : findings.filter((f) => flags(f, p));
      expect.soft(at.length, `${c.id}: no lint finding for the ${p.check} prediction at ${p.file}:${p.line}`).toBeGreaterThan(0);
    }
  });
});

// ---------------------------------------------------------------------------------------------
// With the checks that execute the set: what `migtest check --checks lint,… --format json` runs
// (runChecks), on one server for the file.

const shared = sharedServer();

/** `migtest check … --checks lint,<checks>`, paired as `pairFindings` does. */
async function checkWithLint(
  dir: string,
  runner: string,
  runnerOptions: Record<string, string>,
  checks: string,
  options: CheckOptions = {},
): Promise<CheckResult[]> {
  // Paired on the core's report: its paths are absolute, as the plan's.
  const report = await shared.runInCore({ dir, runner, runnerOptions, checks: ['lint', ...checks.split(',')] as CheckName[], options });
  await initParser();
  const model = runnerModel(runner);
  const plan = model.plan(await loadSet(dir, model.format), runnerOptions);
  return pairFindings(report.checks, plan);
}

function findingsOf(results: CheckResult[], name: string): Finding[] {
  return results.filter((r) => r.name === name).flatMap((r) => r.findings);
}

const scratch: string[] = [];
afterAll(() => {
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
});

describe('lint with twice (a real PostgreSQL)', () => {
  // A set that needs --setup does not apply without it: its twice is covered by its scenario.
  // A set of a real tool with no runner model has no lint to confirm.
  const runnable = CASES.filter((c) => !c.set.rejects && !c.scenario.setup && c.runner !== undefined);

  it.each(runnable.map((c) => [c.id, c] as const))('%s: every re-run finding is confirmed by twice; fixed sets have none', async (_id, c) => {
    const results = await checkWithLint(c.dir, c.runner, c.runnerOptions, 'twice');
    const lint = findingsOf(results, 'lint');
    if (!c.broken) {
      expect(where(lint)).toEqual([]);
      return;
    }
    // A tracker-less runner runs every statement again: twice shows each re-run finding, unless an
    // earlier statement already stopped the second run (then it is unreached, not contradicted).
    const everyRun = lint.filter((f) => f.case?.category === 're-run' && f.case?.rerun === 'every-run');
    for (const f of everyRun) {
      expect(f.case?.confirmed === true || f.case?.unreached === true, `${where([f])[0]} neither confirmed nor unreached`).toBe(true);
    }
    if (everyRun.length > 0) expect(everyRun.some((f) => f.case?.confirmed === true)).toBe(true);
    for (const f of findingsOf(results, 'twice')) expect(f.case?.lint, `${f.file}:${f.line} ${f.message}`).not.toEqual([]);
  });

  it("certctl-double-run/broken with 000004 repaired: twice stops at the sibling bug, which on-conflict-target names", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migtest-lint-certctl-'));
    scratch.push(dir);
    cpSync(join(ROOT, 'migrations-under-test/certctl-double-run/broken'), dir, { recursive: true });
    const fixed = join(ROOT, 'migrations-under-test/certctl-double-run/fixed/000004_certificate_constraints.up.sql');
    writeFileSync(join(dir, '000004_certificate_constraints.up.sql'), readFileSync(fixed));
    const results = await checkWithLint(dir, 'rerun-all', {}, 'twice');
    expect(where(findingsOf(results, 'lint'))).toEqual(['on-conflict-target 000006_seed_defaults.up.sql:7']);
    expect(findingsOf(results, 'lint')[0]!.case).toMatchObject({ confirmed: true, confirmedBy: ['twice'] });
    expect(findingsOf(results, 'twice').map((f) => [f.sqlstate, f.line, f.case?.lint])).toEqual([['42P10', 7, ['on-conflict-target']]]);
  });
});

describe('lint with fresh and fault (a real PostgreSQL)', () => {
  const NO_TXN = join(ROOT, 'migrations-under-test/codd-no-txn/broken');

  it('codd-no-txn/broken: every fault the next run cannot get past is the unguarded ADD VALUE lint flags', async () => {
    const results = await checkWithLint(NO_TXN, 'codd', {}, 'fault', { exhaustive: true });
    const [addValue, update] = findingsOf(results, 'lint');
    expect(addValue!.case).toMatchObject({ rule: 'enum-add-value-if-not-exists', confirmed: true, confirmedBy: ['fault'] });
    // The credit UPDATE never runs twice here: the ADD VALUE stops every restarted run first.
    expect(update!.case).toMatchObject({ rule: 'update-not-convergent', confirmed: false });
    const fault = findingsOf(results, 'fault');
    expect(fault.length).toBeGreaterThan(0);
    for (const f of fault) expect(f.case?.lint, f.message).toEqual(['enum-add-value-if-not-exists']);
  });

  it('codd-no-txn/broken with only IF NOT EXISTS added: a lost connection at the end makes the credit UPDATE pay twice, as lint says', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migtest-lint-codd-'));
    scratch.push(dir);
    cpSync(NO_TXN, dir, { recursive: true });
    const file = join(dir, '2024-05-02-09-00-00-cancel-stale-orders.sql');
    writeFileSync(file, readFileSync(file, 'utf8').replace("ADD VALUE 'cancelled'", "ADD VALUE IF NOT EXISTS 'cancelled'"));
    const results = await checkWithLint(dir, 'codd', {}, 'fault', { exhaustive: true });
    expect(where(findingsOf(results, 'lint'))).toEqual(['update-not-convergent 2024-05-02-09-00-00-cancel-stale-orders.sql:8']);
    expect(findingsOf(results, 'lint')[0]!.case).toMatchObject({ confirmed: true, confirmedBy: ['fault'] });
    expect(findingsOf(results, 'fault').map((f) => f.case?.lint)).toContainEqual(['update-not-convergent']);
  });

  it('dbmate-transaction-false/broken: fresh fails with 25001 where refused-in-transaction and dbmate-transaction-false point', async () => {
    const results = await checkWithLint(join(ROOT, 'migrations-under-test/dbmate-transaction-false/broken'), 'dbmate', {}, 'fresh');
    const confirmed = findingsOf(results, 'lint').filter((f) => f.case?.confirmed === true);
    expect(where(confirmed)).toEqual([
      'refused-in-transaction 20240315143000_unique_order_external_ref.sql:3',
      'dbmate-transaction-false 20240315143000_unique_order_external_ref.sql:3',
    ]);
    expect(findingsOf(results, 'fresh').map((f) => f.case?.lint)).toEqual([['refused-in-transaction', 'dbmate-transaction-false']]);
  });

  it('codd-bootstrap/broken: fresh fails with 42501 on the next database, where codd-bootstrap-owner says it will', async () => {
    const c = CASES.find((o) => o.id === 'codd-bootstrap/broken')!;
    const results = await checkWithLint(c.dir, c.runner, c.runnerOptions, 'fresh');
    const owner = findingsOf(results, 'lint').find((f) => f.case?.rule === 'codd-bootstrap-owner');
    expect(owner!.case).toMatchObject({ confirmed: true, confirmedBy: ['fresh'] });
    expect(findingsOf(results, 'fresh').map((f) => f.case?.lint)).toEqual([['codd-bootstrap-owner']]);
  });

  it('golang-migrate-down/broken: check down confirms down-leaves-behind, at the up it fails again and the down that left the type', async () => {
    const results = await checkWithLint(join(ROOT, 'migrations-under-test/golang-migrate-down/broken'), 'golang-migrate', {}, 'down');
    const [rule] = findingsOf(results, 'lint');
    expect(rule!.case).toMatchObject({ rule: 'down-leaves-behind', confirmed: true, confirmedBy: ['down'] });
    const down = findingsOf(results, 'down');
    expect(down.map((f) => [basename(f.file ?? ''), f.line, f.case?.lint])).toEqual([
      ['000002_add_account_status.down.sql', 2, ['down-leaves-behind']],
      ['000002_add_account_status.up.sql', 1, ['down-leaves-behind']],
    ]);
  });

  it('dbmate-down-crash/broken: resume --direction down confirms down-runs-again at the DROP INDEX it fails at again', async () => {
    const results = await checkWithLint(join(ROOT, 'migrations-under-test/dbmate-down-crash/broken'), 'dbmate', {}, 'resume', { direction: 'down', exhaustive: true });
    expect(findingsOf(results, 'lint')[0]!.case).toMatchObject({ rule: 'down-runs-again', confirmed: true, confirmedBy: ['resume'] });
    expect(findingsOf(results, 'resume').map((f) => f.case?.lint)).toEqual([['down-runs-again']]);
  });

  it('golang-migrate-dirty/broken with transactions=true: the fault that splits the block is at a COMMIT/BEGIN lint flags', async () => {
    const c = CASES.find((o) => o.id === 'golang-migrate-dirty/broken-transactions')!;
    const results = await checkWithLint(c.dir, c.runner, c.runnerOptions, 'fault', { seed: 42 });
    const fault = findingsOf(results, 'fault');
    expect(fault.length).toBeGreaterThan(0);
    for (const f of fault) expect(f.case?.lint, f.message).toContain('transaction-nesting');
    expect(findingsOf(results, 'lint').some((f) => f.case?.rule === 'transaction-nesting' && f.case?.confirmed === true)).toBe(true);
  });
});

