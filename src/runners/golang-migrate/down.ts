import { downBlock, downTrace, type DownTrace } from '../down.js';
import { quiet } from '../sequence.js';
import type { Block, DownRecovery, DownStepOptions } from '../types.js';
import type { Migration } from '../../migrations/types.js';
import type { DatabaseHandle } from '../../postgres/types.js';
import { fileRule, naiveStatements, runVersionFile, type GolangMigratePlan } from './model.js';
import { forceVersion, operatorAction, SELECT_VERSION, setVersion } from './version.js';

/*
 * `migrate down 1` (migrate.go Steps(-1) → runMigrations): the migration from version v to the
 * version before it in the files (NilVersion -1 before the first) runs as SetVersion(prev, dirty)
 * committed first, then the `.down.sql` file, then SetVersion(prev, clean). A version without a
 * down file is an "empty" migration (nil body): only the version moves. A dirty version refuses
 * (ErrDirty), as `migrate up` does. See docs/runners/golang-migrate.md, "Down migrations".
 */

/** One `migrate down 1` on `db`; `options.faults` fire in the down file's block. */
export async function stepDown(plan: GolangMigratePlan, db: DatabaseHandle, options: DownStepOptions = {}): Promise<DownTrace> {
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
    const previous = previousVersion(plan, migration);
    if (!migration.down) {
      await setVersion(client, previous, true);
      await setVersion(client, previous, false);
      return { migration, ok: true, missing: 'it has no .down.sql file, so `migrate down` only moves the version back and leaves what the up file made' };
    }
    const trace = await runVersionFile(client, downFileBlock(plan, migration)!, plan.settings, previous, options.faults);
    return downTrace(migration, trace, migration.down.statements.length === 0 ? 'its .down.sql file holds no statement' : undefined);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The version before `migration`'s in the files: NilVersion (-1) before the first. */
function previousVersion(plan: GolangMigratePlan, migration: Migration): bigint {
  const index = plan.set.migrations.indexOf(migration);
  return index > 0 ? BigInt(plan.set.migrations[index - 1]!.id) : -1n;
}

/** The down file as an up file is sent, under the same settings. */
export function downFileBlock(plan: GolangMigratePlan, migration: Migration): Block | undefined {
  if (!migration.down) return undefined;
  const statements = plan.settings.multiStatement ? naiveStatements({ ...migration, up: migration.down }) : migration.down.statements;
  return downBlock(migration, fileRule(plan.settings, statements), statements);
}

/**
 * After a failed `migrate down 1` the version is the one before, dirty, and `migrate` refuses until
 * `migrate force`: to the migration's own version when the down file did not take effect (then the
 * step again), or to the version before when it did (nothing more to run).
 */
export function downRecoveries(plan: GolangMigratePlan, migration: Migration): DownRecovery[] {
  const previous = previousVersion(plan, migration);
  return [
    { label: `\`migrate force ${migration.id}\` and \`migrate down 1\``, apply: (db) => forceVersion(db, BigInt(migration.id)), again: true },
    { label: `\`migrate force ${previous < 0n ? '-1' : plan.set.migrations[plan.set.migrations.indexOf(migration) - 1]!.id}\``, apply: (db) => forceVersion(db, previous), again: false },
  ];
}

/**
 * One string runs in an implicit transaction: a failed step leaves none of it, or all of it, and
 * `migrate force` to the version before says the latter. With `multi-statement=true` each piece
 * commits: after a stop between two, `migrate force <v>` and the step again run the pieces before
 * the stop a second time (all but the last can be among them).
 */
export function downRunsAgain(plan: GolangMigratePlan, migration: Migration): number[] {
  const block = downFileBlock(plan, migration);
  if (!block || plan.settings.transactions || !plan.settings.multiStatement) return [];
  return block.statements.slice(0, -1).map((_, i) => i);
}
