import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/migtest.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, from the repository's root. */
export function migtest(args: string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; bin?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [options.bin ?? BIN, ...args], {
      cwd: options.cwd ?? ROOT,
      // GITHUB_ACTIONS of a CI that runs these tests would add annotations to every text log: a test asks for it.
      env: { ...process.env, NO_COLOR: '1', GITHUB_ACTIONS: undefined, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export interface JsonReport {
  ok: boolean;
  tool: string;
  set: string;
  runner: string;
  postgres: string[];
  checks: {
    name: string;
    postgres: string;
    status: string;
    cases: number;
    durationMs: number;
    findings: {
      check: string;
      file: string | null;
      line: number | null;
      column: number | null;
      statement: string | null;
      sqlstate: string | null;
      message: string;
      hint: string | null;
      diff: { path: string; change: string; expected?: unknown; found?: unknown }[] | null;
      reproduce: string;
      /** How many cases ended in this finding (one root cause). */
      cases: number;
    }[];
    /** Why the check was skipped, or why it could not run. */
    reason?: string;
    notes: { check: string; file: string | null; message: string; action: string }[];
  }[];
}

/** Runs the CLI with `--format json` and reads its report; a usage or infrastructure error (exit 2) fails the test with its message. */
export async function jsonRun(args: string[], options: Parameters<typeof migtest>[1] = {}): Promise<{ code: number | null; report: JsonReport }> {
  const result = await migtest([...args, '--format', 'json'], options);
  if (result.code === 2) throw new Error(result.stderr);
  return { code: result.code, report: JSON.parse(result.stdout) as JsonReport };
}
