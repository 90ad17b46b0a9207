import type pg from 'pg';
import { runInTxn, runNoTxn, runScript, runScriptInTxn, toPgError } from '../execute.js';
import { downBlock, type DownTrace } from '../down.js';
import { quiet } from '../sequence.js';
import type { BlockTrace } from '../types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { explainCut, naiveStatements, sendPiece, type GolangMigratePlan } from './model.js';
import { operatorAction, SELECT_VERSION, setVersion, writeVersion } from './version.js';

/*
 * `migrate down 1` (migrate.go Steps(-1) → runMigrations): the migration from version v to the
 * version before it in the files (NilVersion -1 before the first) runs as SetVersion(prev, dirty)
 * committed first, then the `.down.sql` file, then SetVersion(prev, clean). A version without a
 * down file is an "empty" migration (nil body): only the version moves. A dirty version refuses
 * (ErrDirty), as `migrate up` does. See docs/runners/golang-migrate.md, "Down migrations".
 */

/** One `migrate down 1` on `db`. */
export async function stepDown(plan: GolangMigratePlan, db: DatabaseHandle): Promise<DownTrace> {
  const client = quiet(await db.connect());
  try {
    const row = (await client.query<{ version: string; dirty: boolean }>(SELECT_VERSION).catch(() => ({ rows: [] }))).rows[0];
    if (!row) return { ok: false, refusal: { message: 'no migration', operatorAction: 'nothing to roll back: run `migrate up` first' } };
    if (row.dirty) {
      return { ok: false, refusal: { message: `Dirty database version ${row.version}. Fix and force version.`, operatorAction: operatorAction(plan.blocks, row.version) } };
    }
    const index = plan.set.migrations.findIndex((m) => BigInt(m.id) === BigInt(row.version));
    const migration = plan.set.migrations[index];
    if (!migration) {
      return { ok: false, refusal: { message: `no migration found for version ${row.version}`, operatorAction: `put the files of version ${row.version} back in the folder` } };
    }
    const previous = index > 0 ? BigInt(plan.set.migrations[index - 1]!.id) : -1n;
    if (!migration.down) {
      await setVersion(client, previous, true);
      await setVersion(client, previous, false);
      return { migration, ok: true, missing: 'it has no .down.sql file, so `migrate down` only moves the version back and leaves what the up file made' };
    }
    const trace = await runDown(client, plan, migration, previous);
    if (trace.error) {
      const failed = trace.outcomes.find((o) => o.status === 'error');
      return { migration, ok: false, failure: { ...(failed ? { statement: failed.statement } : {}), error: trace.error } };
    }
    return { migration, ok: true, ...(migration.down.statements.length === 0 ? { missing: 'its .down.sql file holds no statement' } : {}) };
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The down file as runMigration sends an up file, under the same settings, towards `previous`. */
async function runDown(client: pg.Client, plan: GolangMigratePlan, migration: GolangMigratePlan['set']['migrations'][number], previous: bigint): Promise<BlockTrace> {
  const { multiStatement, transactions } = plan.settings;
  const statements = multiStatement ? naiveStatements({ ...migration, up: migration.down! }) : migration.down!.statements;
  const block = downBlock(migration, transactions ? 'in-txn' : multiStatement || statements.length === 1 ? 'no-txn' : 'script', statements);
  if (transactions) {
    const beforeCommit = (c: pg.Client): Promise<void> => writeVersion(c, previous, false);
    return explainCut(multiStatement ? await runInTxn(client, block, undefined, { beforeCommit, send: sendPiece }) : await runScriptInTxn(client, block, undefined, { beforeCommit }));
  }
  await setVersion(client, previous, true);
  const trace = multiStatement
    ? await runNoTxn(client, block, undefined, sendPiece)
    : block.rule === 'no-txn'
      ? await runNoTxn(client, block, undefined, (c) => c.query(block.text!))
      : block.text!.trim() === ''
        ? { block, outcomes: [], durable: 0 }
        : await runScript(client, block);
  if (trace.error) return explainCut(trace);
  try {
    await setVersion(client, previous, false);
  } catch (error) {
    return { ...trace, error: toPgError(error), failedAt: block.statements.length };
  }
  return trace;
}
