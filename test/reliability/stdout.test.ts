import { spawn } from 'node:child_process';
import { openSync, closeSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';

/** A closed stdout ends what migtest prints, not the run: quiet, and the run's own exit code. */
function run(args: string[], stdout: 'head' | number): Promise<{ code: number | null; stderr: string; first: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', stdout === 'head' ? 'pipe' : stdout, 'pipe'] });
    let stderr = '';
    let first = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    if (stdout === 'head') {
      // `| head -1`: one line read, then the pipe closed.
      child.stdout!.once('data', (d: Buffer) => {
        first = d.toString().split('\n')[0]!;
        child.stdout!.destroy();
      });
    }
    child.on('close', (code) => resolve({ code, stderr, first }));
  });
}

const BROKEN = ['check', 'migrations-under-test/certctl-double-run/broken', '--runner', 'rerun-all', '--checks', 'fresh,twice'];
const FIXED = ['check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--checks', 'fresh,twice'];

describe('stdout that closes', () => {
  it('| head -1: a passing set exits 0, a failing one 1, nothing on stderr', async () => {
    const [passing, failing] = await Promise.all([run(FIXED, 'head'), run(BROKEN, 'head')]);
    expect(passing.first).toContain('migtest');
    expect(passing).toMatchObject({ code: 0, stderr: '' });
    expect(failing).toMatchObject({ code: 1, stderr: '' });
  });

  it.skipIf(!existsSync('/dev/full'))('stdout on /dev/full (ENOSPC): the run\'s exit code, nothing on stderr', async () => {
    const full = openSync('/dev/full', 'w');
    try {
      const result = await run([...BROKEN, '--format', 'json'], full);
      expect(result).toMatchObject({ code: 1, stderr: '' });
    } finally {
      closeSync(full);
    }
  });
});
