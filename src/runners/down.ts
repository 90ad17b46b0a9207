import type { Migration, Statement } from '../migrations/types.js';
import { DOWN_BLOCK, type Block, type BlockTrace, type DownTrace } from './types.js';

export type { DownSemantics, DownTrace } from './types.js';

/** A block that runs a migration's down section: the runners' execution helpers take blocks. */
export function downBlock(migration: Migration, rule: 'in-txn' | 'no-txn' | 'script', statements?: Statement[]): Block {
  const down = migration.down!;
  return { index: DOWN_BLOCK, rule, migrations: [migration], statements: statements ?? down.statements, text: down.text };
}

/** The trace of a step whose down section ran as `trace` says: its failure (injected or not), if any. */
export function downTrace(migration: Migration, trace: BlockTrace, missing?: string): DownTrace {
  if (trace.error) {
    const failed = trace.outcomes.find((o) => o.status === 'error');
    return { migration, ok: false, failure: { ...(failed ? { statement: failed.statement } : {}), error: trace.error, ...(trace.faulted ? { faulted: true } : {}) } };
  }
  return { migration, ok: true, ...(missing ? { missing } : {}) };
}

/**
 * For a tool that records a step apart from its down section (after it, on its own): every
 * statement of a section run outside a transaction runs again after a stop in between; none of a
 * section that shares the rollback's transaction with the record.
 */
export function allUnlessInTransaction(block: Block | undefined): number[] {
  return block && block.rule !== 'in-txn' ? block.statements.map((_, i) => i) : [];
}
