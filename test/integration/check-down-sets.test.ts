import { readdirSync, readFileSync } from 'node:fs';
import { join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';
import { jsonRun, ROOT } from '../helpers/cli.js';

/*
 * Every fixed set of a tool with down migrations undoes itself: `down` steps each migration back,
 * newest first, to the state its earlier migrations reach, and applies it again to where it was.
 * (The broken sets' down findings are their scenarios' predictions: scenarios/*-down.json.)
 */
interface Scenario {
  runner: string;
  runnerOptions?: Record<string, string>;
  sets: Record<string, { path: string; runnerOptions?: Record<string, string>; rejects?: unknown }>;
}

const WITH_DOWNS = new Set(['golang-migrate', 'dbmate', 'cigogne']);
const SCENARIOS = join(ROOT, 'scenarios');
const FIXED = readdirSync(SCENARIOS)
  .filter((f) => f.endsWith('.json'))
  .flatMap((f) => {
    const scenario = JSON.parse(readFileSync(join(SCENARIOS, f), 'utf8')) as Scenario;
    if (!WITH_DOWNS.has(scenario.runner)) return [];
    return Object.entries(scenario.sets)
      .filter(([key, set]) => key.startsWith('fixed') && !set.rejects)
      .map(([, set]) => ({
        dir: normalize(join('scenarios', set.path)),
        runner: scenario.runner,
        options: Object.entries({ ...scenario.runnerOptions, ...set.runnerOptions }).flatMap(([k, v]) => ['--runner-option', `${k}=${v}`]),
      }));
  });

describe('check down on every fixed set of a tool with down migrations', () => {
  it('finds such sets', () => {
    expect(FIXED.length).toBeGreaterThanOrEqual(6);
  });

  it.each(FIXED.map((s) => [`${s.dir} (${s.runner})`, s] as const))('%s: every migration steps down and up again', async (_name, s) => {
    const { code, report } = await jsonRun(['check', s.dir, '--runner', s.runner, ...s.options, '--checks', 'down', '--pg', '17']);
    const down = report.checks.find((c) => c.name === 'down')!;
    expect(down.findings.map((f) => `${f.file}:${f.line} ${f.message}`)).toEqual([]);
    expect(down.status).toBe('pass');
    expect(down.cases).toBeGreaterThan(0);
    expect(code).toBe(0);
  }, 120_000);
});
