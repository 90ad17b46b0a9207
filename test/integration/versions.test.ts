import { describe, expect, it } from 'vitest';
import { migtest, type JsonReport } from '../helpers/cli.js';

const VERSIONS = ['14', '15', '16', '17', '18'];

describe('--pg 14,15,16,17,18 on the embedded provider', () => {
  it('passes certctl-double-run/fixed and catches 42710 in the broken set on every version', async () => {
    for (const [set, ok] of [['fixed', true], ['broken', false]] as const) {
      const result = await migtest([
        'check', `migrations-under-test/certctl-double-run/${set}`, '--runner', 'rerun-all', '--pg', VERSIONS.join(','), '--format', 'json',
      ]);
      const report = JSON.parse(result.stdout) as JsonReport;
      expect(report.ok).toBe(ok);
      expect(report.postgres.map((v) => v.split('.')[0])).toEqual(VERSIONS);
      const twice = report.checks.filter((c) => c.name === 'twice');
      expect(twice.map((c) => c.postgres)).toEqual(VERSIONS);
      for (const check of twice) {
        expect(check.findings.map((f) => [f.sqlstate, f.line])).toEqual(ok ? [] : [['42710', 2]]);
      }
      expect(result.code).toBe(ok ? 0 : 1);
    }
  }, 360_000);
});
