import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ROOT } from './cli.js';

/**
 * Gives a service repo in `dir` (a folder of its own in a scratch folder) what `npm install` would, without the network: this migtest
 * (built: pretest ran tsc), linked as `"migtest": "file:../.."` is, and the root's vitest.
 * Returns a folder for the servers' clusters (MIGTEST_TMPDIR), to see that each was removed.
 */
export function linkDependencies(dir: string): string {
  mkdirSync(join(dir, 'node_modules/.bin'), { recursive: true });
  symlinkSync(ROOT, join(dir, 'node_modules/migtest'));
  symlinkSync(join(ROOT, 'node_modules/vitest'), join(dir, 'node_modules/vitest'));
  symlinkSync('../vitest/vitest.mjs', join(dir, 'node_modules/.bin/vitest'));
  // Beside the repo, not in it: vitest would look for test files in it.
  const clusters = join(dirname(dir), 'clusters');
  mkdirSync(clusters);
  // As root, the server runs as the migtest user, which must reach its cluster folder.
  chmodSync(dirname(dir), 0o755);
  chmodSync(clusters, 0o777);
  return clusters;
}

/** Runs a command in a service repo, as CI would (no colours), stdout and stderr together. */
export function runIn(dir: string, command: string, args: string[], clusters: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', CI: '1', MIGTEST_TMPDIR: clusters },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** What a run left behind: cluster folders, and processes (servers) that still mention them. */
export function leftBehind(clusters: string): string[] {
  const left = readdirSync(clusters).map((name) => `folder ${join(clusters, name)}`);
  for (const pid of readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      if (cmdline.includes(clusters)) left.push(`process ${pid}: ${cmdline}`);
    } catch {
      // The process ended while we looked.
    }
  }
  return left;
}
