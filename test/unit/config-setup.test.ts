import { describe, expect, it } from 'vitest';
import { asConfig, configRequest } from '../../src/config/define.js';

describe('config fields setup, verify and changedSince', () => {
  it('take a path or a list, relative to the config file, and reach the run request', () => {
    const config = asConfig({ set: 'db/migrations', runner: 'rerun-all', setup: 'db/setup.sql', verify: ['db/verify.sql', 'db/more.sql'], changedSince: 'origin/main' }, '/repo/migtest.config.ts');
    const request = configRequest(config);
    expect(request.setup).toEqual(['/repo/db/setup.sql']);
    expect(request.verify).toEqual(['/repo/db/verify.sql', '/repo/db/more.sql']);
    expect(request.changedSince).toBe('origin/main');
  });

  it('a config without them asks for none', () => {
    const request = configRequest(asConfig({ set: 'db', runner: 'rerun-all' }, '/repo/migtest.config.ts'));
    expect(request).not.toHaveProperty('setup');
    expect(request).not.toHaveProperty('verify');
    expect(request).not.toHaveProperty('changedSince');
  });
});
