import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest } from '../helpers/cli.js';

const BROKEN = 'migrations-under-test/certctl-double-run/broken';
const dir = mkdtempSync(join(tmpdir(), 'migtest-text-out-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('--format text --out FILE', () => {
  // Shard 2 of 2 with single-case checks only: the run needs no server, so the test is fast.
  it('writes the text report to the file, not to stdout', async () => {
    const out = join(dir, 'report.txt');
    const result = await migtest(['check', BROKEN, '--runner', 'rerun-all', '--checks', 'fresh', '--shard', '2/2', '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(existsSync(out)).toBe(true);
    const text = readFileSync(out, 'utf8');
    expect(text).toContain('runner rerun-all · shard 2/2');
    expect(text).toContain('PASS no check to run on shard 2/2');
    expect(result.stdout).not.toContain('PASS');
  });

  // A CI job names a report in a folder of its own (test-results/…), which nothing made yet: the
  // report of a long run must not be lost to it.
  it('makes the folder of --out when it does not exist yet', async () => {
    const out = join(dir, 'test-results', 'migtest', 'junit.xml');
    const result = await migtest(['check', BROKEN, '--runner', 'rerun-all', '--checks', 'fresh', '--shard', '2/2', '--format', 'junit', '--out', out]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toContain('<testsuites name="migtest');
  });
});
