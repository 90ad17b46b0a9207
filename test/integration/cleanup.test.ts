import { spawn, execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, ROOT } from '../helpers/cli.js';

function processesMentioning(text: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(text) && !line.includes('ps -eo'));
}

function sharedMemorySegments(): string[] {
  try {
    return readdirSync('/dev/shm').filter((name) => name.startsWith('PostgreSQL.'));
  } catch {
    return [];
  }
}

describe('cleanup', () => {
  // An impatient user presses Ctrl-C twice: the second one must not cut the cleanup short.
  it.each([
    ['SIGINT', 1],
    ['SIGTERM', 1],
    ['SIGINT', 2],
  ] as const)('leaves no server, temp folder or database after %s (%i times) mid-run', async (signal, times) => {
    // A private cluster folder shows exactly what this run made; the server's user must be able to enter it.
    const tmp = mkdtempSync(join(tmpdir(), 'migtest-cleanup-'));
    chmodSync(tmp, 0o755);
    try {
      const child = spawn(
        process.execPath,
        [BIN, 'check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--checks', 'fresh,twice'],
        { cwd: ROOT, env: { ...process.env, MIGTEST_TMPDIR: tmp, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stdout = '';
      const started = new Promise<void>((resolve) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('ready in')) resolve();
        });
      });
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const segmentsBefore = sharedMemorySegments();
      await started;
      expect(readdirSync(tmp).length).toBeGreaterThan(0);
      expect(processesMentioning(tmp).length).toBeGreaterThan(0);
      for (let i = 0; i < times; i++) child.kill(signal);
      const code = await exited;
      expect(code).toBe(signal === 'SIGINT' ? 130 : 143);
      expect(readdirSync(tmp)).toEqual([]);
      expect(processesMentioning(tmp)).toEqual([]);
      // No shared memory segment of the server outlives it (PostgreSQL's posix ones would). Other
      // test files start servers meanwhile, whose initdb makes segments for a moment: a leaked
      // one stays, theirs go, so wait a little for the new ones to be gone.
      let leaked = sharedMemorySegments().filter((name) => !segmentsBefore.includes(name));
      for (let i = 0; i < 50 && leaked.length > 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        leaked = leaked.filter((name) => sharedMemorySegments().includes(name));
      }
      expect(leaked).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
});
