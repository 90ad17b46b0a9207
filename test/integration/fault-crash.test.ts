import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { Server } from '../../src/postgres/types.js';
import { loadSet } from '../../src/migrations/load.js';
import { rerunAll } from '../../src/runners/rerun-all/model.js';

describe('fault crash on the embedded provider', () => {
  let server: Server;
  const dir = mkdtempSync(join(tmpdir(), 'migtest-crash-'));
  beforeAll(async () => {
    server = await startEmbedded({ major: 17 });
    writeFileSync(join(dir, '001_accounts.up.sql'), 'CREATE TABLE accounts (id int PRIMARY KEY);\nINSERT INTO accounts VALUES (1);\n');
    writeFileSync(join(dir, '002_ledger.up.sql'), 'CREATE TABLE ledger (id int);\nINSERT INTO ledger VALUES (1);\nINSERT INTO accounts VALUES (2);\n');
  });
  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('kills the server mid-block; after the restart, committed work is there and the open block is gone', async () => {
    const set = await loadSet(dir, 'rerun-all');
    const db = await server.createDatabase();
    const startedBefore = await startTime(db);
    const trace = await rerunAll.run(rerunAll.plan(set), db, { faults: [{ kind: 'crash', block: 1, at: 1, sql: server.crash!.sql() }] });
    expect(trace.ok).toBe(false);
    expect(trace.failure).toMatchObject({ faulted: true, block: { index: 1 } });
    await server.crash!.restart();
    expect(await startTime(db)).not.toBe(startedBefore);
    const client = await db.connect();
    try {
      expect((await client.query('SELECT id FROM accounts ORDER BY id')).rows).toEqual([{ id: 1 }]);
      expect((await client.query(`SELECT to_regclass('public.ledger') AS t`)).rows).toEqual([{ t: null }]);
    } finally {
      await client.end();
    }
    // The server serves new databases and copies after its recovery.
    const copy = await server.createDatabase({ template: db.name });
    expect(copy.name).not.toBe(db.name);
  });
});

async function startTime(db: { connect(): Promise<import('pg').Client> }): Promise<string> {
  const client = await db.connect();
  try {
    return (await client.query<{ t: string }>('SELECT pg_postmaster_start_time()::text AS t')).rows[0]!.t;
  } finally {
    await client.end();
  }
}
