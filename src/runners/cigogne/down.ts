import type pg from 'pg';
import { runInTxn, runNoTxn, toPgError } from '../execute.js';
import { allUnlessInTransaction, downBlock, downTrace, type DownTrace } from '../down.js';
import { quiet } from '../sequence.js';
import type { Block, BlockTrace, DownStepOptions, Plan } from '../types.js';
import type { Fault } from '../../faults/types.js';
import type { Migration, Statement } from '../../migrations/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { cigogneCreatedAt, cigogneName } from './format.js';

/*
 * cigogne's `down` (cigogne.gleam rollback / rollback_n): the last applied migration other than the
 * zero migration, its migration:down statements each through the extended protocol in one
 * transaction with the removal of its _migrations row; a `--- migration:down disable_transaction`
 * section runs outside it. See docs/runners/cigogne.md, "Down migrations" (what is read from the
 * source and what is modelled after the up path).
 */

const SELECT_APPLIED = `SELECT to_char(createdAt, 'YYYYMMDDHH24MISS') AS stamp, name FROM public._migrations`;
const DELETE_MIGRATION = 'DELETE FROM public._migrations WHERE name = $1 AND createdAt = $2';

export async function stepDown(plan: Plan, db: DatabaseHandle, options: DownStepOptions = {}): Promise<DownTrace> {
  const client = quiet(await db.connect());
  try {
    const rows = (await client.query<{ stamp: string; name: string }>(SELECT_APPLIED).catch(() => ({ rows: [] as { stamp: string; name: string }[] }))).rows;
    const applied = new Set(rows.map((r) => `${r.stamp}-${r.name}`));
    // Every transactional migration of a run shares one appliedAt (NOW() of the transaction): the
    // files' order is what tells the last one.
    const migration = [...plan.set.migrations].reverse().find((m) => applied.has(`${m.id}-${cigogneName(m)}`));
    if (!migration) return { ok: false, refusal: { message: 'There is no migration to rollback !', operatorAction: 'apply the migrations first' } };
    return downTrace(migration, await runDown(client, migration, options.faults));
  } finally {
    await client.end().catch(() => undefined);
  }
}

function prepared(client: pg.Client, statement: Statement): Promise<unknown> {
  return client.query({ text: statement.sql, queryMode: 'extended' } as pg.QueryConfig);
}

/** The down statements in the rollback's transaction, or each alone with `disable_transaction`. */
export function downStatementsBlock(_plan: Plan | undefined, migration: Migration): Block | undefined {
  if (!migration.down) return undefined;
  return downBlock(migration, migration.directives['down_disable_transaction'] !== true ? 'in-txn' : 'no-txn');
}

/** With `disable_transaction` each statement commits and the row goes last: the next `down` runs them all again. */
export function downRunsAgain(plan: Plan | undefined, migration: Migration): number[] {
  return allUnlessInTransaction(downStatementsBlock(plan, migration));
}

async function runDown(client: pg.Client, migration: Migration, faults: Fault[] | undefined): Promise<BlockTrace> {
  const remove = async (c: pg.Client): Promise<void> => {
    await c.query(DELETE_MIGRATION, [cigogneName(migration), cigogneCreatedAt(migration)]);
  };
  const block = downStatementsBlock(undefined, migration)!;
  if (block.rule === 'in-txn') return runInTxn(client, block, faults, { send: prepared, beforeCommit: remove });
  const trace = await runNoTxn(client, block, faults, prepared);
  if (trace.error) return trace;
  try {
    await remove(client);
  } catch (error) {
    return { ...trace, error: toPgError(error), failedAt: migration.down!.statements.length };
  }
  return trace;
}
