import type pg from 'pg';
import { runNoTxn, runScript, runScriptInTxn, toPgError } from '../execute.js';
import { downBlock, type DownTrace } from '../down.js';
import { quiet } from '../sequence.js';
import type { BlockTrace, Plan } from '../types.js';
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

export async function stepDown(plan: Plan, db: DatabaseHandle): Promise<DownTrace> {
  const client = quiet(await db.connect());
  try {
    const applied = new Set((await client.query<{ version: string }>(SELECT_APPLIED).catch(() => ({ rows: [] as { version: string }[] }))).rows.map((r) => r.version));
    // The set is in file-name order: the last applied file is the one dbmate rolls back.
    const migration = [...plan.set.migrations].reverse().find((m) => applied.has(m.id));
    if (!migration) return { ok: false, refusal: { message: "Error: can't rollback: no migrations have been applied", operatorAction: 'run `dbmate up` first' } };
    const trace = await runDown(client, migration);
    if (trace.error) {
      const failed = trace.outcomes.find((o) => o.status === 'error');
      return { migration, ok: false, failure: { ...(failed ? { statement: failed.statement } : {}), error: trace.error } };
    }
    return { migration, ok: true, ...(migration.down!.statements.length === 0 ? { missing: 'its -- migrate:down section is empty, so `dbmate rollback` only deletes its schema_migrations row' } : {}) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function runDown(client: pg.Client, migration: Migration): Promise<BlockTrace> {
  const remove = async (c: pg.Client): Promise<void> => {
    await c.query(DELETE_MIGRATION, [migration.id]);
  };
  const down = migration.down!;
  if (migration.directives['down-transaction'] !== false) return runScriptInTxn(client, downBlock(migration, 'in-txn'), undefined, { beforeCommit: remove });
  const block = downBlock(migration, down.statements.length === 1 ? 'no-txn' : 'script');
  const trace = block.rule === 'no-txn' ? await runNoTxn(client, block, undefined, (c) => c.query(block.text!)) : await runScript(client, block);
  if (trace.error) return trace;
  try {
    await remove(client);
  } catch (error) {
    return { ...trace, error: toPgError(error), failedAt: block.statements.length };
  }
  return trace;
}
