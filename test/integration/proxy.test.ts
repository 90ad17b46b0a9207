import { execFile } from 'node:child_process';
import net from 'node:net';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { WireProxy } from '../../src/faults/proxy/proxy.js';
import { faultAt, holdAt } from '../../src/faults/proxy/boundary.js';
import { sql } from '../helpers/db.js';

const run = promisify(execFile);

let server: Server;
let db: DatabaseHandle;
let proxy: WireProxy;

beforeAll(async () => {
  server = await startEmbedded({ major: 17 });
  db = await server.createDatabase();
  proxy = await WireProxy.start({ target: { host: String(db.config.host), port: Number(db.config.port) } });
});

afterAll(async () => {
  await proxy?.stop();
  await server?.stop();
});

beforeEach(async () => {
  proxy.reset();
  await sql(db, 'DROP TABLE IF EXISTS t; CREATE TABLE t (n int)');
});

/** A client that reaches the case database through the proxy, with the database's own login. */
async function throughProxy(): Promise<pg.Client> {
  const client = new pg.Client({ ...db.config, host: proxy.host, port: proxy.port });
  client.on('error', () => undefined);
  await client.connect();
  return client;
}

async function rows(text: string): Promise<number[]> {
  return (await sql<{ n: number }>(db, `${text}`)).map((r) => r.n);
}

describe('the wire proxy', () => {
  it('counts each simple Query and each Execute, and records their text', async () => {
    const client = await throughProxy();
    await client.query('INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)');
    await client.query('INSERT INTO t VALUES ($1)', [3]);
    await client.query('SELECT n FROM t WHERE n > $1', [0]);
    await client.end();
    expect(proxy.boundaries.map((b) => [b.index, b.kind, b.text])).toEqual([
      [1, 'query', 'INSERT INTO t VALUES (1); INSERT INTO t VALUES (2)'],
      [2, 'execute', 'INSERT INTO t VALUES ($1)'],
      [3, 'execute', 'SELECT n FROM t WHERE n > $1'],
    ]);
    expect(await rows('SELECT n FROM t ORDER BY n')).toEqual([1, 2, 3]);
  });

  it('answers an SSLRequest and a GSSENCRequest with N, as a server without encryption does', async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = net.connect({ host: proxy.host, port: proxy.port });
      const request = (code: number): Buffer => {
        const b = Buffer.alloc(8);
        b.writeInt32BE(8, 0);
        b.writeInt32BE(code, 4);
        return b;
      };
      let got = '';
      socket.on('data', (d) => {
        got += d.toString('latin1');
        if (got.length === 2) socket.end(), resolve(got);
      });
      socket.on('error', reject);
      socket.write(request(80877104));
      setTimeout(() => socket.write(request(80877103)), 50);
    });
    expect(answer).toBe('NN');
  });

  it('carries psql through (it asks for SSL first, then authenticates with a password)', async () => {
    const { user, password, database } = db.config;
    const { stdout } = await run('psql', ['-X', '-At', '-h', proxy.host, '-p', String(proxy.port), '-U', String(user), '-d', String(database), '-c', 'SELECT 40 + 2'], {
      env: { ...process.env, PGPASSWORD: String(password ?? ''), PGSSLMODE: 'prefer' },
    });
    expect(stdout.trim()).toBe('42');
    expect(proxy.boundaries.map((b) => b.text)).toContain('SELECT 40 + 2');
  });

  it('error in a transaction block: the client gets the SQLSTATE, and the server aborted the block', async () => {
    proxy.reset(faultAt(3, { kind: 'error', sqlstate: '57014' }));
    const client = await throughProxy();
    await client.query('BEGIN');
    await client.query('INSERT INTO t VALUES (1)');
    await expect(client.query('INSERT INTO t VALUES (2)')).rejects.toMatchObject({ code: '57014' });
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await client.query('COMMIT'); // ends the failed block: a rollback
    await client.end();
    expect(await rows('SELECT n FROM t')).toEqual([]);
    expect(proxy.faults.map((f) => f.boundary.text)).toEqual(['INSERT INTO t VALUES (2)']);
  });

  it('error on an Execute of the extended flow: the chosen SQLSTATE, status E, nothing of the block left', async () => {
    proxy.reset(faultAt(3, { kind: 'error', sqlstate: '40001' }));
    const client = await throughProxy();
    await client.query('BEGIN');
    await client.query('INSERT INTO t VALUES ($1)', [1]);
    await expect(client.query('INSERT INTO t VALUES ($1)', [2])).rejects.toMatchObject({ code: '40001', message: 'migtest: injected fault' });
    await expect(client.query('SELECT $1::int AS n', [1])).rejects.toMatchObject({ code: '25P02' });
    await client.query('ROLLBACK');
    // The connection goes on: the next statements run.
    await client.query('INSERT INTO t VALUES ($1)', [5]);
    await client.end();
    expect(await rows('SELECT n FROM t')).toEqual([5]);
  });

  it('error outside a block: the statement does not run, the connection stays usable', async () => {
    proxy.reset(faultAt(1, { kind: 'error', sqlstate: '42P07' }));
    const client = await throughProxy();
    await expect(client.query('INSERT INTO t VALUES (1)')).rejects.toMatchObject({ code: '42P07' });
    expect((await client.query('SELECT count(*)::int AS n FROM t')).rows[0].n).toBe(0);
    await client.end();
  });

  it('terminate: the client loses its connection before the statement runs, and an open block rolls back', async () => {
    proxy.reset(faultAt(3, { kind: 'terminate' }));
    const client = await throughProxy();
    await client.query('BEGIN');
    await client.query('INSERT INTO t VALUES (1)');
    await expect(client.query('INSERT INTO t VALUES (2)')).rejects.toThrow();
    await client.end().catch(() => undefined);
    expect(await rows('SELECT n FROM t')).toEqual([]);
    expect(proxy.open).toBe(0);
  });

  it('ack-lost: the statement commits on the server, the client is told the connection failed', async () => {
    proxy.reset(faultAt(1, { kind: 'ack-lost' }));
    const client = await throughProxy();
    await expect(client.query('INSERT INTO t VALUES ($1)', [7])).rejects.toThrow();
    await client.end().catch(() => undefined);
    expect(await rows('SELECT n FROM t')).toEqual([7]);
  });

  it('ack-lost inside a block: the statement ran, but the lost connection rolls the block back', async () => {
    proxy.reset(faultAt(2, { kind: 'ack-lost' }));
    const client = await throughProxy();
    await client.query('BEGIN');
    await expect(client.query('INSERT INTO t VALUES (1)')).rejects.toThrow();
    await client.end().catch(() => undefined);
    // The backend may take a moment to see the socket close and roll back.
    await expect.poll(() => sql<{ n: number }>(db, "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'idle in transaction'").then((r) => r[0]!.n)).toBe(0);
    expect(await rows('SELECT n FROM t')).toEqual([]);
  });

  it('hold: a statement waits in the proxy while another connection goes on', async () => {
    const hold = holdAt(1);
    proxy.reset(hold.decide);
    const first = await throughProxy();
    const second = await throughProxy();
    const held = first.query('INSERT INTO t VALUES (1)');
    const boundary = await hold.reached;
    expect(boundary.connection).not.toBe(undefined);
    await second.query('INSERT INTO t VALUES (2)');
    expect(await rows('SELECT n FROM t')).toEqual([2]);
    hold.release();
    await held;
    expect(await rows('SELECT n FROM t ORDER BY n')).toEqual([1, 2]);
    expect(proxy.boundaries.map((b) => b.text)).toEqual(['INSERT INTO t VALUES (1)', 'INSERT INTO t VALUES (2)']);
    await Promise.all([first.end(), second.end()]);
  });

  it('serves concurrent connections, each with its own statements', async () => {
    const clients = await Promise.all([1, 2, 3, 4].map(() => throughProxy()));
    await Promise.all(clients.map(async (c, i) => {
      for (let k = 0; k < 5; k++) await c.query('INSERT INTO t VALUES ($1)', [i * 10 + k]);
    }));
    await Promise.all(clients.map((c) => c.end()));
    expect(proxy.boundaries).toHaveLength(20);
    expect(new Set(proxy.boundaries.map((b) => b.connection)).size).toBe(4);
    expect(await rows('SELECT count(*)::int AS n FROM t')).toEqual([20]);
  });

  it('passes COPY FROM STDIN through as data, one boundary for the COPY', async () => {
    const { user, password, database } = db.config;
    const child = execFile('psql', ['-X', '-v', 'ON_ERROR_STOP=1', '-h', proxy.host, '-p', String(proxy.port), '-U', String(user), '-d', String(database), '-c', 'COPY t FROM STDIN'], {
      env: { ...process.env, PGPASSWORD: String(password ?? '') },
    });
    child.stdin!.end('11\n12\n\\.\n');
    expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
    expect(await rows('SELECT n FROM t ORDER BY n')).toEqual([11, 12]);
    expect(proxy.boundaries.map((b) => b.text)).toEqual(['COPY t FROM STDIN']);
  });
});
