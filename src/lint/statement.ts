import type { Migration, Statement } from '../migrations/types.js';
import type { Block } from '../runners/types.js';

/*
 * The statement as lint sees it: a leaf module, so that the schema model (src/lint/schema/), which
 * LintContext holds, reads it without importing the context back.
 */

/**
 * When a statement can run a second time on top of its own effect:
 * - `every-run`: the runner has no tracker and runs every migration at each start;
 * - `after-partial-apply`: the statement's effect can be committed while its migration is not yet
 *   recorded, so a failure or crash after it makes the next run apply the migration again.
 */
export type Rerun = 'every-run' | 'after-partial-apply';

/** A statement with what the plan says about how it runs. */
export interface LintStatement {
  statement: Statement;
  migration: Migration;
  block: Block;
  /** 0-based position among all statements of the plan, in execution order. */
  order: number;
  /** 0-based position in its migration's up script. */
  index: number;
  /** 0-based position among the statements of its block. */
  indexInBlock: number;
  /** Last line of the statement in its file. */
  endLine: number;
  /** PostgreSQL sees it inside a transaction block (explicit, implicit or the tool's). */
  inTransactionBlock: boolean;
  /** Why it is in a transaction block, in words, when it is. */
  transactionReason?: string;
  /** Statements with the same number commit or roll back together. */
  transaction: number;
  /** Whether, and why, the statement can run again on top of its own effect. */
  rerun?: Rerun;
  rerunReason?: string;
}
