import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest, ROOT, type JsonReport } from '../helpers/cli.js';

const SETS = 'migrations-under-test';
const scratch = mkdtempSync(path.join(tmpdir(), 'migtest-retry-cli-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

interface BlockTries {
  block: number;
  rule: string;
  migrations: string[];
  ok: boolean;
  tries: number;
  waitsMs: number[];
  statements?: { statement: number; file: string; line: number; tries: number; waitsMs: number[]; errors: string[] }[];
}

interface RetryCaseReport {
  family: 'schedule' | 'reset' | 'exhaust' | 'ack-lost';
  policy: string;
  tries: number;
  faults: { fault: string; block: number; at: number; times?: number; migration: string; file: string; line: number }[];
  ok: boolean;
  blocks: BlockTries[];
  verdict: 'pass' | 'fail';
}

type Check = JsonReport['checks'][number];
type RetryReport = Omit<JsonReport, 'checks'> & {
  checks: (Omit<Check, 'findings'> & {
    details?: { policy: string; tries: number; waitsMs: number[]; lostConnection: string; ackLost: { migration: string; safe: boolean }[]; cases: RetryCaseReport[] };
    findings: (Check['findings'][number] & { case?: RetryCaseReport })[];
  })[];
};

async function check(args: string[]): Promise<{ code: number | null; report: RetryReport }> {
  const result = await migtest(['check', ...args, '--format', 'json']);
  if (result.code === 2) throw new Error(result.stderr);
  return { code: result.code, report: JSON.parse(result.stdout) as RetryReport };
}

describe('migtest check --checks retry (the built CLI, a real PostgreSQL)', () => {
  it('codd-retry/fixed passes, and --format json reports the tries and waits of every block in every case', async () => {
    const { code, report } = await check([`${SETS}/codd-retry/fixed`, '--runner', 'codd', '--checks', 'retry', '--seed', '5', '--runs', '8']);
    expect(code).toBe(0);
    const [result] = report.checks;
    expect(result).toMatchObject({ name: 'retry', status: 'pass', findings: [] });
    const details = result!.details!;
    expect(details).toMatchObject({ policy: 'max 2 backoff exponential 1s', tries: 3, waitsMs: [1000, 2000], lostConnection: 'ends the run' });
    expect(details.cases.length).toBe(result!.cases);
    for (const c of details.cases) {
      expect(c.blocks.length).toBeGreaterThan(0);
      for (const b of c.blocks) {
        expect(b.tries).toBeGreaterThanOrEqual(1);
        expect(b.waitsMs.length).toBeLessThanOrEqual(b.tries);
      }
    }
    // The counter starts over: the in-txn block and the first no-txn statement each take 3 tries.
    const reset = details.cases.find((c) => c.family === 'reset' && c.faults[0]!.block === 0)!;
    expect(reset.ok).toBe(true);
    expect(reset.blocks.map((b) => [b.block, b.tries, b.waitsMs])).toEqual([
      [0, 3, [1000, 2000]],
      [1, 3, [1000, 2000]],
      [2, 1, []],
    ]);
    expect(reset.blocks[1]!.statements).toEqual([
      { statement: 0, file: `${SETS}/codd-retry/fixed/2024-07-02-09-00-00-order-indexes.sql`, line: 4, tries: 3, waitsMs: [1000, 2000], errors: ['40001', '40001'] },
    ]);
    // One block out of tries: the run fails there after 3 tries and waits of 1 s and 2 s.
    const exhausted = details.cases.find((c) => c.family === 'exhaust' && c.faults[0]!.block === 2)!;
    expect(exhausted.ok).toBe(false);
    expect(exhausted.blocks).toEqual([expect.objectContaining({ block: 2, ok: false, tries: 3, waitsMs: [1000, 2000] })]);
    expect(details.ackLost.map((a) => a.safe)).toEqual([true, true, true]);
  });

  it('codd-retry/broken: the sample shrinks to one transient error after the migration\'s own COMMIT, and its seed and path replay it', async () => {
    const args = [`${SETS}/codd-retry/broken`, '--runner', 'codd', '--checks', 'retry', '--seed', '42', '--runs', '10'];
    const { code, report } = await check(args);
    expect(code).toBe(1);
    const [finding] = report.checks[0]!.findings;
    expect(report.checks[0]!.findings).toHaveLength(1);
    expect(finding).toMatchObject({
      check: 'retry',
      file: `${SETS}/codd-retry/broken/2024-07-03-09-00-00-refunds.sql`,
      line: 2,
      sqlstate: '42710',
    });
    expect(finding!.message).toContain('enum label "refunded" already exists');
    expect(finding!.hint).toContain("the block's own COMMIT");
    // The smallest failing schedule: one 40001, once, at the first boundary after the COMMIT.
    expect(finding!.case!.faults).toEqual([expect.objectContaining({ fault: '40001', times: 1, block: 2, at: 2 })]);
    expect(finding!.case!.blocks).toEqual([expect.objectContaining({ block: 2, ok: false, tries: 3, waitsMs: [1000, 2000] })]);
    const replay = /--seed (\d+) --path (\S+)/.exec(finding!.reproduce);
    expect(replay?.[1]).toBe('42');
    const again = await check([...args, '--path', replay![2]!]);
    expect(again.report.checks[0]!.findings.map((f) => f.case!.faults)).toEqual([finding!.case!.faults]);
  });

  it('a policy on another runner: rerun-all under --retry, whose reproduce command carries it', async () => {
    const { code, report } = await check([
      `${SETS}/duplicate-rows/broken`, '--runner', 'rerun-all', '--checks', 'retry', '--retry', 'max 3 backoff constant 5s', '--seed', '1', '--runs', '8',
    ]);
    expect(code).toBe(1);
    const [finding] = report.checks[0]!.findings;
    expect(finding!.message).toMatch(/^ack lost after statement 1 of block 3 \(no-txn\), so the retry does the committed work again/);
    expect(finding!.diff).toEqual([expect.objectContaining({ path: 'data:public.notification_templates' })]);
    expect(finding!.reproduce).toContain("--retry 'max 3 backoff constant 5s'");
    expect(report.checks[0]!.details).toMatchObject({ policy: 'max 3 backoff constant 5s', tries: 4, waitsMs: [5000, 5000, 5000], lostConnection: 'retried' });
  });

  it('a malformed policy is bad input: exit 2, what is wrong and how to write it', async () => {
    const result = await migtest(['check', `${SETS}/codd-retry/fixed`, '--runner', 'codd', '--checks', 'retry', '--retry', 'max 2 backoff exponential 2']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("retry policy 'max 2 backoff exponential 2': the time 2 needs its unit: s or ms (e.g. 2s)");
    expect(result.stderr).toContain('fix: write it as max N backoff (constant|exponential) T(s|ms)');

    const file = path.join(scratch, 'bad-retry.json');
    writeFileSync(
      file,
      JSON.stringify(
        { name: 'bad', story: 'a policy with a typo', runner: 'codd', checks: ['retry'], retry: 'max 2 backof exponential 1s', sets: { broken: { path: path.join(ROOT, SETS, 'codd-retry/broken') } } },
        null,
        2,
      ),
    );
    const scenario = await migtest(['run', file]);
    expect(scenario.code).toBe(2);
    expect(scenario.stderr).toMatch(/bad-retry\.json:\d+:\d+: retry: retry policy 'max 2 backof exponential 1s': the number of retries is followed by 'backoff'/);
  });
});
