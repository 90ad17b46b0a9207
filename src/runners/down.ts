import type { Migration, Statement } from '../migrations/types.js';
import type { DatabaseHandle } from '../postgres/types.js';
import type { Block, Plan, PgError, Refusal } from './types.js';

/**
 * A tool's one-step rollback, as check `down` drives it: each step undoes the newest migration the
 * tracker of `db` records, runs its down section the way the tool sends it and updates the tracker
 * as the tool does.
 */
export interface DownSemantics<P extends Plan = Plan> {
  /** The command an operator runs for one step, as findings name it (`migrate down 1`). */
  command: string;
  step(plan: P, db: DatabaseHandle): Promise<DownTrace>;
}

/** What one step of a rollback did. */
export interface DownTrace {
  /** The migration the step undid (or failed to undo); absent when the tracker recorded none. */
  migration?: Migration;
  ok: boolean;
  /** The statement of the down section that failed, and its error. */
  failure?: { statement?: Statement; error: PgError };
  /** The tool refused to step down (a dirty version, nothing to roll back). */
  refusal?: Refusal;
  /**
   * The migration has no down to run (no `.down.sql` file, an empty section), and what the tool
   * does instead: a down that then leaves the migration's objects behind is this file's defect.
   */
  missing?: string;
}

/** A block that runs a migration's down section: the runners' execution helpers take blocks. */
export function downBlock(migration: Migration, rule: 'in-txn' | 'no-txn' | 'script', statements?: Statement[]): Block {
  const down = migration.down!;
  return { index: -1, rule, migrations: [migration], statements: statements ?? down.statements, text: down.text };
}
