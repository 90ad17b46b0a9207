import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain script of the bench, without types
import { writeGuardedSet } from '../../bench/guarded-set.js';
import { prepare } from '../../src/prepare.js';
import { States } from '../../src/checks/states.js';
import type { RunReport } from '../../src/checks/types.js';
import type { Server } from '../../src/postgres/types.js';
import { sharedServer } from '../helpers/shared-server.js';

const shared = sharedServer();
const scratch = mkdtempSync(join(tmpdir(), 'migtest-kept-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A server that counts the databases made through it. */
function counting(real: Server): { server: Server; made: () => number } {
  let made = 0;
  const server: Server = {
    ...real,
    provider: real.provider,
    major: real.major,
    version: real.version,
    createDatabase: async (options) => {
      made++;
      return real.createDatabase(options);
    },
    dropDatabase: (name) => real.dropDatabase(name),
    databaseSize: (name) => real.databaseSize!(name),
    stop: () => real.stop(),
  };
  return { server, made: () => made };
}

async function statesOn(dir: string, server: Server, memory?: number): Promise<States> {
  const prepared = await prepare({ dir, runner: 'rerun-all', ...(memory !== undefined ? { memory } : {}) });
  return new States(server, prepared.model, prepared.plan, prepared.settings);
}

async function tables(states: States, state: Awaited<ReturnType<States['before']>>): Promise<number> {
  return states.readCopy(state, async (client) => Number((await client.query(`SELECT count(*) FROM pg_tables WHERE schemaname = 'public'`)).rows[0].count));
}

describe('kept states', () => {
  it('the state before the last of 1,000 blocks is one run from the empty database, not one database per block', async () => {
    const dir = writeGuardedSet(join(scratch, 'deep'), 1000) as string;
    const { server, made } = counting(shared.server());
    const states = await statesOn(dir, server);
    try {
      const last = await states.before(999);
      // The empty database and the state itself: the blocks between are run, not kept.
      expect(made()).toBe(2);
      expect(await tables(states, last)).toBe(999);
      // A state between is built from the nearest kept one before it (the empty database), and the
      // next one from it: the blocks between, once each.
      await states.before(500);
      await states.before(501);
      expect(states.kept.stats.built).toBe(4);
    } finally {
      await states.close();
      for (const db of states.kept.databases()) await server.dropDatabase(db.name).catch(() => undefined);
    }
  }, 600_000);

  it('with a budget smaller than one database, a state given back is built again, the same state', async () => {
    const dir = writeGuardedSet(join(scratch, 'small'), 12) as string;
    const states = await statesOn(dir, shared.server(), 1);
    try {
      const five = await states.before(5);
      // Kept raw only (its copies keep its OIDs); the canonical hashes say it is the same state.
      expect(five.hash.rawOnly).toBe(true);
      await states.canonical(five);
      const hash = five.hash;
      await states.before(9);
      await states.before(11);
      // Every state but the permanent ones (the empty database) was given back for room.
      expect(states.kept.stats.released).toBeGreaterThanOrEqual(2);
      expect(await tables(states, five)).toBe(5);
      expect(states.kept.stats.rebuilt).toBeGreaterThanOrEqual(1);
      await states.canonical(five);
      expect(five.hash.all).toBe(hash.all);
      expect(five.hash.all).not.toBe('');
    } finally {
      await states.close();
      for (const db of states.kept.databases()) await shared.server().dropDatabase(db.name).catch(() => undefined);
    }
  }, 300_000);
});

/** The report without what depends on the machine: durations. */
function verdicts(report: RunReport): unknown {
  return JSON.parse(JSON.stringify(report, (key, value) => (key === 'durationMs' ? undefined : value)));
}

describe('verdicts depend on neither --memory nor --jobs', () => {
  it('certctl-double-run/broken: fault and resume, every case, give the same report with a tiny budget and one job, and with the defaults and four jobs', async () => {
    const request = {
      dir: 'migrations-under-test/certctl-double-run/broken',
      runner: 'rerun-all',
      checks: ['resume', 'fault'] as const,
      options: { exhaustive: true },
    };
    const tiny = await shared.run({ ...request, checks: [...request.checks], memory: 1, jobs: 1 });
    const wide = await shared.run({ ...request, checks: [...request.checks], jobs: 4 });
    expect(tiny.ok).toBe(false);
    expect(tiny.checks.find((c) => c.name === 'fault')!.findings.length).toBeGreaterThan(0);
    expect(verdicts(tiny)).toEqual(verdicts(wide));
  }, 600_000);
});
