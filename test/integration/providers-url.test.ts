import { execFileSync, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { ServerSession } from '../../src/postgres/server.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { startUrl } from '../../src/postgres/url.js';
import { BIN, migtest, ROOT, type JsonReport } from '../helpers/cli.js';
import { sql } from '../helpers/db.js';
import { providerContract } from './providers-contract.js';

/**
 * The url provider against a server this file starts (an embedded one), reached over TCP with a
 * password by roles that are not superusers: one with CREATEDB, one without.
 */
const PASSWORD = `Pw-${randomBytes(12).toString('hex')}`;
let owner: Server;
let admin: DatabaseHandle;
let port: number;
const url = (role: string, password = PASSWORD): string => `postgres://${role}:${password}@127.0.0.1:${port}/postgres`;

beforeAll(async () => {
  owner = await startEmbedded({ major: 17 });
  admin = await owner.createDatabase();
  port = Number(admin.config.port);
  await sql(admin, `CREATE ROLE migtest_app LOGIN CREATEDB PASSWORD '${PASSWORD}'`);
  await sql(admin, `CREATE ROLE migtest_plain LOGIN PASSWORD '${PASSWORD}'`);
  // Named like migtest's own scratch databases, but not made by any run: no run may drop it.
  await sql(admin, 'CREATE DATABASE migtest_not_ours OWNER migtest_app');
});
afterAll(async () => {
  await owner.stop();
});

/** Databases with migtest's prefix on the server that neither the owner nor `own` made (the bystander aside). */
async function leftovers(own: Server[]): Promise<string[]> {
  const known = new Set([owner, ...own].flatMap((s) => (s as ServerSession).databases));
  const rows = await sql<{ datname: string }>(admin, "SELECT datname FROM pg_database WHERE datname LIKE 'migtest\\_%' ORDER BY 1");
  return rows.map((r) => r.datname).filter((name) => !known.has(name) && name !== 'migtest_not_ours');
}

async function bystanderStands(): Promise<boolean> {
  return (await sql(admin, "SELECT 1 FROM pg_database WHERE datname = 'migtest_not_ours'")).length === 1;
}

describe('url provider', () => {
  providerContract({
    provider: 'url',
    start: () => startUrl({ url: url('migtest_app') }),
    get request() {
      return { url: url('migtest_app') };
    },
    get cliArgs() {
      return ['--provider', 'url', '--url', url('migtest_app')];
    },
    crashes: false,
    leftovers,
    secrets: [PASSWORD],
  });

  it('never dropped the database with the migtest prefix that it did not make', async () => {
    expect(await bystanderStands()).toBe(true);
  });

  it('refuses a role without CREATEDB, exit 2, with the fix and without the password', async () => {
    const result = await migtest(['check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--provider', 'url', '--url', url('migtest_plain')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`migtest: the role migtest_plain on postgres://migtest_plain:***@127.0.0.1:${port}/postgres may not create databases`);
    expect(result.stderr).toContain('fix: as a superuser: ALTER ROLE migtest_plain CREATEDB');
    expect(result.stdout + result.stderr).not.toContain(PASSWORD);
  });

  it('--pg must name the server\'s version: another one is exit 2, and its databases are gone', async () => {
    const result = await migtest(['check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--pg', '15', '--url', url('migtest_app')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`the server at postgres://migtest_app:\\*\\*\\*@127\\.0\\.0\\.1:${port}/postgres runs PostgreSQL 17\\.\\d+, not the 15 that --pg asks for`));
    expect(result.stderr).toContain('fix: use --pg 17, or leave --pg out with --provider url');
    expect(await leftovers([])).toEqual([]);
  });

  it('a wrong password: a clear refusal that shows no password, neither the wrong one nor any other', async () => {
    const wrong = `Wrong-${randomBytes(6).toString('hex')}`;
    const result = await migtest(['check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all', '--provider', 'url', '--url', url('migtest_app', wrong)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot connect to postgres://migtest_app:***@127.0.0.1:${port}/postgres: password authentication failed for user "migtest_app"`);
    expect(result.stdout + result.stderr).not.toContain(wrong);
  });

  it('DATABASE_URL: the reproduce command leaves the url to the environment; a --url one drops the password and runs with PGPASSWORD', async () => {
    const fromEnv = await migtest(['check', 'migrations-under-test/certctl-double-run/broken', '--runner', 'rerun-all', '--checks', 'twice', '--provider', 'url'], {
      env: { DATABASE_URL: url('migtest_app') },
    });
    expect(fromEnv.code).toBe(1);
    expect(fromEnv.stdout).toContain('reproduce: npx migtest check migrations-under-test/certctl-double-run/broken --runner rerun-all --checks twice --pg 17 --provider url\n');
    expect(fromEnv.stdout + fromEnv.stderr).not.toContain(PASSWORD);

    const withUrl = await migtest(['check', 'migrations-under-test/certctl-double-run/broken', '--runner', 'rerun-all', '--checks', 'twice', '--provider', 'url', '--url', url('migtest_app'), '--format', 'json']);
    const reproduce = (JSON.parse(withUrl.stdout) as JsonReport).checks[0]!.findings[0]!.reproduce;
    expect(reproduce).toContain(`--url postgres://migtest_app@127.0.0.1:${port}/postgres`);
    const again = await migtest([...reproduce.replace('npx migtest ', '').split(' '), '--format', 'json'], { env: { PGPASSWORD: PASSWORD } });
    expect(again.stderr).toBe('');
    expect((JSON.parse(again.stdout) as JsonReport).checks[0]!.findings.map((f) => f.sqlstate)).toEqual(['42710']);
    expect(await leftovers([])).toEqual([]);
  });

  it('Ctrl-C in the middle of a run drops its scratch databases, and only those', async () => {
    const child = spawn(
      process.execPath,
      [BIN, 'check', 'migrations-under-test/golang-migrate-dirty/fixed', '--runner', 'golang-migrate', '--runner-option', 'transactions=true', '--checks', 'fresh,fault', '--exhaustive', '--provider', 'url'],
      { cwd: ROOT, env: { ...process.env, NO_COLOR: '1', DATABASE_URL: url('migtest_app') }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let interruptedWith: string[] = [];
    let signalled = false;
    const code = await new Promise<number | null>((resolve) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk.toString();
        // Once: more output may arrive while the databases are being listed.
        if (/✓ fresh/.test(stdout) && child.exitCode === null && !signalled) {
          signalled = true;
          void leftovers([]).then((names) => {
            interruptedWith = names;
            child.kill('SIGINT');
          });
        }
      });
      child.on('close', (exitCode) => resolve(exitCode));
    });
    expect(interruptedWith.length).toBeGreaterThan(0); // it had databases when it was interrupted
    expect(code).toBe(130);
    expect(await leftovers([])).toEqual([]);
    expect(await bystanderStands()).toBe(true);
  });

  it('a process that exits without stopping still drops its databases (the exit handler), and only those', () => {
    const script = `
      const { startUrl } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist/postgres/url.js')).href)});
      const server = await startUrl({});
      const db = await server.createDatabase();
      await server.createDatabase({ template: db.name });
      process.exit(0);`;
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, DATABASE_URL: url('migtest_app') }, stdio: 'pipe' });
    return Promise.all([leftovers([]), bystanderStands()]).then(([left, stands]) => {
      expect(left).toEqual([]);
      expect(stands).toBe(true);
    });
  });
});
