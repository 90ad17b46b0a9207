import { describe, expect, it } from 'vitest';
import { validateCheckOptions } from '../../src/checks/options.js';
import { CHECKS, DEFAULT_CHECKS, parseChecks } from '../../src/checks/index.js';
import { configRequest, defineConfig } from '../../src/config/define.js';
import { ScenarioSchema } from '../../src/config/scenario.js';
import { reproduceCommand } from '../../src/reproduce.js';
import { InputError } from '../../src/migrations/types.js';

describe('check concurrent: options', () => {
  it('is a check to ask for, not a default one', () => {
    expect(CHECKS.concurrent?.name).toBe('concurrent');
    expect(DEFAULT_CHECKS).not.toContain('concurrent');
    expect(parseChecks('fresh,concurrent')).toEqual(['fresh', 'concurrent']);
  });

  it('takes --replicas from a config and a scenario, as the other check options', () => {
    const config = defineConfig({ set: 'db/migrations', runner: 'rerun-all', checks: ['concurrent'], replicas: 3 });
    expect(configRequest(config).options.replicas).toBe(3);
    const scenario = ScenarioSchema.parse({ name: 'x', story: 'y', runner: 'rerun-all', checks: ['concurrent'], properties: { replicas: 4 }, sets: { broken: { path: 'b' } } });
    expect(scenario.properties.replicas).toBe(4);
    expect(() => ScenarioSchema.parse({ name: 'x', story: 'y', runner: 'rerun-all', checks: ['concurrent'], properties: { replicas: 1 }, sets: { broken: { path: 'b' } } })).toThrow();
  });

  it('refuses fewer than two replicas: nothing would run at the same moment', () => {
    expect(() => validateCheckOptions({ replicas: 1 })).toThrow(InputError);
    expect(() => validateCheckOptions({ replicas: 2.5 })).toThrow(/at least two replicas/);
    expect(() => validateCheckOptions({ replicas: 2 })).not.toThrow();
  });

  it('names --replicas in the reproduce command of concurrent only, and only when not the default', () => {
    const request = { dir: '/tmp/set', runner: 'rerun-all', provider: 'embedded', options: { replicas: 3, seed: 1 } };
    expect(reproduceCommand(request, 'concurrent', 17, ['--seed', '1', '--path', '0:1'])).toMatch(/--checks concurrent --pg 17 --replicas 3 --seed 1 --path 0:1$/);
    expect(reproduceCommand(request, 'twice', 17)).not.toMatch(/--replicas/);
    expect(reproduceCommand({ ...request, options: { replicas: 2 } }, 'concurrent', 17)).not.toMatch(/--replicas/);
  });
});
