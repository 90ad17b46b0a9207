import { describe, expect, it } from 'vitest';
import { migtest, type JsonReport } from '../helpers/cli.js';

const STORY = 'migrations-under-test/certctl-double-run';

type Finding = JsonReport['checks'][number]['findings'][number] & { case?: Record<string, unknown> };
type Check = Omit<JsonReport['checks'][number], 'findings'> & { details?: { ran?: string[] }; findings: Finding[] };
type Report = Omit<JsonReport, 'checks'> & { shard?: { index: number; count: number }; checks: Check[] };

async function run(args: string[]): Promise<{ code: number | null; report: Report }> {
  const result = await migtest([...args, '--format', 'json']);
  expect(result.stderr).toBe('');
  return { code: result.code, report: JSON.parse(result.stdout) as Report };
}

/** `fault --exhaustive` with injected errors only: every boundary of every block, half the cases of the default kinds, to keep the test short. */
const FAULT = ['--runner', 'rerun-all', '--checks', 'fresh,fault', '--exhaustive', '--faults', 'error'];

const faultOf = (report: Report) => report.checks.find((c) => c.name === 'fault')!;
const caseKey = (f: Finding) => `${String(f.case!.block)}:${String(f.case!.at)}:${String(f.case!.fault)}`;

/** The reproduce command of a finding, as arguments of the CLI. */
function argsOf(reproduce: string): string[] {
  const [npx, tool, ...args] = reproduce.split(' ');
  expect(`${npx} ${tool}`).toBe('npx migtest');
  return args;
}

describe('--shard i/n', () => {
  it('splits fault --exhaustive on the fixed set into 3 shards that together run every case exactly once', async () => {
    const [whole, ...shards] = await Promise.all([
      run(['check', `${STORY}/fixed`, ...FAULT]),
      ...[1, 2, 3].map((i) => run(['check', `${STORY}/fixed`, ...FAULT, '--shard', `${i}/3`])),
    ]);
    expect(whole.code).toBe(0);
    expect(whole.report.shard).toBeUndefined();
    const all = faultOf(whole.report).details!.ran!;
    expect(all.length).toBe(faultOf(whole.report).cases);
    expect(all.length).toBeGreaterThan(20);

    const ran = shards.map(({ code, report }, i) => {
      expect(code).toBe(0);
      expect(report.shard).toEqual({ index: i + 1, count: 3 });
      const fault = faultOf(report);
      expect(fault.status).toBe('pass');
      // The counts are the shard's own.
      expect(fault.cases).toBe(fault.details!.ran!.length);
      return fault.details!.ran!;
    });
    expect(ran.flat().sort()).toEqual([...all].sort());
    expect(new Set(ran.flat()).size).toBe(all.length);
    const sizes = ran.map((r) => r.length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
    // The single-case check runs on shard 1 only.
    expect(shards.map(({ report }) => report.checks.map((c) => c.name))).toEqual([['fresh', 'fault'], ['fault'], ['fault']]);
  });

  it('gives each failing case of the broken set to exactly one shard, and a shard\'s reproduce command (no --shard) finds the same cause', async () => {
    const shards = await Promise.all([1, 2, 3].map((i) => run(['check', `${STORY}/broken`, ...FAULT, '--shard', `${i}/3`])));
    const findings = shards.map(({ report }) => faultOf(report).findings);
    // One root cause (000004's unguarded ADD CONSTRAINT): each shard groups its own cases into one finding.
    expect(findings.map((list) => list.length)).toEqual([1, 1, 1]);
    const keys = findings.map((list) => list.map(caseKey));
    expect(new Set(keys.flat()).size).toBe(3);
    expect(shards.every(({ code }) => code === 1)).toBe(true);

    // Shard 2's finding: its command names no shard, and the whole run it starts finds the same cause,
    // for the cases of every shard together.
    const finding = findings[1]![0]!;
    expect(finding.sqlstate).toBe('42710');
    expect(finding.reproduce).not.toContain('--shard');
    const again = await run(argsOf(finding.reproduce));
    expect(again.code).toBe(1);
    const whole = faultOf(again.report).findings;
    expect(whole).toHaveLength(1);
    expect(whole[0]!.cases).toBe(findings.flat().reduce((n, f) => n + f.cases, 0));
    expect(whole[0]!.cases).toBeGreaterThan(3);
    // The same cause: what the next run does, after each case's own label.
    const cause = (f: Finding) => f.message.slice(f.message.indexOf(': '));
    expect(cause(whole[0]!)).toBe(cause(finding));
    expect(whole[0]!.sqlstate).toBe('42710');
    expect(caseKey(whole[0]!)).toBe(keys.flat().sort()[0]);
  });

  it('a sampled finding on a shard (same --seed on every shard) replays by seed and path without the shard', async () => {
    const sampled = ['--runner', 'rerun-all', '--checks', 'fault', '--faults', 'error', '--seed', '7'];
    const second = await run(['check', `${STORY}/broken`, ...sampled, '--shard', '2/3']);
    expect(second.code).toBe(1);
    const [finding] = faultOf(second.report).findings;
    expect(finding!.reproduce).toMatch(/--seed 7 --path [\d:]+$/);
    expect(finding!.reproduce).not.toContain('--shard');
    const replay = await run(argsOf(finding!.reproduce));
    expect(replay.code).toBe(1);
    const [replayed] = faultOf(replay.report).findings;
    expect(caseKey(replayed!)).toBe(caseKey(finding!));
    // The same case, seed and path; only the count of runs before it differs (a replay starts at the case).
    const upToRuns = (message: string) => message.replace(/, found after \d+ runs/, '');
    expect(upToRuns(replayed!.message)).toBe(upToRuns(finding!.message));
    expect(replayed!.message).toMatch(/\(seed 7, path [\d:]+, found after \d+ runs and shrunk\)$/);
  });
});
