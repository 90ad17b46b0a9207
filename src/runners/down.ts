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
