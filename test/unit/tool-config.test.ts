import { describe, expect, it } from 'vitest';
import { configRequest, validateConfig } from '../../src/config/define.js';
import { ScenarioSchema } from '../../src/config/scenario.js';

describe('a real tool in a config file and a scenario', () => {
  it('a config may name a tool instead of a runner model; the request carries it and its tracker', () => {
    const config = validateConfig({ set: 'db/migrations', tool: 'my-migrate --url {url} up', toolTracker: 'public.applied' });
    const request = configRequest(config);
    expect(request).toMatchObject({ tool: 'my-migrate --url {url} up', toolTracker: ['public.applied'], runner: 'tool' });
  });

  it('a config with neither is refused, saying both ways', () => {
    expect(() => validateConfig({ set: 'db/migrations' })).toThrow(/runner: missing: the runner model .* \(or tool: the command line of a real tool\)/);
  });

  it('a scenario may carry a tool, and needs a runner or a tool', () => {
    const base = { name: 'x', story: 'y', checks: ['fresh'], sets: { fixed: { path: 'a' } } };
    expect(ScenarioSchema.parse({ ...base, tool: 't {url}', toolTracker: ['pgmigrations'] })).toMatchObject({ tool: 't {url}', toolTracker: ['pgmigrations'] });
    expect(ScenarioSchema.safeParse(base).success).toBe(false);
  });
});

describe('--tool refuses what only a runner model takes', () => {
  it('names the options it would otherwise ignore', async () => {
    const { runToolChecks } = await import('../../src/checks/tool/run.js');
    await expect(
      runToolChecks({ dir: '.', tool: 'true', checks: ['fresh'], postgres: [], provider: 'embedded', options: {}, setup: ['s.sql'], role: 'app' }),
    ).rejects.toThrow(/--setup, --role are not taken with --tool yet/);
  });
});
