import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { runChecks } from '../../src/run.js';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { Server } from '../../src/postgres/types.js';

let server: Server;
let dir: string;
beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
  dir = mkdtempSync(join(tmpdir(), 'migtest-scale-set-'));
  const { writeScaleSet } = (await import('../../bench/scale-set.js' as string)) as { writeScaleSet: (dir: string, count: number, seed: number) => string };
  writeScaleSet(dir, 25, 1);
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

// The scale bench measures cost, not findings: its smallest set must pass as it is generated,
// its CREATE INDEX CONCURRENTLY files included (autocommitted alone under both models).
test('the 25-migration scale set applies under golang-migrate, and twice under rerun-all', async () => {
  const request = { dir, checks: [], postgres: [], provider: 'embedded', server, options: { seed: 1 } };
  const rerun = await runChecks({ ...request, runner: 'rerun-all', checks: ['fresh', 'twice'] });
  const golang = await runChecks({ ...request, runner: 'golang-migrate', checks: ['fresh'] });
  for (const report of [rerun, golang]) {
    for (const check of report.checks) expect({ check: check.name, status: check.status, findings: check.findings }).toEqual({ check: check.name, status: 'pass', findings: [] });
  }
  expect(rerun.checks.map((c) => c.name)).toEqual(['fresh', 'twice']);
  expect(golang.checks.map((c) => c.name)).toEqual(['fresh']);
});
