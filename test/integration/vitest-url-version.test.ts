import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll } from 'vitest';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { Server } from '../../src/postgres/types.js';
import { migtestSuite } from '../../src/vitest.js';
import { sql } from '../helpers/db.js';
import { ROOT } from '../helpers/cli.js';

/**
 * migtestSuite with provider 'url' and no `postgres`: the run takes the server's own version (16
 * here), as the command line does without --pg, instead of asking for 17 and being refused.
 * The url comes from DATABASE_URL, which the provider reads when the run starts.
 */
const PASSWORD = `Pw-${randomBytes(12).toString('hex')}`;
let owner: Server;
const saved = process.env.DATABASE_URL;

beforeAll(async () => {
  owner = await startEmbedded({ major: 16 });
  const admin = await owner.createDatabase();
  await sql(admin, `CREATE ROLE migtest_vitest_url LOGIN CREATEDB PASSWORD '${PASSWORD}'`);
  process.env.DATABASE_URL = `postgres://migtest_vitest_url:${PASSWORD}@127.0.0.1:${Number(admin.config.port)}/${admin.name}`;
}, 60_000);

afterAll(async () => {
  if (saved === undefined) delete process.env.DATABASE_URL;
  else process.env.DATABASE_URL = saved;
  await owner?.stop();
});

migtestSuite(
  { set: 'migrations-under-test/certctl-double-run/fixed', root: ROOT, runner: 'rerun-all', provider: 'url', checks: ['fresh'] },
  { name: 'url without postgres' },
);
