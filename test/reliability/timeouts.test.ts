import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migtest, type JsonReport } from '../helpers/cli.js';

/**
 * Nothing hangs: a url at something that is not PostgreSQL ends within the connect timeout (10 s),
 * a migration that sleeps ends at the statement timeout, one that first turns statement_timeout
 * off ends at the case timeout. Each is a clear outcome, never an unexpected failure.
 */
let http: HttpServer;
let silent: NetServer;
const sockets: Socket[] = [];
let sets: string;

function listen(server: HttpServer | NetServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
}

function writeSet(name: string, files: Record<string, string>): string {
  const dir = join(sets, name);
  mkdirSync(dir, { recursive: true });
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

beforeAll(() => {
  http = createHttpServer((_, response) => response.end('not PostgreSQL'));
  // Accepts, and never says a word.
  silent = createServer((socket) => void sockets.push(socket));
  sets = mkdtempSync(join(tmpdir(), 'migtest-hang-'));
});
afterAll(() => {
  http.close();
  for (const socket of sockets) socket.destroy();
  silent.close();
  rmSync(sets, { recursive: true, force: true });
});

const SET = ['check', 'migrations-under-test/certctl-double-run/fixed', '--runner', 'rerun-all'];

describe('timeouts', () => {
  it('a url at an HTTP server: exit 2, it does not speak PostgreSQL, within the connect timeout', async () => {
    const port = await listen(http);
    const begun = Date.now();
    const result = await migtest([...SET, '--url', `postgres://someone:secret@127.0.0.1:${port}/postgres`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`cannot connect to postgres://someone:\\*\\*\\*@127\\.0\\.0\\.1:${port}/postgres: (the server there does not speak PostgreSQL's protocol|no PostgreSQL answer within the connect timeout)`));
    expect(result.stderr).not.toContain('unexpected failure');
    expect(result.stdout + result.stderr).not.toContain('secret');
    // The connect timeout, plus node and migtest loading on a busy machine.
    expect(Date.now() - begun).toBeLessThan(30_000);
  });

  it('a url at a socket that never answers: exit 2 at the connect timeout (10 s)', async () => {
    const port = await listen(silent);
    const begun = Date.now();
    const result = await migtest([...SET, '--url', `postgres://someone@127.0.0.1:${port}/postgres`]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`cannot connect to postgres://someone@127.0.0.1:${port}/postgres: no PostgreSQL answer within the connect timeout (10s)`);
    expect(result.stderr).toContain('fix: check that the host and port of the URL are a PostgreSQL server');
    expect(Date.now() - begun).toBeGreaterThanOrEqual(10_000);
    expect(Date.now() - begun).toBeLessThan(35_000);
  });

  it('a migration that sleeps: --statement-timeout 1s makes it a finding naming the statement, exit 1', async () => {
    const dir = writeSet('sleeps', {
      '000001_table.up.sql': 'CREATE TABLE accounts (id bigint PRIMARY KEY);\n',
      '000002_sleep.up.sql': 'UPDATE accounts SET id = id;\nSELECT pg_sleep(100000);\n',
    });
    const begun = Date.now();
    const result = await migtest(['check', dir, '--runner', 'rerun-all', '--checks', 'fresh,twice', '--statement-timeout', '1s', '--format', 'json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as JsonReport;
    const finding = report.checks.find((c) => c.name === 'fresh')!.findings[0]!;
    expect(finding).toMatchObject({ file: `${dir}/000002_sleep.up.sql`, line: 2, statement: 'SELECT pg_sleep(100000)', sqlstate: '57014' });
    expect(finding.message).toContain('statement timeout');
    expect(finding.hint).toContain('--statement-timeout');
    expect(finding.reproduce).toContain('--statement-timeout 1s');
    expect(Date.now() - begun).toBeLessThan(60_000);
  });

  it('a migration that turns statement_timeout off and sleeps: the case timeout ends it, a finding, exit 1', async () => {
    const dir = writeSet('sleeps-unbounded', { '000001_sleep.up.sql': 'SET statement_timeout = 0;\nSELECT pg_sleep(100000);\n' });
    const result = await migtest(['check', dir, '--runner', 'rerun-all', '--checks', 'fresh', '--statement-timeout', '1s', '--case-timeout', '3s', '--format', 'json']);
    expect(result.code).toBe(1);
    const finding = (JSON.parse(result.stdout) as JsonReport).checks[0]!.findings[0]!;
    expect(finding).toMatchObject({ line: 2, statement: 'SELECT pg_sleep(100000)', sqlstate: '57014' });
    expect(finding.message).toContain('the case ran longer than the case timeout (3s; --case-timeout)');
  });

  it('a duration that is not one: exit 2 naming the option', async () => {
    const result = await migtest([...SET, '--statement-timeout', '5 minutes']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("--statement-timeout takes a duration such as 500ms, 30s or 5m, not '5 minutes'");
  });
});
