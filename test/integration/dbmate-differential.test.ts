// The dbmate runner model against the real dbmate (npm `dbmate`, a devDependency), run unchanged
// through the wire proxy: on every dbmate set of migrations-under-test/, both must end the same way
// (success, or an error with the same SQLSTATE) and leave the same state, tracker included; and
// so must they after a fault before each migration's section and before its tracker row, with a
// clean run after it. Where the real tool differs from the model, docs/runners/dbmate.md says so.
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';
import { startEmbedded } from '../../src/postgres/embedded.js';
import type { DatabaseHandle, Server } from '../../src/postgres/types.js';
import { dbmate } from '../../src/runners/dbmate/model.js';
import { loadSet } from '../../src/migrations/load.js';
import { initParser } from '../../src/migrations/split.js';
import type { Fault } from '../../src/faults/types.js';
import type { Trace } from '../../src/runners/types.js';
import { ToolStates, type ToolRun } from '../../src/checks/tool/states.js';
import { stoppingError } from '../../src/checks/tool/findings.js';
import { FORWARD, type Action, type Decide } from '../../src/faults/proxy/boundary.js';
import { takeSnapshot } from '../../src/snapshot/snapshot.js';
import { diffSnapshots } from '../../src/snapshot/diff.js';
import type { Difference } from '../../src/snapshot/types.js';

const UNDER_TEST = path.join(ROOT, 'migrations-under-test');
const SETS = readdirSync(UNDER_TEST)
  .filter((name) => name.startsWith('dbmate-'))
  .flatMap((name) => ['broken', 'fixed'].map((side) => path.join(UNDER_TEST, name, side)));
const TRACKER = 'public.schema_migrations';
const DBMATE = 'dbmate --url {url} --migrations-dir {dir} --no-dump-schema up';

let server: Server;
beforeAll(async () => {
  await initParser();
  server = await startEmbedded({ major: 17 });
});
afterAll(async () => {
  await server?.stop();
});

/** What a run ended in: success, or the SQLSTATE it stopped at. */
type Outcome = 'ok' | string;

/** The model's terminate kills the backend (57P01); the proxy drops the connection: the tool sees a lost connection either way. */
const LOST = new Set(['57P01', '08006']);

function modelOutcome(trace: Trace): Outcome {
  if (trace.ok) return 'ok';
  const sqlstate = trace.failure?.error.sqlstate;
  if (sqlstate !== undefined && LOST.has(sqlstate)) return 'connection lost';
  return sqlstate ?? `refused: ${trace.refusal?.message ?? '?'}`;
}

function realOutcome(run: ToolRun): Outcome {
  if (run.ok) return 'ok';
  // An injected fault stops the run too: its SQLSTATE is the outcome, as the model's trace says.
  const error = stoppingError(run) ?? run.errors[0];
  return error?.sqlstate ?? (run.faults.some((f) => f.action.kind === 'terminate') ? 'connection lost' : `exit ${run.result.code}`);
}

async function differences(a: DatabaseHandle, b: DatabaseHandle): Promise<Difference[]> {
  const read = async (db: DatabaseHandle) => {
    const client = await db.connect();
    try {
      return await takeSnapshot(client, { trackers: [TRACKER] });
    } finally {
      await client.end();
    }
  };
  return diffSnapshots(await read(a), await read(b), { includeTrackers: true });
}

/** One run of each, on a database of its own, with a fault at the same place or none. */
async function both(dir: string, fault?: { model: Fault; real: Decide }) {
  const set = await loadSet(dir, 'dbmate', {});
  const plan = dbmate.plan(set, {});
  const tool = new ToolStates(server, { command: DBMATE, dir, timeoutMs: 60_000 }, [TRACKER]);
  const [modelDb, realDb] = [await server.createDatabase(), await server.createDatabase()];
  const trace = await dbmate.run(plan, modelDb, fault ? { faults: [fault.model] } : {});
  const run = await tool.runTool(realDb, fault?.real);
  return { plan, tool, modelDb, realDb, trace, run };
}

const dropAll = (...dbs: DatabaseHandle[]) => Promise.all(dbs.map((db) => server.dropDatabase(db.name)));

describe.each(SETS.map((dir) => [path.relative(UNDER_TEST, dir), dir]))('dbmate %s: the model and the real dbmate', (_label, dir) => {
  it('end the same way and leave the same state', async () => {
    const { modelDb, realDb, trace, run } = await both(dir);
    expect(realOutcome(run), run.result.output).toBe(modelOutcome(trace));
    expect(await differences(modelDb, realDb)).toEqual([]);
    await dropAll(modelDb, realDb);
  });

  it('after a fault before each migration\'s section, and after the clean run that follows', async () => {
    const set = await loadSet(dir, 'dbmate', {});
    const plan = dbmate.plan(set, {});
    let compared = 0;
    for (const block of plan.blocks) {
      const migration = block.migrations[0];
      if (!migration) continue;
      const section = migration.up.text.trim();
      for (const kind of ['error', 'terminate'] as const) {
        const action: Action = kind === 'error' ? { kind, sqlstate: '57014' } : { kind };
        // The real dbmate sends the section as one string: the boundary whose text is that section.
        const real: Decide = (b) => (b.text.trim() === section ? action : FORWARD);
        const model: Fault = { kind, block: block.index, at: 0, ...(kind === 'error' ? { sqlstate: '57014' } : {}) };
        const { tool, modelDb, realDb, trace, run } = await both(dir, { model, real });
        if (run.faults.length === 0) {
          // The real run never sent this section (an earlier migration stopped it): nor did the model's.
          expect(trace.blocks.some((b) => b.block.index === block.index)).toBe(false);
          await dropAll(modelDb, realDb);
          continue;
        }
        expect(realOutcome(run), `${kind} before ${migration.id}: ${run.result.output}`).toBe(modelOutcome(trace));
        expect(await differences(modelDb, realDb), `${kind} before ${migration.id}`).toEqual([]);
        // The clean run after it.
        const again = await dbmate.run(plan, modelDb, {});
        const realAgain = await tool.runTool(realDb);
        expect(realOutcome(realAgain), `after ${kind} before ${migration.id}: ${realAgain.result.output}`).toBe(modelOutcome(again));
        expect(await differences(modelDb, realDb), `after ${kind} before ${migration.id}`).toEqual([]);
        compared++;
        await dropAll(modelDb, realDb);
      }
    }
    expect(compared).toBeGreaterThan(0);
  });

  it('after the answer to a transactional migration\'s COMMIT is lost, and the clean run after it', async () => {
    const set = await loadSet(dir, 'dbmate', {});
    const plan = dbmate.plan(set, {});
    for (const block of plan.blocks.filter((b) => b.rule === 'in-txn' && b.migrations.length > 0)) {
      const section = block.migrations[0]!.up.text.trim();
      // The real dbmate's COMMIT after that section: the first one the proxy sees once the section went by.
      let sent = false;
      const real: Decide = (b) => {
        if (b.text.trim() === section) sent = true;
        else if (sent && b.text === 'COMMIT') {
          sent = false;
          return { kind: 'ack-lost' };
        }
        return FORWARD;
      };
      const model: Fault = { kind: 'ack-lost', block: block.index, at: block.statements.length };
      const { tool, modelDb, realDb, trace, run } = await both(dir, { model, real });
      const label = `ack-lost at the COMMIT of ${block.migrations[0]!.id}`;
      if (run.faults.length > 0) {
        expect(run.ok, label).toBe(false);
        expect(trace.ok, label).toBe(false);
        expect(await differences(modelDb, realDb), label).toEqual([]);
        const again = await dbmate.run(plan, modelDb, {});
        const realAgain = await tool.runTool(realDb);
        expect(realOutcome(realAgain), `after ${label}: ${realAgain.result.output}`).toBe(modelOutcome(again));
        expect(await differences(modelDb, realDb), `after ${label}`).toEqual([]);
      }
      await dropAll(modelDb, realDb);
    }
  });
});
