import { execFileSync, spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { BIN, ROOT } from '../helpers/cli.js';

/** A small seeded generator: the same seed gives the same delays, so a failing trial can be rerun. */
export { seeded } from '../../bench/seeded.js';

export const SIGNAL_CODES = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const;
export type TrialSignal = keyof typeof SIGNAL_CODES;

/** Processes whose command line mentions `text` (a server's data folder, say), this `ps` aside. */
export function processesMentioning(text: string): string[] {
  return execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.includes(text) && !line.includes('ps -eo'));
}

export function entries(folder: string): string[] {
  try {
    return readdirSync(folder);
  } catch {
    return [];
  }
}

export interface Interrupted {
  pid: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** Whether the run was still going when the signal was sent (else it had ended on its own). */
  interrupted: boolean;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI and sends `signal` `delayMs` after it starts (and again `againMs` later, an
 * impatient second Ctrl-C, when given).
 */
export function runAndSignal(args: string[], env: NodeJS.ProcessEnv, signal: NodeJS.Signals, delayMs: number, againMs?: number): Promise<Interrupted> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      interrupted = true;
      child.kill(signal);
      if (againMs !== undefined) setTimeout(() => child.exitCode === null && child.kill(signal), againMs);
    }, delayMs);
    child.on('error', reject);
    child.on('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ pid: child.pid!, code, signal: sig, interrupted, stdout, stderr });
    });
  });
}

/** Runs `work` over `items`, at most `width` at a time. */
export async function inParallel<T>(items: T[], width: number, work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await work(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
}
