import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migtest } from '../helpers/cli.js';

interface ScenarioReport {
  scenario: string;
  ok: boolean;
  sets: { set: string; ok: boolean; missing: unknown[]; unexpected: string[] }[];
}

describe('migtest run scenarios/<name>', () => {
  it.each(['certctl-double-run', 'duplicate-rows'])('%s gives the findings its story predicts', async (name) => {
    const result = await migtest(['run', `scenarios/${name}`, '--format', 'json']);
    const report = JSON.parse(result.stdout) as ScenarioReport;
    expect(report.scenario).toBe(name);
    expect(report.sets.map((s) => [s.set, s.ok, s.missing, s.unexpected])).toEqual([
      ['broken', true, [], []],
      ['fixed', true, [], []],
    ]);
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
