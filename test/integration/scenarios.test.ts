import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migtest } from '../helpers/cli.js';

interface ScenarioReport {
  scenario: string;
  ok: boolean;
  sets: { set: string; ok: boolean; missing?: unknown[]; unexpected?: string[]; rejected?: string }[];
}

const SCENARIOS = readdirSync(new URL('../../scenarios', import.meta.url))
  .filter((f) => f.endsWith('.json'))
  .map((f) => f.replace(/\.json$/, ''));

describe('migtest run scenarios/<name>', () => {
  it('has a scenario for every story', () => {
    expect(SCENARIOS).toEqual(expect.arrayContaining(['certctl-double-run', 'duplicate-rows', 'cigogne-single-transaction', 'schema-drift']));
  });

  it.each(SCENARIOS)('%s gives the findings its story predicts', async (name) => {
    const result = await migtest(['run', `scenarios/${name}`, '--format', 'json']);
    const report = JSON.parse(result.stdout) as ScenarioReport;
    expect(report.scenario).toBe(name);
    for (const set of report.sets) {
      expect({ set: set.set, ok: set.ok, missing: set.missing ?? [], unexpected: set.unexpected ?? [] }).toEqual({
        set: set.set,
        ok: true,
        missing: [],
        unexpected: [],
      });
    }
    // Every story has its broken side: a set that gives findings, or one refused as bad input.
    expect(report.sets.map((s) => s.set)).toContain('broken');
    expect(result.code).toBe(0);
  });

  it('fails when a prediction does not hold', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'migtest-scenario-'));
    try {
      const file = join(dir, 'wrong.json');
      writeFileSync(
        file,
        JSON.stringify({
          name: 'wrong',
          story: 'predicts that the broken set passes',
          runner: 'rerun-all',
          checks: ['fresh', 'twice'],
          sets: { broken: { path: `${process.cwd()}/migrations-under-test/duplicate-rows/broken`, expect: [] } },
        }),
      );
      const result = await migtest(['run', file]);
      expect(result.code).toBe(1);
      expect(result.stdout).toContain('✗ not as predicted for broken');
      expect(result.stdout).toContain('unexpected: twice');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
