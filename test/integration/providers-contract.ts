import { join } from 'node:path';
import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import type { Server } from '../../src/postgres/types.js';
import { runChecks, type RunRequest } from '../../src/index.js';
import { migtest, ROOT, type JsonReport } from '../helpers/cli.js';
import { sql } from '../helpers/db.js';

const CERTCTL = join(ROOT, 'migrations-under-test/certctl-double-run');
const DIRTY = join(ROOT, 'migrations-under-test/golang-migrate-dirty');

export interface ProviderUnderTest {
  /** `embedded`, `container` or `url`. */
  provider: string;
  /** The server the in-process tests share (one per file: a container is slow to start). */
  start(): Promise<Server>;
  /** What a run asks for besides the provider: `image`, `url`. */
  request: Pick<RunRequest, 'image' | 'url'>;
  /** The same as command-line arguments, e.g. `--provider url --url …`. */
  cliArgs: string[];
  /** Environment for the command line (e.g. PGPASSWORD). */
  cliEnv?: NodeJS.ProcessEnv;
  /** Whether the provider can crash and restart its server. */
  crashes: boolean;
  /**
   * What migtest left behind that it made (containers, databases) and the given servers do not
   * own; empty when all is cleaned up. Absent: the provider's own test covers it (embedded:
   * cleanup.test.ts).
   */
  leftovers?(own: Server[]): Promise<string[]>;
  /** Strings that must never reach output (passwords). */
  secrets?: string[];
}

/**
 * The integration tests every provider passes alike: start, scratch and template databases, the
 * certctl double-run story through runChecks, a fault check, the crash fault or its refusal, the
 * command line end to end, and cleanup.
 */
export function providerContract(subject: ProviderUnderTest): void {
  describe(`provider contract: ${subject.provider}`, () => {
    let server: Server;
    const request = (dir: string, checks: RunRequest['checks'], extra: Partial<RunRequest> = {}): RunRequest => ({
      dir,
      runner: 'rerun-all',
      checks,
      postgres: [],
      provider: subject.provider,
      options: {},
      server,
      ...subject.request,
      ...extra,
    });

    it('starts a server and says which', async () => {
      server = await subject.start();
      expect(server.provider).toBe(subject.provider);
      expect(server.version).toMatch(new RegExp(`^${server.major}\\.\\d+`));
      expect(server.major).toBeGreaterThanOrEqual(14);
    });

    it('makes scratch databases and template copies, and drops only its own', async () => {
      const scratch = await server.createDatabase();
      expect(scratch.name).toMatch(/^migtest_/);
      await sql(scratch, 'CREATE TABLE accounts (id int PRIMARY KEY); INSERT INTO accounts VALUES (1), (2)');
      const copy = await server.createDatabase({ template: scratch.name });
      await sql(scratch, 'INSERT INTO accounts VALUES (3)');
      expect(await sql(copy, 'SELECT count(*)::int AS n FROM accounts')).toEqual([{ n: 2 }]);
      expect(await sql(scratch, 'SELECT count(*)::int AS n FROM accounts')).toEqual([{ n: 3 }]);
      await expect(server.dropDatabase('postgres')).rejects.toThrow(/migtest did not create it/);
      await expect(server.createDatabase({ template: 'postgres' })).rejects.toThrow(/migtest did not create it/);
      await server.dropDatabase(copy.name);
      await server.dropDatabase(scratch.name);
      const names = (await sql<{ datname: string }>(await server.createDatabase(), 'SELECT datname FROM pg_database')).map((r) => r.datname);
      expect(names).not.toContain(copy.name);
      expect(names).not.toContain(scratch.name);
    });

    it('hands a connection given back out again, reset as a disconnect would: an open or failed transaction rolled back, session state gone', async () => {
      const db = await server.createDatabase();
      const backend = async (client: pg.Client): Promise<number> => (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
      const first = await db.connect();
      const pid = await backend(first);
      // Given back idle (no ROLLBACK needed), inside a transaction, and inside a failed one: each
      // time the same backend comes back, outside any transaction, without what the session made.
      await first.end();
      for (const left of ["BEGIN; CREATE TEMP TABLE scratch (id int); SET search_path TO nowhere", "BEGIN; SELECT 1 / 0"]) {
        const client = await db.connect();
        expect(await backend(client)).toBe(pid);
        await client.query(left).catch(() => undefined);
        await client.end();
        const again = await db.connect();
        expect(await backend(again)).toBe(pid);
        const { rows } = await again.query<{ xid: string | null; path: string; temp: number }>(
          `SELECT pg_catalog.txid_current_if_assigned()::text AS xid, pg_catalog.current_setting('search_path') AS path,
            (SELECT count(*)::int FROM pg_catalog.pg_class WHERE relpersistence = 't') AS temp`,
        );
        expect(rows).toEqual([{ xid: null, path: '"$user", public', temp: 0 }]);
        // A statement outside a transaction block: it would fail inside one.
        await again.query('VACUUM pg_catalog.pg_class');
        await again.end();
      }
      await server.dropDatabase(db.name);
    });

    it('check fresh,twice: the broken certctl set fails with 42710 on its second run, the fixed one passes', async () => {
      const broken = await runChecks(request(join(CERTCTL, 'broken'), ['fresh', 'twice']));
      expect(broken.ok).toBe(false);
      expect(broken.postgres).toEqual([server.version]);
      const twice = broken.checks.find((c) => c.name === 'twice')!;
      expect(twice.status).toBe('fail');
      expect(twice.findings.map((f) => [f.sqlstate, f.file?.endsWith('000004_certificate_constraints.up.sql'), f.line])).toEqual([['42710', true, 2]]);
      const reproduce = twice.findings[0]!.reproduce;
      expect(reproduce).toContain(`--pg ${server.major}`);
      if (subject.provider !== 'embedded') expect(reproduce).toContain(`--provider ${subject.provider}`);
      if (subject.request.image) expect(reproduce).toContain(`--image ${subject.request.image}`);

      const fixed = await runChecks(request(join(CERTCTL, 'fixed'), ['fresh', 'twice']));
      expect(fixed.checks.map((c) => [c.name, c.status])).toEqual([['fresh', 'pass'], ['twice', 'pass']]);
      expect(fixed.ok).toBe(true);
    });

    it('check fault: a sampled fault leaves golang-migrate dirty (a note), and forcing back fails on the half-applied backfill', async () => {
      const report = await runChecks(request(join(DIRTY, 'broken'), ['fault'], { runner: 'golang-migrate', options: { seed: 42 } }));
      const fault = report.checks[0]!;
      expect(fault.status).toBe('fail');
      expect(fault.cases).toBeGreaterThan(0);
      expect(fault.notes?.[0]?.message).toContain('Dirty database version 1');
      expect(fault.findings[0]!.message).toContain('after `migrate force 2` and `migrate up`: the run fails');
      expect(fault.findings[0]!.sqlstate).toBe('42701');
    });

    if (subject.crashes) {
      it('check fault with crash: the server is killed at a boundary and comes back; the fixed set converges', async () => {
        const report = await runChecks(request(join(CERTCTL, 'fixed'), ['fault'], { options: { seed: 7, runs: 1, faults: ['crash'] } }));
        const fault = report.checks[0]!;
        expect(fault.findings).toEqual([]);
        expect([fault.status, fault.cases]).toEqual(['pass', 1]);
        const db = await server.createDatabase();
        expect(await sql(db, 'SELECT 1 AS up')).toEqual([{ up: 1 }]);
        await server.dropDatabase(db.name);
      });
    } else {
      it('check fault with crash is refused: the server is not migtest\'s to kill', async () => {
        await expect(runChecks(request(join(CERTCTL, 'fixed'), ['fault'], { options: { faults: ['crash'] } }))).rejects.toThrow(
          `the ${subject.provider} provider cannot crash its server`,
        );
      });
    }

    it('the command line: json with the finding and a reproduce command for this provider, exit 1, nothing left behind', async () => {
      const result = await migtest(
        ['check', 'migrations-under-test/certctl-double-run/broken', '--runner', 'rerun-all', '--checks', 'fresh,twice', '--format', 'json', ...subject.cliArgs],
        { env: subject.cliEnv ?? {} },
      );
      expect(result.stderr).toBe('');
      expect(result.code).toBe(1);
      const report = JSON.parse(result.stdout) as JsonReport;
      const finding = report.checks.find((c) => c.name === 'twice')!.findings[0]!;
      expect([finding.sqlstate, finding.line]).toEqual(['42710', 2]);
      if (subject.provider !== 'embedded') expect(finding.reproduce).toContain(`--provider ${subject.provider}`);
      const image = subject.cliArgs[subject.cliArgs.indexOf('--image') + 1];
      if (subject.cliArgs.includes('--image')) expect(finding.reproduce).toContain(`--image ${image!.includes('{') ? `'${image}'` : image}`);
      for (const secret of subject.secrets ?? []) expect(result.stdout + result.stderr).not.toContain(secret);
      if (subject.leftovers) expect(await subject.leftovers([server])).toEqual([]);
    });

    it('stop removes what the server made', async () => {
      await server.stop();
      if (subject.leftovers) expect(await subject.leftovers([])).toEqual([]);
    });
  });
}
