import { as, dotted, stringConstants } from '../ast.js';
import { runnerWords } from '../context.js';
import type { Problem, Rule } from '../types.js';

/**
 * enum-value-same-transaction — a statement that uses an enum label added by ALTER TYPE … ADD
 * VALUE earlier in the same transaction.
 *
 * PostgreSQL (12+) lets ADD VALUE run in a transaction block but refuses to use the new label
 * before the transaction commits: `55P04` unsafe use of new value "…" of enum type …. The
 * transaction is the one the runner gives the two statements: the same in-txn block, the same
 * multi-statement string, or the same explicit BEGIN … COMMIT. A use is a string constant equal
 * to the label in a later statement of that transaction (a heuristic: the same text used for
 * another purpose is flagged too).
 */
export const enumValueSameTransaction: Rule = {
  id: 'enum-value-same-transaction',
  category: 'transaction',
  summary: 'a new enum value used in the transaction that adds it',
  squawk: 'none',
  atlas: 'none',
  kinds: ['AlterEnumStmt'],
  statement(target, context) {
    const alter = as<{ typeName?: unknown[]; newVal?: string; oldVal?: string }>(context.ast(target.statement), 'AlterEnumStmt');
    if (!alter?.newVal || alter.oldVal !== undefined || !target.inTransactionBlock) return undefined;
    const problems: Problem[] = [];
    for (const later of context.statements.slice(target.order + 1)) {
      if (later.transaction !== target.transaction) break;
      if (!stringConstants(context.ast(later.statement)).has(alter.newVal)) continue;
      problems.push({
        at: later,
        message:
          `uses '${alter.newVal}', which ALTER TYPE ${dotted(alter.typeName)} ADD VALUE at line ${target.statement.line} adds in the same transaction: ` +
          `PostgreSQL refuses it with 55P04 (unsafe use of new value) until that transaction commits, and the ADD VALUE ${target.transactionReason ?? 'runs in the same transaction'}`,
        hint: `commit the new value before it is used: move the ADD VALUE to an earlier migration that commits before this one (${runnerWords(context.model).alone})`,
        sqlstate: '55P04',
      });
    }
    return problems;
  },
};
