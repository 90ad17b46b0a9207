import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { migtest, type JsonReport } from '../helpers/cli.js';

// codd as users configure it: CODD_RETRY_POLICY in the environment, and the COPY forms codd refuses.
const SETS = 'migrations-under-test';
const scratch = mkdtempSync(path.join(tmpdir(), 'migtest-codd-fidelity-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type RetryReport = JsonReport & { checks: (JsonReport['checks'][number] & { details?: { policy: string; tries: number; waitsMs: number[] } })[] };

async function retryCheck(extra: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; report: RetryReport }> {
  const result = await migtest(['check', `${SETS}/codd-retry/broken`, '--runner', 'codd', '--checks', 'retry', '--seed', '42', '--runs', '6', ...extra, '--format', 'json'], { env });
  if (result.code === 2) throw new Error(result.stderr);
  return { code: result.code, report: JSON.parse(result.stdout) as RetryReport };
}

describe('CODD_RETRY_POLICY (the built CLI, a real PostgreSQL)', () => {
  it("is codd's policy when --retry is not given, and reproduce commands name it without its value", async () => {
    const { code, report } = await retryCheck([], { CODD_RETRY_POLICY: 'max 1 backoff constant 250ms' });
    expect(code).toBe(1);
    const [result] = report.checks;
    expect(result!.details).toMatchObject({ policy: 'max 1 backoff constant 250ms', tries: 2, waitsMs: [250] });
    expect(result!.findings.length).toBeGreaterThan(0);
    for (const finding of result!.findings) {
      expect(finding.reproduce.startsWith('CODD_RETRY_POLICY="${CODD_RETRY_POLICY?}" npx migtest check ')).toBe(true);
      expect(finding.reproduce).not.toContain('250ms');
      expect(finding.reproduce).not.toContain('--retry');
    }
  });

  it('gives way to --retry, which the reproduce command then repeats instead', async () => {
    const { report } = await retryCheck(['--retry', 'max 2 backoff exponential 1s'], { CODD_RETRY_POLICY: 'max 1 backoff constant 250ms' });
    const [result] = report.checks;
    expect(result!.details).toMatchObject({ policy: 'max 2 backoff exponential 1s', tries: 3, waitsMs: [1000, 2000] });
    for (const finding of result!.findings) {
      expect(finding.reproduce).not.toContain('CODD_RETRY_POLICY');
      expect(finding.reproduce).toContain("--retry 'max 2 backoff exponential 1s'");
    }
  });

  it('stops migtest with exit 2 when codd could not read it, before any server starts', async () => {
    const result = await migtest(['check', `${SETS}/codd-retry/fixed`, '--runner', 'codd', '--checks', 'fresh'], { env: { CODD_RETRY_POLICY: 'max 2 backoff exponential 1s ' } });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("environment variable CODD_RETRY_POLICY='max 2 backoff exponential 1s '");
    expect(result.stderr).toContain('fix: set it as codd documents it');
    expect(result.stdout).not.toContain('ready in');
  });
});

describe('COPY forms codd does not support (the built CLI)', () => {
  it('refuses COPY … TO STDOUT at load, exit 2, at the statement with a fix; COPY … FROM STDIN still loads', async () => {
    const dir = path.join(scratch, 'copy');
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    writeFileSync(path.join(dir, '2024-01-01-10-00-00-rooms.sql'), 'CREATE TABLE rooms (code text PRIMARY KEY);\nCOPY rooms FROM STDIN;\nA-1\n\\.\n');
    writeFileSync(path.join(dir, '2024-01-02-10-00-00-export.sql'), 'SELECT 1;\nCOPY rooms TO STDOUT WITH (FORMAT csv);\n');
    const refused = await migtest(['lint', dir, '--runner', 'codd']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('2024-01-02-10-00-00-export.sql:2:1: COPY … TO STDOUT sends rows to the client');
    expect(refused.stderr).toContain('fix: remove the statement');
    rmSync(path.join(dir, '2024-01-02-10-00-00-export.sql'));
    const loaded = await migtest(['lint', dir, '--runner', 'codd']);
    expect(loaded.code).not.toBe(2);
  });
});
