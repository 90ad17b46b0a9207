import type pg from 'pg';
import { oneStringRule, runOneString, runScriptInTxn, toPgError } from '../execute.js';
import { allUnlessInTransaction, downBlock, downTrace, type DownTrace } from '../down.js';
import { quiet } from '../sequence.js';
import type { Block, BlockTrace, DownStepOptions, Plan } from '../types.js';
import type { Fault } from '../../faults/types.js';
import type { Migration } from '../../migrations/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';

/*
 * `dbmate rollback` (pkg/dbmate/db.go Rollback): the latest applied migration in file-name order,
 * its down section sent as one tx.Exec together with DeleteMigration in one transaction, or both
 * outside a transaction with `-- migrate:down transaction:false`. An empty down section runs as an
 * empty string: only the row goes. See docs/runners/dbmate.md, "Down migrations".
 */

const SELECT_APPLIED = 'select version from public.schema_migrations';
const DELETE_MIGRATION = 'delete from public.schema_migrations where version = $1';

export async function stepDown(plan: Plan, db: DatabaseHandle, options: DownStepOptions = {}): Promise<DownTrace> {
  const client = quiet(await db.connect());
  try {
    const applied = new Set((await client.query<{ version: string }>(SELECT_APPLIED).catch(() => ({ rows: [] as { version: string }[] }))).rows.map((r) => r.version));
    // The set is in file-name order: the last applied file is the one dbmate rolls back.
    const migration = [...plan.set.migrations].reverse().find((m) => applied.has(m.id));
    if (!migration) return { ok: false, refusal: { message: "Error: can't rollback: no migrations have been applied", operatorAction: 'run `dbmate up` first' } };
    const trace = await runDown(client, migration, options.faults);
    return downTrace(migration, trace, migration.down!.statements.length === 0 ? 'its -- migrate:down section is empty, so `dbmate rollback` only deletes its schema_migrations row' : undefined);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The down section as one tx.Exec: in the transaction of the rollback, or alone with `transaction:false`. */
export function downSectionBlock(_plan: Plan | undefined, migration: Migration): Block | undefined {
  const down = migration.down;
  if (!down) return undefined;
  if (migration.directives['down-transaction'] !== false) return downBlock(migration, 'in-txn');
  return downBlock(migration, oneStringRule(down.statements));
}

/** Outside a transaction the row goes after the section: a stop in between, and the next rollback runs all of it again. */
export function downRunsAgain(plan: Plan | undefined, migration: Migration): number[] {
  return allUnlessInTransaction(downSectionBlock(plan, migration));
}

async function runDown(client: pg.Client, migration: Migration, faults: Fault[] | undefined): Promise<BlockTrace> {
  const remove = async (c: pg.Client): Promise<void> => {
    await c.query(DELETE_MIGRATION, [migration.id]);
  };
  const block = downSectionBlock(undefined, migration)!;
  if (block.rule === 'in-txn') return runScriptInTxn(client, block, faults, { beforeCommit: remove });
  const trace = await runOneString(client, block, faults);
  if (trace.error) return trace;
  try {
    await remove(client);
  } catch (error) {
    return { ...trace, error: toPgError(error), failedAt: block.statements.length };
  }
  return trace;
}
