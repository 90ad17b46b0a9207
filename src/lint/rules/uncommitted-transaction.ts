import type { Problem, Rule } from '../types.js';

const OPENS = new Set(['BEGIN', 'START']);
const CLOSES = new Set(['COMMIT', 'ROLLBACK', 'PREPARE']);

/**
 * uncommitted-transaction — a migration whose explicit BEGIN has no COMMIT (or ROLLBACK) after
 * it in the same migration.
 *
 * The transaction stays open when the migration's text ends. A runner that sends the file as one
 * string, or statement by statement without a transaction of its own, leaves the connection inside
 * it, so what it runs next shares the transaction, and all of it is rolled back when the
 * connection closes. In a block the runner wraps in its own transaction, the runner's COMMIT ends
 * it; transaction-nesting reports the BEGIN there.
 */
export const uncommittedTransaction: Rule = {
  id: 'uncommitted-transaction',
  category: 'transaction',
  summary: 'BEGIN without a COMMIT in the same migration',
  squawk: 'ban-uncommitted-transaction',
  atlas: 'none',
  migration(migration, context) {
    let open: Problem | undefined;
    for (const s of context.statementsOf(migration)) {
      // In a block the runner wraps, the runner's COMMIT ends it (transaction-nesting speaks there).
      if (s.block.rule === 'in-txn') return [];
      const kind = s.statement.detail?.transaction ?? '';
      if (OPENS.has(kind)) {
        open ??= {
          at: s,
          message: `this ${kind === 'START' ? 'START TRANSACTION' : 'BEGIN'} has no COMMIT after it in the migration: the transaction is still open when the migration ends, so what ${context.model.name} runs next shares it, and closing the connection rolls all of it back`,
          hint: 'end the transaction in the same migration with COMMIT, or remove the BEGIN and let the runner decide the transaction',
        };
      } else if (CLOSES.has(kind)) {
        open = undefined;
      }
    }
    return open ? [open] : [];
  },
};
