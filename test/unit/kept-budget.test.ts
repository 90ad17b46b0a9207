import { describe, expect, it } from 'vitest';
import { DEFAULT_MEMORY_CAP, defaultMemory, formatSize, MIN_MEMORY, parseSize, TemplateBudget } from '../../src/checks/budget.js';
import { jobsFor } from '../../src/checks/jobs.js';

describe('TemplateBudget', () => {
  it('gives back the least recently used entries until the total fits', () => {
    const budget = new TemplateBudget<string>(100);
    budget.add('a', 40);
    budget.add('b', 40);
    budget.add('c', 40);
    // a was used again: b is now the least recent.
    budget.touch('a');
    expect(budget.over()).toEqual(['b']);
    expect(budget.total).toBe(80);
    expect(budget.has('b')).toBe(false);
    expect(budget.over()).toEqual([]);
  });

  it('never gives back an entry in use, and counts its uses', () => {
    const budget = new TemplateBudget<string>(50);
    budget.add('a', 40);
    budget.add('b', 40);
    budget.pin('a');
    budget.pin('a');
    expect(budget.over()).toEqual(['b']);
    budget.add('c', 40);
    budget.unpin('a');
    // One use of a is still under way: c, more recent, goes instead.
    expect(budget.over()).toEqual(['c']);
    budget.unpin('a');
    budget.add('d', 40);
    expect(budget.over()).toEqual(['a']);
  });

  it('stays over the limit when everything is in use: a small budget slows a run, it never stops it', () => {
    const budget = new TemplateBudget<number>(1);
    budget.add(1, 10);
    budget.pin(1);
    expect(budget.over()).toEqual([]);
    expect(budget.total).toBe(10);
  });

  it('a key given back and kept again keeps its uses (pins live apart from entries)', () => {
    const budget = new TemplateBudget<string>(10);
    budget.pin('a');
    budget.add('a', 40);
    expect(budget.over()).toEqual([]);
    budget.unpin('a');
    expect(budget.over()).toEqual(['a']);
  });
});

describe('--memory', () => {
  it('reads sizes with units in powers of 1024', () => {
    expect(parseSize('512MB')).toBe(512 * 1024 ** 2);
    expect(parseSize('2g')).toBe(2 * 1024 ** 3);
    expect(parseSize('1.5GiB')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('300000000')).toBe(300000000);
    expect(parseSize(' 64 mb ')).toBe(64 * 1024 ** 2);
    expect(parseSize('lots')).toBeUndefined();
    expect(parseSize('12 parsecs')).toBeUndefined();
    expect(parseSize('-1GB')).toBeUndefined();
  });

  it('defaults to half the free space, capped, and at least the minimum', () => {
    expect(defaultMemory(undefined)).toBe(DEFAULT_MEMORY_CAP);
    expect(defaultMemory(100 * 1024 ** 3)).toBe(DEFAULT_MEMORY_CAP);
    expect(defaultMemory(1024 ** 3)).toBe(512 * 1024 ** 2);
    expect(defaultMemory(10 * 1024 ** 2)).toBe(MIN_MEMORY);
    expect(formatSize(DEFAULT_MEMORY_CAP)).toBe('2.0 GiB');
  });
});

describe('--jobs', () => {
  it('defaults to two per core, within the connections the server has free', () => {
    expect(jobsFor(undefined, undefined, 8)).toBe(16);
    expect(jobsFor(undefined, { max: 200, used: 5 }, 8)).toBe(16);
    expect(jobsFor(undefined, { max: 200, used: 5 }, 2)).toBe(4);
    // 100 - 60 open - a margin of 36 leaves room for one case of three connections.
    expect(jobsFor(undefined, { max: 100, used: 60 }, 8)).toBe(1);
    expect(jobsFor(16, { max: 100, used: 10 }, 2)).toBe(16);
    expect(jobsFor(64, { max: 100, used: 10 }, 2)).toBe(18);
  });

  it('never goes below one case at a time', () => {
    expect(jobsFor(undefined, { max: 20, used: 19 }, 4)).toBe(1);
    expect(jobsFor(1, undefined, 4)).toBe(1);
  });
});

describe('config fields jobs and memory', () => {
  it('a config gives them as the command line does; a size that is not one is refused', async () => {
    const { validateConfig, configRequest } = await import('../../src/config/define.js');
    const request = configRequest(validateConfig({ set: 'db/migrations', runner: 'rerun-all', jobs: 3, memory: '512MB' }));
    expect(request.jobs).toBe(3);
    expect(request.memory).toBe(512 * 1024 ** 2);
    expect(configRequest(validateConfig({ set: 'db', runner: 'rerun-all', memory: 1000 })).memory).toBe(1000);
    expect(() => validateConfig({ set: 'db', runner: 'rerun-all', memory: 'plenty' })).toThrow(/memory takes bytes or a size/);
    expect(() => validateConfig({ set: 'db', runner: 'rerun-all', jobs: 0 })).toThrow();
  });
});
