import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import { databasePrefix } from '../../src/postgres/owner.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { sql } from '../helpers/db.js';
import { entries, inParallel, processesMentioning, runAndSignal, seeded, SIGNAL_CODES, type TrialSignal } from './trials.js';

/**
 * 50 runs interrupted at random moments (start-up, mid-run, shutdown), half on the embedded
 * provider, half on the url provider against a server this file starts: after each, nothing the
 * run made may be left (no server folder, no postmaster, no scratch database), and the databases
 * it did not make must stand. The delays come from a fixed seed: a failure names its trial, and
 * the same seed gives the same trials.
 */
const SEED = 1313;
const TRIALS = 50;
/** Runs at a time: the machine has two cores, and each run starts a server or works one. */
const WIDTH = 3;

interface Trial {
  index: number;
  provider: 'embedded' | 'url';
  signal: TrialSignal;
  delayMs: number;
  /** A second signal this long after the first, as an impatient user's second Ctrl-C. */
  againMs?: number;
}

function plan(): Trial[] {
  const random = seeded(SEED);
  const signals: TrialSignal[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  return Array.from({ length: TRIALS }, (_, index) => {
    const provider = index % 2 === 0 ? 'embedded' : 'url';
    // Embedded: start-up takes seconds; url: the run itself is the window.
    const delayMs = Math.round(random() * (provider === 'embedded' ? 9000 : 6000));
    const signal = signals[Math.floor(random() * signals.length)]!;
    const again = random() < 0.25 ? Math.round(50 + random() * 400) : undefined;
    return { index, provider, signal, delayMs, ...(again !== undefined ? { againMs: again } : {}) };
  });
}

const PASSWORD = `Pw-${randomBytes(12).toString('hex')}`;
let owner: Server;
let admin: DatabaseHandle;
let url: string;
/** Databases no trial made: a plain one, one named as an older migtest named its own, one with a live owner's record. */
const BYSTANDERS = ['migtest_bystander', 'migtest_1_abcdef_1', `${databasePrefix('abcdef')}1`];

beforeAll(async () => {
  owner = await startEmbedded({ major: 17 });
  admin = await owner.createDatabase();
  url = `postgres://migtest_trial:${PASSWORD}@127.0.0.1:${Number(admin.config.port)}/postgres`;
  await sql(admin, `CREATE ROLE migtest_trial LOGIN CREATEDB PASSWORD '${PASSWORD}'`);
  for (const name of BYSTANDERS) await sql(admin, `CREATE DATABASE "${name}" OWNER migtest_trial`);
  await sql(admin, `COMMENT ON DATABASE "migtest_bystander" IS 'a user''s data'`);
});
afterAll(async () => {
  await owner?.stop();
});

async function databasesOf(pid: number): Promise<string[]> {
  const rows = await sql<{ datname: string }>(admin, `SELECT datname FROM pg_database WHERE datname LIKE 'migtest\\_${pid}\\_%'`);
  return rows.map((r) => r.datname);
}

async function bystanders(): Promise<string[]> {
  const rows = await sql<{ datname: string }>(admin, `SELECT datname FROM pg_database WHERE datname IN (${BYSTANDERS.map((b) => `'${b}'`).join(', ')}) ORDER BY 1`);
  return rows.map((r) => r.datname);
}

describe('interrupts at random moments leave nothing behind', () => {
  it(`${TRIALS} trials (seed ${SEED}), embedded and url, SIGINT, SIGTERM and SIGHUP`, async () => {
    const trials = plan();
    const problems: string[] = [];
    let ran = 0;
    let interrupted = 0;
    /** Interrupted runs whose handler ended them (exit 128 + n), rather than node's default before migtest had loaded. */
    let handled = 0;
    const counted = { embedded: 0, url: 0 };
    await inParallel(trials, WIDTH, async (trial) => {
      const name = `trial ${trial.index} (${trial.provider}, ${trial.signal}${trial.againMs !== undefined ? ' twice' : ''} at ${trial.delayMs} ms)`;
      // A folder of its own: exactly what this run made, whatever else runs on the machine.
      const tmp = mkdtempSync(join(tmpdir(), 'migtest-trial-'));
      chmodSync(tmp, 0o755);
      try {
        const args =
          trial.provider === 'embedded'
            ? ['check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--checks', 'fresh,twice,resume']
            : ['check', 'migrations-under-test/golang-migrate-dirty/fixed', '--runner', 'golang-migrate', '--runner-option', 'transactions=true', '--checks', 'fresh,fault', '--runs', '12', '--seed', '7', '--url', url];
        const result = await runAndSignal(args, { MIGTEST_TMPDIR: tmp }, trial.signal, trial.delayMs, trial.againMs);
        ran++;
        counted[trial.provider]++;
        if (result.interrupted) interrupted++;
        if (result.interrupted && result.code === SIGNAL_CODES[trial.signal]) handled++;
        // Interrupted: the signal's code (128 + its number), or, for a signal that came while node
        // was still loading migtest (before its handlers, before anything was made), death by it.
        // A signal that lands after the run's last byte but before its exit may find a 0 or 1.
        const ended = result.signal === trial.signal && result.interrupted ? SIGNAL_CODES[trial.signal] : result.code ?? -1;
        const expected = result.interrupted ? [SIGNAL_CODES[trial.signal], 0, 1] : [0, 1];
        if (!expected.includes(ended)) {
          problems.push(`${name}: exit ${result.code ?? result.signal}, expected ${expected.join(' or ')}; stderr: ${result.stderr.trim()}`);
        }
        if (/\n\s+at |unexpected failure/.test(result.stderr)) problems.push(`${name}: a stack trace or an unexpected failure: ${result.stderr.trim()}`);
        if (/removed what ended runs left behind/.test(result.stderr)) problems.push(`${name}: found what an earlier run left: ${result.stderr.trim()}`);
        const folders = entries(tmp);
        if (folders.length > 0) problems.push(`${name}: left ${folders.map((f) => join(tmp, f)).join(', ')} (${entries(join(tmp, folders[0]!)).join(', ')})`);
        const processes = processesMentioning(tmp);
        if (processes.length > 0) problems.push(`${name}: left processes ${processes.join('; ')}`);
        if (trial.provider === 'url') {
          const left = await databasesOf(result.pid);
          if (left.length > 0) problems.push(`${name}: left ${left.length} databases: ${left.join(', ')}`);
        }
      } finally {
        rmSync(tmp, { recursive: true, force: true });
      }
    });
    expect(problems).toEqual([]);
    expect(await bystanders()).toEqual([...BYSTANDERS].sort());
    expect(ran).toBe(TRIALS);
    expect(counted).toEqual({ embedded: TRIALS / 2, url: TRIALS / 2 });
    // Most signals must land while the run goes on, or the trials test little.
    expect(interrupted).toBeGreaterThanOrEqual(TRIALS * 0.7);
    expect(handled).toBeGreaterThanOrEqual(TRIALS * 0.3);
    console.log(`interrupt trials: ${ran} run, ${interrupted} interrupted, ${handled} of them by migtest's handler (the rest while node was loading), seed ${SEED}`);
  }, 420_000);
});
