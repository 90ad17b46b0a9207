import type { Migration, Statement } from '../migrations/types.js';
import type { Block } from './types.js';

export type { DownSemantics, DownTrace } from './types.js';

/** A block that runs a migration's down section: the runners' execution helpers take blocks. */
export function downBlock(migration: Migration, rule: 'in-txn' | 'no-txn' | 'script', statements?: Statement[]): Block {
  const down = migration.down!;
  return { index: -1, rule, migrations: [migration], statements: statements ?? down.statements, text: down.text };
}
