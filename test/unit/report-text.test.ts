import { describe, expect, it } from 'vitest';
import { TextReporter } from '../../src/report/text.js';

function plainReporter() {
  let now = 0;
  let out = '';
  const reporter = new TextReporter({ color: false, live: false, write: (s) => (out += s), now: () => now });
  return { reporter, at: (ms: number) => (now = ms), output: () => out };
}

describe('text reporter without a terminal (a CI log)', () => {
  it('writes plain lines: the check starting with its version, its progress, its end; no carriage return, no colour', () => {
    const { reporter, at, output } = plainReporter();
    reporter.onLoaded({ set: 'sets/x', runner: 'rerun-all', migrations: 8, shard: { index: 2, count: 4 } });
    at(0);
    reporter.onCheckStart('fault', '16');
    // 40 cases, one every 400 ms: 16 s in all.
    for (let done = 1; done <= 40; done++) {
      at(done * 400);
      reporter.onProgress('fault', done, 40);
    }
    reporter.onCheckEnd({ name: 'fault', postgres: '16', status: 'pass', cases: 40, durationMs: 16000, findings: [] });
    const text = output();
    expect(text).not.toMatch(/[\r\x1b]/);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('migtest 0.1.0 · sets/x · 8 migrations · runner rerun-all · shard 2/4');
    expect(lines[1]).toBe('  · fault    pg 16  started');
    const progress = lines.slice(2, -1);
    // A line per tenth once a second has gone by since the last one: 4/40 at 1.6 s, 8/40 at 3.2 s, …
    expect(progress[0]).toBe('  · fault    pg 16  10% (4/40 cases)  1.6 s');
    expect(progress).toHaveLength(9);
    expect(progress.at(-1)).toBe('  · fault    pg 16  90% (36/40 cases)  14.4 s');
    expect(lines.at(-1)).toBe('  ✓ fault    pg 16  40 cases  16.0 s');
  });

  it('writes no line for tenths passed within a second, but one every 10 s for a slow check', () => {
    const { reporter, at, output } = plainReporter();
    reporter.onCheckStart('resume', '17');
    // Fast: all of 10 cases in 500 ms: nothing between start and end.
    for (let done = 1; done < 10; done++) {
      at(done * 50);
      reporter.onProgress('resume', done, 10);
    }
    expect(output()).toBe('  · resume   pg 17  started\n');
    // Slow: 10000 cases, one every 100 ms (no tenth in 25 s): still a line every 10 s.
    const start = 1000;
    at(start);
    reporter.onCheckStart('fault', '17');
    for (let done = 1; done <= 250; done++) {
      at(start + done * 100);
      reporter.onProgress('fault', done, 10000);
    }
    const lines = output().trimEnd().split('\n').slice(2);
    expect(lines).toEqual([
      '  · fault    pg 17  1% (100/10000 cases)  10.0 s',
      '  · fault    pg 17  2% (200/10000 cases)  20.0 s',
    ]);
  });

  it('says why a shard ran nothing: the checks asked for run on shard 1', () => {
    const { reporter, output } = plainReporter();
    reporter.summary({ ok: true, tool: 'migtest', version: '0.1.0', set: 'sets/x', runner: 'rerun-all', postgres: [], shard: { index: 3, count: 4 }, checks: [] });
    expect(output()).toBe('PASS no check to run on shard 3/4: single-case and static checks (fresh, twice, lint) run on shard 1\n');
  });
});
