import type { Rule } from '../../lint/types.js';

/**
 * cigogne-disable-transaction — a cigogne migration marked `--- migration:up disable_transaction`
 * with more than one statement.
 *
 * cigogne runs such a migration outside any transaction and records it afterwards; it must be
 * exactly one statement. With two, a failure after the first leaves the migration half applied
 * and unrecorded, and the next run starts it over on top of its own first statement. migtest's
 * loader refuses such a set for `check`; `migtest lint` reports it here, at the second statement.
 */
export const cigogneDisableTransaction: Rule = {
  id: 'cigogne-disable-transaction',
  category: 'runner',
  summary: 'cigogne disable_transaction migration with more than one statement',
  squawk: 'prefer-robust-stmts ("missing transaction")',
  atlas: 'none',
  statement(target, context) {
    if (target.migration.directives.disable_transaction !== true || target.index !== 1) return undefined;
    const count = target.migration.up.statements.length;
    return {
      at: target,
      message:
        `a disable_transaction migration must be exactly one statement, and this one has ${count}: cigogne runs it outside any transaction, ` +
        'so a failure after the first statement leaves it half applied and unrecorded, and the next run applies it again from the start',
      hint: 'move each further statement into a migration of its own (its own file with a later timestamp), or drop disable_transaction if every statement can run in a transaction',
    };
  },
};
