import { describe, expect, it } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import { existsSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

function postmasterRunning(port: number): boolean {
  try {
    return execFileSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).split('\n').some((l) => l.includes(`-p ${port} `));
  } catch {
    return false;
  }
}

describe('embedded provider', () => {
  it('starts PostgreSQL 17 with fast settings, clones template states, and removes everything at stop', async () => {
    const server = await startEmbedded({ major: 17 });
    const db = await server.createDatabase();
    const client = await db.connect();
    const settings = await client.query<{ name: string; setting: string }>(
      `SELECT name, setting FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'full_page_writes') ORDER BY name`,
    );
    const dataDir = (await client.query<{ d: string }>(`SELECT current_setting('data_directory') AS d`)).rows[0]!.d;
    const user = (await client.query<{ u: string }>(`SELECT current_user AS u`)).rows[0]!.u;
    const port = Number((await client.query<{ p: string }>(`SELECT current_setting('port') AS p`)).rows[0]!.p);
    await client.query(`CREATE TABLE t (x int); INSERT INTO t VALUES (1), (2)`);
    await client.end();

    expect(server.major).toBe(17);
    expect(user).toBe('postgres');
    expect(settings.rows).toEqual([
      { name: 'fsync', setting: 'off' },
      { name: 'full_page_writes', setting: 'off' },
      // Local: a commit waits for its WAL write, so it survives the crash fault (with fsync off it costs
      // a write, not a flush); the same as on without a synchronous standby, which check concurrent names.
      { name: 'synchronous_commit', setting: 'local' },
    ]);

    const copy = await server.createDatabase({ template: db.name });
    const c2 = await copy.connect();
    expect((await c2.query(`SELECT count(*)::int AS n FROM t`)).rows[0]).toEqual({ n: 2 });
    await c2.end();

    await expect(server.createDatabase({ template: 'postgres' })).rejects.toThrow(/did not create/);
    await expect(server.dropDatabase('postgres')).rejects.toThrow(/did not create/);

    expect(existsSync(dataDir)).toBe(true);
    expect(postmasterRunning(port)).toBe(true);
    await server.stop();
    expect(existsSync(dataDir)).toBe(false);
    expect(postmasterRunning(port)).toBe(false);
  });

  // A supported version that is not installed gets its npm command: providers-missing-version.test.ts.
  it('points a version it has no package for to the container provider', async () => {
    await expect(startEmbedded({ major: 13 })).rejects.toMatchObject({
      name: 'InfrastructureError',
      fix: expect.stringContaining("--provider container --image 'postgres:13'"),
    });
  });
});
