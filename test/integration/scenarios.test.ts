import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { migtest } from '../helpers/cli.js';
import { describeScenarios, OWN_FILE, part, PARTS, SCENARIOS } from './scenario-suite.js';

describe('migtest run scenarios/<name>', () => {
  it('has a scenario for every story', () => {
    expect(SCENARIOS).toEqual(expect.arrayContaining(['certctl-double-run', 'duplicate-rows', 'cigogne-single-transaction', 'schema-drift']));
  });

  it('runs every scenario in exactly one test file', () => {
    const dealt = [...Array.from({ length: PARTS }, (_, i) => part(i)).flat(), ...OWN_FILE];
    expect([...dealt].sort()).toEqual(SCENARIOS);
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

describeScenarios(part(0));
