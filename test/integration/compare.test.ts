import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compareStates, relaxedNote, type Comparison } from '../../src/checks/compare.js';
import { States, type State } from '../../src/checks/states.js';
import { loadSet } from '../../src/migrations/load.js';
import { initParser } from '../../src/migrations/split.js';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { rerunAll } from '../../src/runners/rerun-all/model.js';
import { readMadeAnew, relaxationOf } from '../../src/snapshot/made-anew.js';
import type { DataFingerprint } from '../../src/snapshot/types.js';
import { ROOT } from '../helpers/cli.js';
import { sql } from '../helpers/db.js';

// The relaxed comparison on a real PostgreSQL 17: values PostgreSQL makes anew in every run are
// not differences, and everything else still is.

const FIXED = path.join(ROOT, 'migrations-under-test/volatile-seeds/fixed');
let server: Server;
let states: States;
let fresh: State;

beforeAll(async () => {
  await initParser();
  server = await startEmbedded({ major: 17 });
  states = new States(server, rerunAll, rerunAll.plan(await loadSet(FIXED, 'rerun-all')), { runnerOptions: {} });
  fresh = await states.fresh();
});

afterAll(async () => {
  await states?.close();
  await server?.stop();
});

/**
 * A run of the set on a new database whose sequences were moved on before the seeds ran, as
 * rolled-back work moves them: other ids everywhere, the same rows otherwise.
 */
async function shiftedRun(): Promise<DatabaseHandle> {
  const db = await server.createDatabase();
  expect((await states.run(db, { until: 2 })).ok).toBe(true);
  await sql(db, `SELECT setval('plans_id_seq', 40), setval('plan_features_id_seq', 7)`);
  expect((await states.run(db, { from: 2 })).ok).toBe(true);
  return db;
}

/** A copy of the shifted run changed by `change`, compared with the fresh state. */
async function compareChanged(change: string, relaxed = true): Promise<Comparison> {
  const db = await shiftedRun();
  try {
    await sql(db, change);
    return await compareStates(states, db, fresh, { relaxed, trackers: true });
  } finally {
    await states.drop(db);
  }
}

function differences(c: Comparison): { path: string; expected: DataFingerprint; found: DataFingerprint }[] {
  if (c.equal) throw new Error('expected a difference');
  return c.diff as never;
}

describe('compareStates, relaxed', () => {
  it('a second run at another moment, with other uuids, timestamps, random values and serial ids, is the same state', async () => {
    const db = await shiftedRun();
    try {
      const ids = await sql<{ id: number }>(db, `SELECT id FROM plans ORDER BY id`);
      expect(ids.map((r) => r.id)).toEqual([41, 42, 43]);
      expect((await compareStates(states, db, fresh, { relaxed: true, trackers: true })).equal).toBe(true);
      // Exactly compared (as twice compares), every seeded table differs.
      const exact = await compareStates(states, db, fresh, { relaxed: false, trackers: true });
      expect(differences(exact).map((d) => d.path)).toEqual([
        'data:public.plan_features',
        'data:public.plans',
        'data:public.subscriptions',
        'data:public.tenants',
        'data:public.welcome_messages',
      ]);
    } finally {
      await states.drop(db);
    }
  });

  it('finds the same volatile column NULL on one side, and says the column was compared by shape', async () => {
    const c = await compareChanged(`UPDATE plans SET stamped_at = NULL WHERE code = 'team'`);
    const [d, ...rest] = differences(c);
    expect(rest).toEqual([]);
    expect(d!.path).toBe('data:public.plans');
    expect(d!.expected.unmatched).toEqual([{ code: 'team', id: '#2', price_cents: 2900, stamped_at: '(any)' }]);
    expect(d!.found.unmatched).toEqual([{ code: 'team', id: '#2', price_cents: 2900, stamped_at: null }]);
    expect(relaxedNote(c.equal ? [] : c.relaxed)).toContain('values of public.plans.stamped_at compared by shape');
  });

  it('finds a changed constant', async () => {
    const c = await compareChanged(`UPDATE plans SET price_cents = 3900 WHERE code = 'team'`);
    expect(differences(c).map((d) => [d.path, d.expected.unmatched, d.found.unmatched])).toEqual([
      [
        'data:public.plans',
        [{ code: 'team', id: '#2', price_cents: 2900, stamped_at: '(any)' }],
        [{ code: 'team', id: '#2', price_cents: 3900, stamped_at: '(any)' }],
      ],
    ]);
  });

  it('finds an extra row, and a missing one, with the row counts', async () => {
    const extra = differences(await compareChanged(`INSERT INTO plan_features (plan_id, feature) SELECT id, 'sso' FROM plans WHERE code = 'free'`));
    expect(extra.map((d) => [d.path, d.expected.rows, d.found.rows, d.found.unmatched])).toEqual([
      ['data:public.plan_features', 4, 5, [{ feature: 'sso', id: '#5', plan_id: '#1' }]],
    ]);
    const missing = differences(await compareChanged(`DELETE FROM subscriptions WHERE plan_id = (SELECT id FROM plans WHERE code = 'team')`));
    expect(missing.map((d) => [d.path, d.expected.rows, d.found.rows, d.expected.unmatchedRows])).toEqual([['data:public.subscriptions', 2, 1, 1]]);
  });

  it('finds a duplicated row in a table without a key', async () => {
    const c = await compareChanged(`INSERT INTO welcome_messages SELECT * FROM welcome_messages`);
    expect(differences(c).map((d) => [d.path, d.expected.rows, d.found.rows, d.found.unmatched])).toEqual([
      ['data:public.welcome_messages', 1, 2, [{ body: 'Welcome to Acme!', created_at: '(any)', tenant_id: '(any)' }]],
    ]);
  });

  it('follows a foreign key through the renumbering: a row that points at another plan is found', async () => {
    const c = await compareChanged(`UPDATE plan_features SET plan_id = (SELECT id FROM plans WHERE code = 'business') WHERE feature = 'sso'`);
    const [d] = differences(c);
    expect(d!.path).toBe('data:public.plan_features');
    expect(d!.expected.unmatched).toEqual([{ feature: 'sso', id: '#2', plan_id: '#2' }]);
    expect(d!.found.unmatched).toEqual([{ feature: 'sso', id: '#2', plan_id: '#3' }]);
  });

  it('a table on one side only is a difference of schema and data, with its rows', async () => {
    const c = await compareChanged(`CREATE TABLE extra (x int); INSERT INTO extra VALUES (1); DROP TABLE welcome_messages`);
    if (c.equal) throw new Error('expected a difference');
    const data = c.diff.filter((d) => d.path.startsWith('data:'));
    expect(data.map((d) => [d.path, d.change])).toEqual([
      ['data:public.extra', 'added'],
      ['data:public.welcome_messages', 'missing'],
    ]);
    expect((data[0]!.found as DataFingerprint).unmatched).toEqual([{ x: 1 }]);
    expect((data[1]!.expected as DataFingerprint).unmatched).toEqual([{ body: 'Welcome to Acme!', created_at: '(any)', tenant_id: '(any)' }]);
    expect(c.diff.map((d) => d.path)).toEqual(expect.arrayContaining(['table:public.extra', 'table:public.welcome_messages']));
  });

  it('with the setting off, every comparison is exact', async () => {
    const exact = new States(server, rerunAll, states.plan, { runnerOptions: {}, relaxed: false });
    try {
      const db = await shiftedRun();
      try {
        const c = await compareStates(exact, db, await exact.fresh(), { relaxed: true, trackers: true });
        expect(c.equal).toBe(false);
      } finally {
        await exact.drop(db);
      }
    } finally {
      await exact.close();
    }
  });
});

describe('what the catalog says is made anew', () => {
  it('sequence-filled columns, keys to them, and defaults that differ in every run (not those that do not)', async () => {
    const db = await server.createDatabase();
    try {
      await sql(
        db,
        `CREATE TABLE parent (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, code text DEFAULT 'x', owner text DEFAULT current_user);
         CREATE SEQUENCE free_seq;
         CREATE TABLE child (
           n integer DEFAULT nextval('free_seq') PRIMARY KEY,
           parent_id bigint REFERENCES parent (id),
           at timestamptz DEFAULT CURRENT_TIMESTAMP,
           day date DEFAULT CURRENT_DATE,
           later timestamptz DEFAULT now() + interval '1 day',
           flag boolean DEFAULT random() < 0.5,
           token uuid DEFAULT gen_random_uuid(),
           label text DEFAULT upper('a'));
         CREATE TABLE grandchild (child_n integer PRIMARY KEY REFERENCES child (n));`,
      );
      const client = await db.connect();
      try {
        const found = await readMadeAnew(client, []);
        const names = (cs: { table: string; column: string }[]): string[] => cs.map((c) => `${c.table}.${c.column}`).sort();
        expect(names(found.sequenceFilled)).toEqual(['child.n', 'parent.id']);
        expect(names(found.volatileDefaults)).toEqual(['child.at', 'child.day', 'child.flag', 'child.later', 'child.token']);
        const rules = relaxationOf(found, () => undefined);
        expect(rules['public.child']).toMatchObject({ renumber: ['n'], references: [{ column: 'parent_id', target: 'id' }] });
        expect(rules['public.grandchild']).toEqual({ shape: [], renumber: [], references: [{ column: 'child_n', table: { schema: 'public', name: 'child', relkind: 'r' }, target: 'n' }] });
      } finally {
        await client.end();
      }
    } finally {
      await server.dropDatabase(db.name);
    }
  });
});

describe('the calibration', () => {
  it('finds the columns that differ between two fresh runs, from defaults, statements and triggers alike', async () => {
    const { volatile, failed } = await states.calibration();
    expect(failed).toBeUndefined();
    expect(volatile).toEqual({
      'public.plan_features': [],
      // stamped_at: set by a trigger, with clock_timestamp().
      'public.plans': ['stamped_at'],
      'public.subscriptions': ['started_at', 'tenant_id', 'token'],
      'public.tenants': ['created_at', 'id', 'invite_code'],
      'public.welcome_messages': ['created_at', 'tenant_id'],
    });
  });
});
