import { runnerWords } from '../context.js';
import type { LintContext, LintStatement, Rule } from '../types.js';

/**
 * transaction-nesting — an explicit BEGIN, COMMIT or ROLLBACK inside a block the runner already
 * runs in its own transaction (an `in-txn` block: what each tool's docs/runners/<tool>.md calls
 * its transactional migrations).
 *
 * A BEGIN there only draws a warning (25001, there is already a transaction in progress); a
 * COMMIT commits the runner's transaction in the middle of the block, so what came before it
 * stays when a later statement fails, and the runner's record of the migration no longer commits
 * with its work: the `fault` check sees the block leave another state than the one from before
 * it. A ROLLBACK silently throws away the statements before it. Leave the transaction to the
 * runner, or take the migration out of it with the runner's no-transaction directive.
 */
export const transactionNesting: Rule = {
  id: 'transaction-nesting',
  category: 'transaction',
  summary: 'explicit BEGIN / COMMIT / ROLLBACK inside a block the runner already wraps in a transaction',
  squawk: 'transaction-nesting',
  atlas: 'none',
  kinds: ['TransactionStmt'],
  statement(target, context) {
    if (target.block.rule !== 'in-txn') return undefined;
    const kind = target.statement.detail?.transaction ?? '';
    const words = runnerWords(context.model);
    const wrap = words.wrap;
    const fix = `remove it and leave the transaction to ${context.model.name}; for a statement that must commit on its own: ${words.alone}`;
    switch (kind) {
      case 'BEGIN':
      case 'START': {
        const begin = kind === 'START' ? 'START TRANSACTION' : 'BEGIN';
        return {
          at: target,
          message: committedBefore(target, context)
            ? `${begin} after an explicit COMMIT inside ${wrap}: it opens a transaction of its own, which ${context.model.name} then commits with its record, so the block is no longer one transaction`
            : `${begin} inside ${wrap}: PostgreSQL only warns (25001, there is already a transaction in progress), and the next COMMIT ends ${context.model.name}'s transaction, not a nested one`,
          hint: fix,
        };
      }
      case 'COMMIT':
      case 'PREPARE':
        return {
          at: target,
          message: `COMMIT inside ${wrap} commits it in the middle of the block: the statements before it stay when a later one fails, and ${context.model.name} no longer records the migration in the same transaction as its work`,
          hint: fix,
        };
      case 'ROLLBACK':
        return {
          at: target,
          message: `ROLLBACK inside ${wrap} throws away every statement of the block before it, and what follows runs outside any transaction`,
          hint: fix,
        };
    }
    return undefined;
  },
};

/** Whether an explicit COMMIT or ROLLBACK earlier in the block closed the runner's transaction. */
function committedBefore(target: LintStatement, context: LintContext): boolean {
  let closed = false;
  for (const s of context.statements.slice(target.order - target.indexInBlock, target.order)) {
    const kind = s.statement.detail?.transaction ?? '';
    if (['COMMIT', 'ROLLBACK', 'PREPARE'].includes(kind)) closed = true;
    else if (kind === 'BEGIN' || kind === 'START') closed = false;
  }
  return closed;
}
