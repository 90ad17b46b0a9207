import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleDealer, shardOfEnumeration } from '../../src/checks/explore.js';
import { parseShard } from '../../src/cli/main.js';
import { parseOutput } from '../../src/cli/check.js';
import { UsageError } from '../../src/cli/errors.js';
import { InputError } from '../../src/migrations/types.js';
import { runsOnShard, validateShard, type RunRequest } from '../../src/run.js';

const shards = (count: number) => Array.from({ length: count }, (_, i) => ({ index: i + 1, count }));

describe('--shard: splitting an enumeration', () => {
  it('gives every case to exactly one shard, in sizes that differ by at most one', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 60 }), fc.integer({ min: 1, max: 9 }), (cases, count) => {
        const all = cases.map((c, i) => `${i}:${c}`);
        const parts = shards(count).map((s) => shardOfEnumeration(all, s));
        expect(parts.flat().sort()).toEqual([...all].sort());
        const sizes = parts.map((p) => p.length);
        expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('keeps the enumeration order within a shard, and everything without a shard', () => {
    const all = ['a', 'b', 'c', 'd', 'e'];
    expect(shardOfEnumeration(all, { index: 2, count: 2 })).toEqual(['b', 'd']);
    expect(shardOfEnumeration(all, undefined)).toEqual(all);
    expect(shardOfEnumeration(all, { index: 1, count: 1 })).toEqual(all);
  });
});

describe('--shard: dealing sampled cases', () => {
  it('deals each distinct case to one shard, even when it is drawn again', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), (draws, count) => {
        const keys = draws.map(String);
        const taken = shards(count).map((s) => {
          const mine = sampleDealer(s);
          return keys.filter((k) => mine(k));
        });
        for (const key of new Set(keys)) {
          const owners = taken.filter((t) => t.includes(key));
          expect(owners).toHaveLength(1);
          // A key drawn twice goes to the same shard both times.
          expect(owners[0]!.filter((k) => k === key)).toHaveLength(keys.filter((k) => k === key).length);
        }
      }),
    );
  });

  it('deals in order of first draw', () => {
    const mine = sampleDealer({ index: 2, count: 3 });
    expect(['x', 'y', 'x', 'z', 'w', 'y', 'v'].map(mine)).toEqual([false, true, false, false, false, true, true]);
  });
});

describe('--shard on the command line', () => {
  it('takes i/n with 1 ≤ i ≤ n', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/3', '4/3', '1/0', '2', '1/2/3', 'a/b', '-1/2', '1.5/3', '']) {
      expect(() => parseShard(bad), bad).toThrow(UsageError);
    }
    expect(() => parseShard('4/3')).toThrow("--shard takes i/n with 1 ≤ i ≤ n, e.g. 2/4, not '4/3'");
  });

  const request = (options: RunRequest['options'], checks: RunRequest['checks'] = ['fresh', 'fault']): RunRequest => ({
    dir: 'sets/x',
    runner: 'rerun-all',
    checks,
    postgres: [17],
    provider: 'embedded',
    options,
  });

  it('refuses sampling on several shards without a common seed, and --path with a shard', () => {
    expect(() => validateShard(request({ shard: { index: 1, count: 2 } }))).toThrow(InputError);
    expect(() => validateShard(request({ shard: { index: 1, count: 2 } }))).toThrow(/same ones/);
    expect(validateShard(request({ shard: { index: 1, count: 2 }, seed: 5 }))).toEqual({ index: 1, count: 2 });
    expect(validateShard(request({ shard: { index: 1, count: 2 }, exhaustive: true }))).toEqual({ index: 1, count: 2 });
    expect(validateShard(request({ shard: { index: 2, count: 2 } }, ['fresh', 'twice']))).toEqual({ index: 2, count: 2 });
    expect(() => validateShard(request({ shard: { index: 1, count: 2 }, seed: 5, path: '0:1' }))).toThrow(/--path replays one case/);
    expect(() => validateShard(request({ shard: { index: 3, count: 2 }, seed: 5 }))).toThrow(InputError);
    expect(validateShard(request({}))).toBeUndefined();
  });

  it('runs the property-based checks on every shard, the single-case and static ones on shard 1', () => {
    const second = { index: 2, count: 3 };
    expect(['resume', 'fault', 'retry'].every((c) => runsOnShard(c as 'fault', second))).toBe(true);
    expect(['fresh', 'twice', 'lint'].some((c) => runsOnShard(c as 'fresh', second))).toBe(false);
    expect(['fresh', 'twice', 'lint'].every((c) => runsOnShard(c as 'fresh', { index: 1, count: 3 }))).toBe(true);
    expect(runsOnShard('twice', undefined)).toBe(true);
  });
});

describe('--format', () => {
  it('takes one format, or a log format and a file format with --out', () => {
    expect(parseOutput('junit', 'r.xml')).toEqual({ format: 'junit', out: 'r.xml' });
    expect(parseOutput('github', undefined)).toEqual({ format: 'github' });
    expect(parseOutput('github,junit', 'r.xml')).toEqual({ format: 'junit', out: 'r.xml', stdout: 'github' });
    expect(parseOutput('json,text', 'r.json')).toEqual({ format: 'json', out: 'r.json', stdout: 'text' });
    expect(() => parseOutput('xml', undefined)).toThrow("--format takes text, json, junit, github, not 'xml'");
    for (const bad of ['github,junit', 'text,github', 'json,junit', 'text,json,junit']) {
      expect(() => parseOutput(bad, bad === 'github,junit' ? undefined : 'f'), bad).toThrow(UsageError);
    }
  });
});
