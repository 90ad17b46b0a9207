import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import { databasePrefix } from '../../src/postgres/owner.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { BIN, migtest, ROOT } from '../helpers/cli.js';
import { sql } from '../helpers/db.js';
import { entries, processesMentioning } from './trials.js';

/**
 * A run killed outright (SIGKILL: no handler runs) leaves its server and databases; the next run
 * removes them, says so in one line, and touches nothing whose owner lives or that has no record.
 */

/** Starts the CLI and kills it with SIGKILL once `ready` says it has made what it makes. */
function killWhen(args: string[], env: NodeJS.ProcessEnv, ready: (stdout: string) => Promise<boolean> | boolean): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    let killed = false;
    const poll = setInterval(async () => {
      if (!killed && (await ready(stdout))) {
        killed = true;
        child.kill('SIGKILL');
      }
    }, 50);
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.on('close', () => {
      clearInterval(poll);
      resolve(child.pid!);
    });
  });
}

const SET = ['check', 'migrations-under-test/golang-migrate-dirty/fixed', '--runner', 'golang-migrate', '--runner-option', 'transactions=true', '--checks', 'fresh,fault', '--exhaustive'];

describe('reaping what killed runs left', () => {
  it('embedded: the postmaster and folder of a SIGKILLed run are removed by the next run, which says so', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'migtest-reap-'));
    chmodSync(tmp, 0o755);
    try {
      await killWhen(SET, { MIGTEST_TMPDIR: tmp }, (stdout) => stdout.includes('ready in'));
      const [folder] = entries(tmp);
      expect(folder).toMatch(/^migtest-pg-/);
      expect(existsSync(join(tmp, folder!, 'owner'))).toBe(true);
      expect(processesMentioning(tmp).length).toBeGreaterThan(0); // its postmaster outlived it

      const next = await migtest(['check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--checks', 'fresh'], { env: { MIGTEST_TMPDIR: tmp } });
      expect(next.code).toBe(0);
      expect(next.stderr).toBe(`migtest: removed what ended runs left behind: embedded server ${join(tmp, folder!)}\n`);
      expect(entries(tmp)).toEqual([]);
      expect(processesMentioning(tmp)).toEqual([]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });

  describe('url', () => {
    const PASSWORD = `Pw-${randomBytes(12).toString('hex')}`;
    let owner: Server;
    let admin: DatabaseHandle;
    let url: string;
    /** A live owner's database (this test process's), and one named as an older migtest named its own. */
    const STANDING = [`${databasePrefix('abcdef')}1`, 'migtest_1_abcdef_1'];

    beforeAll(async () => {
      owner = await startEmbedded({ major: 17 });
      admin = await owner.createDatabase();
      url = `postgres://migtest_reap:${PASSWORD}@127.0.0.1:${Number(admin.config.port)}/postgres`;
      await sql(admin, `CREATE ROLE migtest_reap LOGIN CREATEDB PASSWORD '${PASSWORD}'`);
      for (const name of STANDING) await sql(admin, `CREATE DATABASE "${name}" OWNER migtest_reap`);
    });
    afterAll(async () => {
      await owner?.stop();
    });

    const databasesOf = async (pid: number): Promise<string[]> =>
      (await sql<{ datname: string }>(admin, `SELECT datname FROM pg_database WHERE datname LIKE 'migtest\\_${pid}\\_%' ORDER BY 1`)).map((r) => r.datname);

    it('the scratch databases of a SIGKILLed run are dropped by the next run, which says so; others stand', async () => {
      const pid = await killWhen([...SET, '--url', url], {}, async (stdout) => /✓ fresh/.test(stdout) && (await runDatabases()).length > 0);
      const left = await databasesOf(pid);
      expect(left.length).toBeGreaterThan(0);

      const next = await migtest(['check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--checks', 'fresh', '--url', url]);
      expect(next.code).toBe(0);
      expect(next.stderr).toBe(`migtest: removed what ended runs left behind: ${left.length} database${left.length === 1 ? '' : 's'} (${left.join(', ')})\n`);
      expect(await databasesOf(pid)).toEqual([]);
      const standing = await sql<{ datname: string }>(admin, `SELECT datname FROM pg_database WHERE datname IN ('${STANDING.join("', '")}') ORDER BY 1`);
      expect(standing.map((r) => r.datname)).toEqual([...STANDING].sort());
    });

    /** Scratch databases of some other process than this one (the run's, then). */
    async function runDatabases(): Promise<string[]> {
      return (await sql<{ datname: string }>(admin, `SELECT datname FROM pg_database WHERE datname LIKE 'migtest\\_%' AND datname NOT LIKE 'migtest\\_${process.pid}\\_%' AND datname <> 'migtest_1_abcdef_1'`)).map((r) => r.datname);
    }
  });
});
