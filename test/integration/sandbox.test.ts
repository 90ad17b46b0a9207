import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterParent, startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { States } from '../../src/checks/states.js';
import { prepare } from '../../src/prepare.js';
import { migtest, type JsonReport } from '../helpers/cli.js';
import { sql } from '../helpers/db.js';

/*
 * What a migration under test may do (docs/security.md): on an existing server (--provider url)
 * nothing outside the case's database, refused before the run starts; on a server of migtest's,
 * `--role` runs the set as a deploy role that is no superuser, so row-level security and missing
 * privileges fail as they would in production; and an embedded run's folder is the run's alone.
 */

const PASSWORD = `Pw-${randomBytes(12).toString('hex')}`;
let owner: Server;
let admin: DatabaseHandle;
let scratch = '';
const url = (): string => `postgres://migtest_app:${PASSWORD}@127.0.0.1:${String(admin.config.port)}/postgres`;

beforeAll(async () => {
  owner = await startEmbedded({ major: 17 });
  admin = await owner.createDatabase();
  await sql(admin, `CREATE ROLE migtest_app LOGIN CREATEDB PASSWORD '${PASSWORD}'`);
  // The user's own database, which a migration of the set names.
  await sql(admin, 'CREATE DATABASE sacrificial OWNER migtest_app');
  scratch = await mkdtemp(path.join(tmpdir(), 'migtest-sandbox-'));
});
afterAll(async () => {
  await owner.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function setOf(name: string, files: Record<string, string>): Promise<string> {
  const dir = path.join(scratch, name);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir);
  for (const [file, text] of Object.entries(files)) await writeFile(path.join(dir, file), text);
  return dir;
}

const databases = async (): Promise<string[]> =>
  (await sql<{ datname: string }>(admin, 'SELECT datname FROM pg_database ORDER BY 1')).map((r) => r.datname);

describe('--provider url: a set that would change the server outside its case is refused before it runs', () => {
  it.each([
    ['DROP DATABASE', '000002_cleanup.up.sql', 'DROP DATABASE sacrificial;\n', 1, 1, 'DROP DATABASE sacrificial'],
    ['ALTER SYSTEM', '000002_tune.up.sql', "-- faster bulk loads\nALTER SYSTEM SET maintenance_work_mem = '1GB';\n", 2, 1, "ALTER SYSTEM SET maintenance_work_mem = '1GB'"],
    [
      'CREATE ROLE in a DO block',
      '000002_reader.up.sql',
      "DO $$\nBEGIN\n  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'reader') THEN\n    CREATE ROLE reader NOLOGIN;\n  END IF;\nEND\n$$;\n",
      4,
      5,
      'CREATE ROLE reader NOLOGIN',
    ],
  ])('%s: exit 2 naming file:line:col and the statement, with the way out; the server is left as it was', async (_label, file, text, line, column, shown) => {
    const dir = await setOf(file, { '000001_t.up.sql': 'CREATE TABLE IF NOT EXISTS t (id int);\n', [file]: text });
    const before = await databases();
    const result = await migtest(['check', dir, '--runner', 'rerun-all', '--checks', 'fresh,twice', '--provider', 'url', '--url', url()]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`${file}:${line}:${column}: `);
    expect(result.stderr).toContain(shown);
    expect(result.stderr).toContain('refused before the run starts');
    expect(result.stderr).toContain('fix: run the set with --provider embedded (the default) or --provider container');
    expect(result.stderr).not.toContain(PASSWORD);
    expect(await databases()).toEqual(before);
    expect(before).toContain('sacrificial');
  });

  it('a set that keeps to its own database runs there as before', async () => {
    const dir = await setOf('plain', { '000001_t.up.sql': 'CREATE TABLE IF NOT EXISTS t (id int);\n' });
    const result = await migtest(['check', dir, '--runner', 'rerun-all', '--checks', 'fresh,twice', '--provider', 'url', '--url', url()]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('--role is refused on a url: the url names the role there', async () => {
    const dir = await setOf('plain-role', { '000001_t.up.sql': 'CREATE TABLE IF NOT EXISTS t (id int);\n' });
    const result = await migtest(['check', dir, '--runner', 'rerun-all', '--provider', 'url', '--url', url(), '--role', 'app_owner']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--role is for the embedded and container providers');
  });
});

describe('--role: the set runs as a deploy role, no superuser, that owns the case database', () => {
  const SET = 'migrations-under-test/rls-deploy-role';
  const run = async (set: string, role?: string): Promise<JsonReport> => {
    const result = await migtest(['check', `${SET}/${set}`, '--runner', 'rerun-all', '--checks', 'fresh,twice', '--format', 'json', ...(role ? ['--role', role] : [])]);
    expect(result.stderr).toBe('');
    return JSON.parse(result.stdout) as JsonReport;
  };
  const findings = (report: JsonReport): string[] =>
    report.checks.flatMap((c) => c.findings.map((f) => `${c.name} ${f.sqlstate} ${path.basename(f.file ?? '')}:${f.line}`));

  it('broken: passes as the superuser, which row-level security never stops; fails under --role at the seed, 42501', async () => {
    const [asSuperuser, asRole] = await Promise.all([run('broken'), run('broken', 'app_owner')]);
    expect(asSuperuser.ok).toBe(true);
    expect(findings(asRole)).toEqual(['fresh 42501 000002_seed_demo_accounts.up.sql:2', 'twice 42501 000002_seed_demo_accounts.up.sql:2']);
    expect(asRole.checks[0]!.findings[0]!.message).toContain('row-level security policy');
    expect(asRole.checks[0]!.findings[0]!.reproduce).toContain('--role app_owner');
  });

  it('fixed: passes under --role', async () => {
    const report = await run('fixed', 'app_owner');
    expect(findings(report)).toEqual([]);
    expect(report.ok).toBe(true);
  });

  it('the role owns the case database and what the set made; the superuser still reads every row', async () => {
    const prepared = await prepare({ dir: `${SET}/fixed`, runner: 'rerun-all', role: 'app_owner', servers: { server: owner } });
    const states = new States(owner, prepared.model, prepared.plan, prepared.settings);
    try {
      const fresh = await states.fresh();
      expect(fresh.trace.ok).toBe(true);
      const [facts] = await sql<{ dba: string; table_owner: string; super: boolean; rows: string }>(
        fresh.db,
        `SELECT (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) AS dba,
                (SELECT tableowner FROM pg_tables WHERE tablename = 'accounts') AS table_owner,
                (SELECT rolsuper FROM pg_roles WHERE rolname = 'app_owner') AS super,
                (SELECT count(*) FROM accounts) AS rows`,
      );
      expect(facts).toEqual({ dba: 'app_owner', table_owner: 'app_owner', super: false, rows: '2' });
    } finally {
      await states.close();
    }
  });

  it('refuses a role name that is PostgreSQL\'s own or the superuser', async () => {
    const result = await migtest(['check', `${SET}/fixed`, '--runner', 'rerun-all', '--role', 'postgres']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--role "postgres" cannot be the role a set runs as');
  });
});

describe('ALTER SYSTEM is per case: each case starts from the server settings of the state it copies', () => {
  it('a setting a set reloads reaches the second run (a true finding), and no case that starts before it', async () => {
    const dir = await setOf('freeze', {
      '000001_t.up.sql': 'CREATE TABLE IF NOT EXISTS t (id int PRIMARY KEY);\nINSERT INTO t VALUES (1) ON CONFLICT DO NOTHING;\n',
      '000002_freeze.up.sql': '-- the service becomes a read-only replica-to-be\nALTER SYSTEM SET default_transaction_read_only = on;\n',
      '000003_reload.up.sql': 'SELECT pg_reload_conf();\n',
    });
    const result = await migtest(['check', dir, '--runner', 'rerun-all', '--checks', 'fresh,twice,fault,resume', '--exhaustive', '--format', 'json']);
    expect(result.stderr).toBe('');
    const report = JSON.parse(result.stdout) as JsonReport;
    const byName = Object.fromEntries(report.checks.map((c) => [c.name, c]));
    // The second boot runs under the setting the first one wrote and reloaded: in production too.
    expect(byName['twice']!.findings.map((f) => `${f.sqlstate} ${path.basename(f.file ?? '')}:${f.line}`)).toEqual(['25006 000001_t.up.sql:1']);
    // Cases that start before the ALTER SYSTEM run without it (before, they ran read-only and the run crashed).
    expect(byName['fault']!.findings).toEqual([]);
    expect(byName['fault']!.cases).toBe(14);
    expect(byName['resume']!.findings).toEqual([]);
    expect(result.code).toBe(1);
  });
});

describe('an embedded run\'s secrets', () => {
  it('its folder is 0700 and the run\'s, its socket folder too, and no password file is left once the server runs', async () => {
    const server = await startEmbedded({ major: 17 });
    try {
      // The server's socket folder is `run/` in the run's folder.
      const root = path.dirname(String((await server.createDatabase()).config.host));
      expect(path.dirname(root)).toBe(clusterParent());
      const folder = await stat(root);
      expect(folder.mode & 0o777).toBe(0o700);
      expect((await stat(path.join(root, 'run'))).mode & 0o777).toBe(0o700);
      expect(await readdir(root)).not.toContain('password');
    } finally {
      await server.stop();
    }
  });
});
